"""The auditory front end, the spoken-digit data set, and the acceptance read-out (>= 85 %)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import slayer
from io_paths import data
from slayer.data import SpokenDigits, audio


def test_erb_scale_and_gammatone_weights():
    centres = audio.erb_space(100.0, 3800.0, 32)
    assert centres[0] == pytest.approx(100.0) and centres[-1] == pytest.approx(3800.0)
    assert np.all(np.diff(centres) > 0) and np.all(np.diff(np.diff(centres)) > 0)  # denser at low f
    weights = audio.gammatone_weights(8000, 8000, np.array([1000.0]))  # 1-Hz FFT bins
    assert weights[0, 1000] == 1.0
    width = 1.019 * 24.7 * (4.37 + 1)
    half = 1000 + width * np.sqrt(2**0.25 - 1)  # half-power point of a 4th-order gammatone
    assert weights[0, round(half)] == pytest.approx(0.5, abs=0.01)


def test_level_of_a_tone_burst(tmp_path):
    fs, sim = 8000, slayer.Simulation(1.0, 500.0)
    t = np.arange(int(0.4 * fs)) / fs
    tone = np.sin(2 * np.pi * 1000 * t) * (t >= 0.2)  # silent 200 ms, then a 1-kHz tone to 400 ms
    centres = audio.erb_space(100, 3800, 32)
    level = audio.level(tone, fs, sim, audio.gammatone_weights(fs, 128, centres), 128, 60.0)
    assert level.shape == (32, 500)
    loudest = level[:, 300]
    assert np.argmax(loudest) == np.argmin(abs(centres - 1000)) and loudest.max() == pytest.approx(
        1.0, abs=0.05
    )
    onset = np.argmax(level.max(axis=0) > 0.5)
    assert 192 <= onset <= 202  # within the 16-ms window of the true onset
    assert np.all(level[:, 410:] == 0) and np.all(level[:, :180] == 0)
    with pytest.raises(ValueError, match="not a whole number of samples"):
        audio.level(tone, fs, slayer.Simulation(0.1, 500.0), np.ones((1, 65)), 128, 60.0)


@pytest.mark.filterwarnings("ignore:Chunk")
def test_read_wav_scales_and_resamples(tmp_path):
    from scipy.io import wavfile

    wavfile.write(tmp_path / "a.wav", 16000, (np.ones(1600) * 16384).astype(np.int16))
    sound = audio.read_wav(tmp_path / "a.wav", 8000)
    assert sound.size == 800 and sound[400] == pytest.approx(0.5, abs=1e-3)
    (tmp_path / "b.wav").write_bytes(b"RIFF0000WAVEjunk")
    with pytest.raises(ValueError, match=r"b.wav: not a readable WAV file"):
        audio.read_wav(tmp_path / "b.wav", 8000)


def test_dataset_split_and_errors(tmp_path):
    root = data("fsdd")
    train, test = SpokenDigits(root, train=True), SpokenDigits(root, train=False)
    assert (len(train), len(test)) == (2700, 300)
    assert sorted(set(test.labels)) == list(range(10)) and len(set(test.speakers)) == 6
    spikes, label = test[0]
    assert (
        spikes.shape == (32, 1000) and spikes.dtype == torch.float32 and label == int(test.files[0].name[0])
    )
    assert torch.equal(spikes, test[0][0])  # deterministic encoding
    poisson = SpokenDigits(root, train=False, encoding="poisson", seed=3)
    assert abs(poisson[0][0].sum() - spikes.sum()) < 0.2 * spikes.sum()  # same rates, other code
    (tmp_path / "hello.wav").write_bytes(b"")
    with pytest.raises(ValueError, match=r"hello.wav: not named \{digit\}_\{speaker\}_\{index\}.wav"):
        SpokenDigits(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"no \{digit\}_\{speaker\}_\{index\}\.wav recordings"):
        SpokenDigits(tmp_path / "recordings_missing")


def _counts(dataset: SpokenDigits, windows: int) -> tuple[np.ndarray, np.ndarray]:
    spikes = torch.stack([dataset[i][0] for i in range(len(dataset))])  # (N, C, T)
    counts = spikes.reshape(len(dataset), spikes.shape[1], windows, -1).sum(-1) * dataset.sim.ts
    return counts.reshape(len(dataset), -1).numpy(), np.asarray(dataset.labels)


def test_linear_readout_of_spike_counts_reaches_85_percent():
    """Acceptance: logistic regression on spike counts (32 channels x 10 windows of 100 ms)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    root = data("fsdd")
    x_train, y_train = _counts(SpokenDigits(root, train=True), 10)
    x_test, y_test = _counts(SpokenDigits(root, train=False), 10)
    with threadpool_limits(1):  # small problem: threads only contend on a shared machine
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x_train, y_train)
        accuracy = model.score(x_test, y_test)
    print(
        f"spoken digits: logistic regression on spike counts, test accuracy {accuracy:.4f} (300 recordings)"
    )
    assert accuracy >= 0.85
