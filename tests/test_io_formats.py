"""Lossless .bs1/.bs2/.bs3/.bsn/.npy round trips on real files and on full-range random events; bad files."""

from __future__ import annotations

import re

import numpy as np
import pytest

import slayer.io as sio
from io_paths import data
from slayer.io import CountTargets, Event, EventFileError

SAMPLES = [
    ("NTIDIGITS_1.bs1", sio.read_bs1, sio.write_bs1),
    ("NMNIST_1.bs2", sio.read_bs2, sio.write_bs2),
    ("sample_nmnist.bin", sio.read_bs2, sio.write_bs2),
    ("1.bs3", sio.read_bs3, sio.write_bs3),
    ("2.bs3", sio.read_bs3, sio.write_bs3),
]


@pytest.mark.parametrize(("name", "reader", "writer"), SAMPLES)
def test_real_file_round_trip_is_byte_exact(tmp_path, name, reader, writer):
    source = data("event-format-samples", name)
    event = reader(source)
    assert len(event) * (7 if name.endswith(".bs3") else 5) == source.stat().st_size
    writer(tmp_path / name, event)
    assert (tmp_path / name).read_bytes() == source.read_bytes()
    assert reader(tmp_path / name).equals(event)
    npy = tmp_path / "events.npy"
    sio.write_npy(npy, event)
    assert sio.read_npy(npy).equals(event)


def test_real_field_values():
    nmnist = sio.read_bs2(data("event-format-samples", "NMNIST_1.bs2"))
    assert (len(nmnist), nmnist.x.max(), nmnist.y.max(), set(nmnist.p)) == (4681, 33, 33, {0, 1})
    assert nmnist.t.min() == 0.893 and nmnist.t.max() == 305.924  # µs stored, ms read
    assert sio.read_bs2(data("nmnist-small", "1.bs2")).equals(nmnist)
    cochlea = sio.read_bs1(data("event-format-samples", "NTIDIGITS_1.bs1"))
    assert (len(cochlea), cochlea.x.max(), cochlea.dim) == (898, 63, 1)
    gesture = sio.read_bs3(data("event-format-samples", "1.bs3"))
    assert gesture.equals(sio.read_bs2(data("dvs-gesture-samples", "1.bs2")))


def test_nmnist_small_round_trips(tmp_path):
    folder = data("nmnist-small")
    files = sorted(folder.glob("*.bs2"))
    assert len(files) == 1100
    for source in files:
        sio.write_bs2(tmp_path / "x.bs2", sio.read_bs2(source))
        assert (tmp_path / "x.bs2").read_bytes() == source.read_bytes(), source
    for source in [
        *sorted((folder / "Desired_10_60").glob("*.bsn")),
        data("event-format-samples", "Out_0.bsn"),
    ]:
        targets = sio.read_bsn(source)
        sio.write_bsn(tmp_path / "x.bsn", targets)
        assert (tmp_path / "x.bsn").read_bytes() == source.read_bytes(), source


def test_bsn_values():
    targets = sio.read_bsn(data("event-format-samples", "Out_0.bsn"))
    assert targets.neuron.tolist() == list(range(10))
    assert targets.count.tolist() == [60] + [10] * 9
    assert set(targets.t_start) == {0.0} and set(targets.t_stop) == {300.0}


def _full_range(rng, n, bits, dim):
    """Random values over each field's whole range, with both extremes present."""

    def field(b):
        values = rng.integers(0, 1 << b, n)
        values[:2] = [0, (1 << b) - 1]
        return values

    x, p, t = field(bits["x"]), field(bits["p"]), field(bits["t"]) / 1000.0
    return Event(x, field(bits["y"]) if dim == 2 else None, p, t)


