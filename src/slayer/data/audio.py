"""An auditory front end: WAV -> gammatone-weighted filterbank -> log level in [0, 1] per Ts bin.

The filterbank is computed on the short-time spectrum (numpy FFT), one frame per time bin, with the
power response of 4th-order gammatone filters on the ERB scale (Glasberg & Moore 1990) as weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from slayer.params import Simulation

__all__ = ["erb_space", "gammatone_weights", "level", "read_wav"]


def read_wav(path: str | Path, fs: int) -> np.ndarray:
    """A mono WAV file as float64 in [-1, 1], resampled to ``fs`` Hz (scipy; polyphase) if needed."""
    from math import gcd

    from scipy.io import wavfile
    from scipy.signal import resample_poly

    try:
        rate, data = wavfile.read(path)
    except ValueError as error:
        raise ValueError(f"{path}: not a readable WAV file: {error}") from None
    if data.ndim == 2:
        data = data.mean(axis=1)
    if data.dtype.kind in "iu":
        info = np.iinfo(data.dtype)
        x = (data.astype(np.float64) - (info.max + info.min + 1) / 2) / ((info.max - info.min + 1) / 2)
    else:
        x = data.astype(np.float64)
    if rate != fs:
        g = gcd(int(rate), int(fs))
        x = resample_poly(x, fs // g, rate // g)
    return x


def erb_space(f_low: float, f_high: float, channels: int) -> np.ndarray:
    """Centre frequencies (Hz) equally spaced on the ERB-rate scale ``E(f) = 21.4 log10(1 + 0.00437 f)``."""
    lo, hi = 21.4 * np.log10(1 + 0.00437 * f_low), 21.4 * np.log10(1 + 0.00437 * f_high)
    return (10 ** (np.linspace(lo, hi, channels) / 21.4) - 1) / 0.00437


def gammatone_weights(fs: float, n_fft: int, centres: np.ndarray) -> np.ndarray:
    """Power responses of 4th-order gammatone filters at the FFT frequencies, shape ``(C, n_fft // 2 + 1)``.

    .. math::

        W[c, f] = \\left(1 + \\left(\\frac{f - f_c}{b_c}\\right)^2\\right)^{-4}, \\qquad
        b_c = 1.019\\, \\mathrm{ERB}(f_c) = 1.019 \\cdot 24.7\\,(4.37 f_c / 1000 + 1)
    """
    freqs = np.fft.rfftfreq(n_fft, 1.0 / fs)
    width = 1.019 * 24.7 * (4.37 * centres / 1000.0 + 1.0)
    return (1.0 + ((freqs[None, :] - centres[:, None]) / width[:, None]) ** 2) ** -4


def level(
    x: np.ndarray, fs: int, sim: Simulation, weights: np.ndarray, n_fft: int, dynamic_range: float
) -> np.ndarray:
    """Log band level in [0, 1] for each channel and time bin.

    .. math::

        P[c, k] = \\sum_f W[c, f]\\, |X_k(f)|^2, \\qquad
        L[c, k] = \\operatorname{clip}\\left(1 + \\frac{10 \\log_{10}(P[c, k] / \\max P)}{D}, 0, 1\\right)

    where ``X_k`` is the Hann-windowed spectrum of ``n_fft`` samples centred on ``t = k Ts`` and
    ``D`` the dynamic range in dB (the loudest band and bin of the recording maps to 1).

    Shape
    -----
    ``(C, T)`` with ``T = sim.steps``; bins past the end of the sound are 0.
    """
    hop = fs * sim.ts / 1000.0
    if abs(hop - round(hop)) > 1e-9 or hop < 1:
        raise ValueError(f"Ts = {sim.ts} ms is not a whole number of samples at {fs} Hz")
    hop_n = round(hop)
    frames = min(sim.steps, -(-x.size // hop_n))
    padded = np.zeros(n_fft + frames * hop_n)
    kept = x[: padded.size - n_fft // 2]
    padded[n_fft // 2 : n_fft // 2 + kept.size] = kept
    windows = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop_n][:frames]
    power = np.abs(np.fft.rfft(windows * np.hanning(n_fft), axis=1)) ** 2  # (frames, F)
    bands = np.einsum("cf,kf->ck", weights, power)  # einsum: no BLAS threads for this small product
    out = np.zeros((weights.shape[0], sim.steps))
    peak = bands.max() if bands.size else 0.0
    if peak > 0:
        with np.errstate(divide="ignore"):
            db = 10.0 * np.log10(bands / peak)
        out[:, :frames] = np.clip(1.0 + db / dynamic_range, 0.0, 1.0)
    return out
