"""AEDAT 4 through the ``aedat`` library, AEDAT 3.1 through our decoder (synthetic files)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import slayer
import slayer.io as sio
from io_aedat31 import polarity_packet, special_packet, write
from io_paths import data
from slayer.io import Event, EventFileError


def _events(rng, n, t0=0, spacing=3):
    t = t0 + np.cumsum(rng.integers(0, spacing, n))
    return rng.integers(0, 128, n), rng.integers(0, 128, n), rng.integers(0, 2, n), t


def test_aedat31_round_trip_with_overflow_special_packets_and_invalid_events(tmp_path):
    rng = np.random.default_rng(0)
    x1, y1, p1, t1 = _events(rng, 1000, t0=5)
    x2, y2, p2, t2 = _events(rng, 500, t0=(1 << 31) + 10)  # after one time-stamp overflow
    x2[-1], y2[-1] = 32767, 32767  # 15-bit addresses
    invalid = np.ones(500, bool)
    invalid[::7] = False
    path = write(
        tmp_path / "rec.aedat",
        [
            polarity_packet(x1, y1, p1, t1),
            special_packet(),
            polarity_packet(x2, y2, p2, t2, invalid, spare=3),
        ],
    )
    event = sio.read_aedat(path)
    keep = invalid
    expected = Event(
        np.r_[x1, x2[keep]], np.r_[y1, y2[keep]], np.r_[p1, p2[keep]], np.r_[t1, t2[keep]] / 1000.0
    )
    assert event.equals(expected)
    assert sio.read(path).equals(expected)
    relative = sio.read_aedat(path, relative=True)
    assert relative.t[0] == 0 and np.allclose(relative.t, expected.t - expected.t[0], rtol=0, atol=1e-6)


def test_aedat31_bad_files(tmp_path):
    rng = np.random.default_rng(1)
    packet = polarity_packet(*_events(rng, 10))
    full = write(tmp_path / "full.aedat", [packet, packet])
    body = full.read_bytes()
    start = body.index(b"#!END-HEADER\r\n") + len(b"#!END-HEADER\r\n")

    (tmp_path / "cut.aedat").write_bytes(body[:-5])
    second = start + len(packet)
    with pytest.raises(
        EventFileError,
        match=rf"cut.aedat \(byte offset {second}\): truncated packet: .* 10 events of 8 bytes, but only 75",
    ):
        sio.read_aedat(tmp_path / "cut.aedat")
    (tmp_path / "head.aedat").write_bytes(body[: second + 20])
    with pytest.raises(EventFileError, match=rf"byte offset {second}\): truncated packet header \(20 of 28"):
        sio.read_aedat(tmp_path / "head.aedat")
    (tmp_path / "v2.aedat").write_bytes(b"#!AER-DAT2.0\r\n" + body[start:])
    with pytest.raises(EventFileError, match=r"AEDAT version 2\.0 is not AEDAT 3\.x"):
        sio.read_aedat(tmp_path / "v2.aedat")
    (tmp_path / "none.aedat").write_bytes(b"\x00" * 64)
    with pytest.raises(EventFileError, match=r"none.aedat \(byte offset 0\): not an AEDAT file"):
        sio.read_aedat(tmp_path / "none.aedat")
    (tmp_path / "noend.aedat").write_bytes(b"#!AER-DAT3.1\r\n#x\r\n")
    with pytest.raises(EventFileError, match="no '#!END-HEADER' line"):
        sio.read_aedat(tmp_path / "noend.aedat")
    corrupt = bytearray(body)
    corrupt[start + 4 : start + 8] = (0).to_bytes(4, "little")  # event size 0
    (tmp_path / "size.aedat").write_bytes(bytes(corrupt))
    with pytest.raises(EventFileError, match=rf"byte offset {start}\): corrupt packet header: event size 0"):
        sio.read_aedat(tmp_path / "size.aedat")
    empty = write(tmp_path / "empty.aedat", [])
    assert len(sio.read_aedat(empty)) == 0


def test_aedat31_time_going_backwards(tmp_path):
    x, y, p = np.arange(4), np.arange(4), np.zeros(4, int)
    path = write(tmp_path / "back.aedat", [polarity_packet(x, y, p, np.array([10, 20, 15, 30]))])
    offset = path.read_bytes().index(b"#!END-HEADER\r\n") + 14 + 28 + 2 * 8
    with pytest.raises(
        EventFileError,
        match=rf"\(byte offset {offset}\): time stamp goes backwards at event 2: 20 µs, then 15",
    ):
        sio.read_aedat(path)
    assert sio.read_aedat(path, on_unordered="sort").x.tolist() == [0, 2, 1, 3]
    assert sio.read_aedat(path, on_unordered="keep").t.tolist() == [0.01, 0.02, 0.015, 0.03]
    with pytest.raises(ValueError, match="on_unordered"):
        sio.read_aedat(path, on_unordered="drop")  # type: ignore[arg-type]


def test_aedat4_real_file():
    pytest.importorskip("aedat")
    path = data("event-format-samples", "sample.aedat4")
    event = sio.read_aedat4(path)
    assert len(event) == 111954 and event.dim == 2
    assert event.x.max() < 320 and event.y.max() < 240 and set(np.unique(event.p)) == {0, 1}
    assert event.t[0] == 0 and np.all(np.diff(event.t) >= 0)
    absolute = sio.read_aedat4(path, relative=False)
    assert absolute.t[0] == 1605537493718.345  # the camera's clock: µs since the epoch, as ms
    assert sio.read(path).equals(event)
    spikes = event.to_tensor(slayer.Simulation(1.0, 600), (2, 240, 320), mode="sum")
    assert int(spikes.sum().item()) == len(event)  # the 590 ms recording fits in 600 bins


def test_aedat4_events_round_trip_through_our_writers(tmp_path):
    """AEDAT 4 is read-only here; its events (320x240, µs times) fit .bs3 and .npy losslessly."""
    pytest.importorskip("aedat")
    event = sio.read_aedat4(data("event-format-samples", "sample.aedat4"))
    for name in ("a.bs3", "a.npy"):
        sio.write(tmp_path / name, event)
        assert sio.read(tmp_path / name).equals(event)
    with pytest.raises(EventFileError, match=r"field x = \d+ at event \d+ is outside 0\.\.255"):
        sio.write_bs2(tmp_path / "a.bs2", event)  # 320 columns do not fit .bs2's 8 bits


def test_aedat4_bad_files(tmp_path):
    pytest.importorskip("aedat")
    source = data("event-format-samples", "sample.aedat4")
    whole = sio.read_aedat4(source)
    (tmp_path / "cut.aedat4").write_bytes(source.read_bytes()[:500_000])
    with pytest.raises(
        EventFileError, match=r"cut.aedat4: truncated or corrupt AEDAT 4 file after \d+ events"
    ):
        sio.read_aedat4(tmp_path / "cut.aedat4")
    with pytest.warns(UserWarning, match="kept those events"):
        part = sio.read_aedat4(tmp_path / "cut.aedat4", allow_truncated=True)
    assert 0 < len(part) < len(whole) and part.equals(whole.select(np.arange(len(part))))
    (tmp_path / "junk.aedat4").write_bytes(b"junk" * 100)
    with pytest.raises(EventFileError, match=r"junk\.aedat4: not a readable AEDAT 4 file"):
        sio.read_aedat4(tmp_path / "junk.aedat4")
    with pytest.raises(FileNotFoundError):
        sio.read_aedat4(tmp_path / "missing.aedat4")


def test_aedat4_missing_library_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "aedat", None)
    with pytest.raises(ImportError, match=r"pip install 'slayer-snn\[aedat\]'"):
        sio.read_aedat4(tmp_path / "any.aedat4")