FORMATS = {
    "bs1": (sio.read_bs1, sio.write_bs1, {"x": 16, "p": 1, "t": 23}, 1),
    "bs2": (sio.read_bs2, sio.write_bs2, {"x": 8, "y": 8, "p": 1, "t": 23}, 2),
    "bs3": (sio.read_bs3, sio.write_bs3, {"x": 12, "y": 12, "p": 8, "t": 24}, 2),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_full_range_round_trip_and_limits(tmp_path, fmt):
    reader, writer, bits, dim = FORMATS[fmt]
    rng = np.random.default_rng(7)
    event = _full_range(rng, 5000, bits, dim)
    path = tmp_path / f"e.{fmt}"
    writer(path, event)
    assert path.stat().st_size == len(event) * (7 if fmt == "bs3" else 5)
    assert reader(path).equals(event)
    path.unlink()
    for name, b in bits.items():
        for bad in (1 << b, -1):
            fields = {k: None if v is None else v.copy() for k in "xypt" for v in [getattr(event, k)]}
            if name == "t":
                fields["t"][3] = bad / 1000.0
            else:
                fields[name][3] = bad
            limit = f"0..{(1 << b) - 1}"
            with pytest.raises(
                EventFileError, match=rf"field {name} = {bad}.* at event 3 is outside {limit}"
            ):
                writer(path, Event(**fields))
            assert not path.exists()  # nothing written on failure


def test_writers_refuse_fractional_times_and_wrong_dimension(tmp_path):
    with pytest.raises(
        EventFileError, match=r"field t = 1.0005 ms at event 1 is not a whole number of micro"
    ):
        sio.write_bs2(tmp_path / "a.bs2", Event([0, 1], [0, 1], [0, 1], [0.0, 1.0005]))
    with pytest.raises(EventFileError, match="holds 2-D events, got 1-D"):
        sio.write_bs2(tmp_path / "a.bs2", Event([0], None, [0], [0.0]))
    with pytest.raises(EventFileError, match="holds 1-D events, got 2-D"):
        sio.write_bs1(tmp_path / "a.bs1", Event([0], [0], [0], [0.0]))


def test_ids_and_rows_the_reference_truncated(tmp_path):
    """The reference writers kept 8 bits of .bs1 ids and .bs3 rows; both round-trip here."""
    wide = Event([255, 256, 300, 65535], None, [0, 1, 0, 1], [0.0, 1.0, 2.0, 3.0])
    sio.write_bs1(tmp_path / "a.bs1", wide)
    assert sio.read_bs1(tmp_path / "a.bs1").x.tolist() == [255, 256, 300, 65535]
    tall = Event([0, 1, 2], [255, 256, 4095], [0, 200, 255], [0.0, 1.0, 2.0])
    sio.write_bs3(tmp_path / "a.bs3", tall)
    assert sio.read_bs3(tmp_path / "a.bs3").equals(tall)


def test_bsn_round_trip_and_limits(tmp_path):
    targets = CountTargets(
        np.array([0, 65535]), np.array([0.0, 16777.215]), np.array([300.0, 16777.215]), np.array([0, 65535])
    )
    sio.write_bsn(tmp_path / "a.bsn", targets)
    back = sio.read_bsn(tmp_path / "a.bsn")
    for name in ("neuron", "t_start", "t_stop", "count"):
        np.testing.assert_array_equal(getattr(back, name), getattr(targets, name))
    with pytest.raises(EventFileError, match="field count = 65536"):
        sio.write_bsn(
            tmp_path / "b.bsn",
            CountTargets(np.array([0]), np.array([0.0]), np.array([1.0]), np.array([65536])),
        )
    with pytest.raises(EventFileError, match="starts after it ends"):
        sio.write_bsn(
            tmp_path / "b.bsn", CountTargets(np.array([0]), np.array([2.0]), np.array([1.0]), np.array([1]))
        )
    corrupt = bytearray((tmp_path / "a.bsn").read_bytes())
    corrupt[12:18] = bytes([0, 0, 9, 0, 0, 1])  # record 1: start 9 µs > stop 1 µs
    (tmp_path / "c.bsn").write_bytes(bytes(corrupt))
    with pytest.raises(
        EventFileError, match=r"c.bsn \(byte offset 10\): record 1: window start 9 µs is after its end 1 µs"
    ):
        sio.read_bsn(tmp_path / "c.bsn")


@pytest.mark.parametrize(("suffix", "size"), [(".bs1", 5), (".bs2", 5), (".bs3", 7), (".bsn", 10)])
def test_truncated_file_names_file_and_offset(tmp_path, suffix, size):
    path = tmp_path / f"t{suffix}"
    path.write_bytes(bytes(range(3 * size + 2)))
    reader = {".bs1": sio.read_bs1, ".bs2": sio.read_bs2, ".bs3": sio.read_bs3, ".bsn": sio.read_bsn}[suffix]
    message = (
        rf"{re.escape(str(path))} \(byte offset {3 * size}\): {3 * size + 2} bytes is not a whole number"
    )
    with pytest.raises(EventFileError, match=message) as info:
        reader(path)
    assert info.value.offset == 3 * size and info.value.path == str(path)
    with pytest.warns(UserWarning, match="truncated"):
        assert len(reader(path, allow_truncated=True)) == 3


def test_empty_and_missing_files(tmp_path):
    (tmp_path / "e.bs2").write_bytes(b"")
    empty = sio.read_bs2(tmp_path / "e.bs2")
    assert len(empty) == 0 and empty.dim == 2
    sio.write_bs2(tmp_path / "f.bs2", empty)
    assert (tmp_path / "f.bs2").read_bytes() == b""
    with pytest.raises(FileNotFoundError):
        sio.read_bs1(tmp_path / "missing.bs1")


def test_npy_full_range_and_layouts(tmp_path):
    rng = np.random.default_rng(2)
    big = np.iinfo(np.int64)
    x = rng.integers(big.min, big.max, 100)
    event = Event(x, x[::-1], rng.integers(-5, 5, 100), rng.normal(0, 1e6, 100))
    sio.write_npy(tmp_path / "a.npy", event)
    assert sio.read_npy(tmp_path / "a.npy").equals(event)
    one_d = Event([1, 2], None, [0, 1], [0.25, 0.5])
    sio.write(tmp_path / "b.npy", one_d)
    assert sio.read(tmp_path / "b.npy").equals(one_d)
    # plain arrays in the reference's layout, and Tonic's structured arrays with µs times
    np.save(tmp_path / "plain.npy", np.array([[1, 2, 1, 1.5], [3, 4, 0, 2.5]]))
    assert sio.read_npy(tmp_path / "plain.npy").equals(Event([1, 3], [2, 4], [1, 0], [1.5, 2.5]))
    np.save(tmp_path / "tpx.npy", np.array([[1.5, 7, 0]]))
    assert sio.read_npy(tmp_path / "tpx.npy", fmt="txp").equals(Event([7], None, [0], [1.5]))
    tonic = np.zeros(2, dtype=[("x", "<i2"), ("y", "<i2"), ("t", "<i8"), ("p", "?")])
    tonic["x"], tonic["t"], tonic["p"] = [5, 6], [1500, 2000], [True, False]
    np.save(tmp_path / "tonic.npy", tonic)
    assert sio.read_npy(tmp_path / "tonic.npy", time_unit=1e-6).equals(
        Event([5, 6], [0, 0], [1, 0], [1.5, 2.0])
    )


def test_npy_bad_files(tmp_path):
    (tmp_path / "junk.npy").write_bytes(b"not numpy at all")
    with pytest.raises(EventFileError, match=r"junk.npy: not a readable .npy array"):
        sio.read_npy(tmp_path / "junk.npy")
    np.save(tmp_path / "obj.npy", np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(EventFileError, match=r"obj\.npy: not a readable"):
        sio.read_npy(tmp_path / "obj.npy")
    np.save(tmp_path / "wide.npy", np.zeros((3, 5)))
    with pytest.raises(EventFileError, match=r"wide.npy: plain event array must be .* got shape \(3, 5\)"):
        sio.read_npy(tmp_path / "wide.npy")
    np.save(tmp_path / "fields.npy", np.zeros(3, dtype=[("x", "i4"), ("t", "f8")]))
    with pytest.raises(EventFileError, match=r"needs 1-D fields x, p, t.*has \['t', 'x'\]"):
        sio.read_npy(tmp_path / "fields.npy")
    np.save(tmp_path / "frac.npy", np.array([[1.5, 0, 0, 0.0]]))
    with pytest.raises(EventFileError, match=r"frac.npy: Event.x\[0\] = 1.5 is not an integer"):
        sio.read_npy(tmp_path / "frac.npy")
    full = tmp_path / "a.npy"
    sio.write_npy(full, Event([1, 2, 3], None, [0, 0, 0], [0.0, 1.0, 2.0]))
    (tmp_path / "cut.npy").write_bytes(full.read_bytes()[:-5])
    with pytest.raises(EventFileError, match=r"cut\.npy: not a readable"):
        sio.read_npy(tmp_path / "cut.npy")


def test_read_write_by_suffix(tmp_path):
    event = Event([1, 2], [3, 4], [0, 1], [1.0, 2.0])
    for suffix in (".bs2", ".bin", ".bs3", ".npy"):
        sio.write(tmp_path / f"a{suffix}", event)
        assert sio.read(tmp_path / f"a{suffix}").equals(event)
    with pytest.raises(ValueError, match=r"unknown event file suffix '\.txt'"):
        sio.read(tmp_path / "a.txt")
    with pytest.raises(ValueError, match=r"no writer for suffix '\.aedat4'"):
        sio.write(tmp_path / "a.aedat4", event)
