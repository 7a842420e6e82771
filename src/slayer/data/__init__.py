"""Data sets yielding ``(spikes, label)``: time-last float32 spike tensors of amplitude 1/Ts and an ``int``.

Heavy dependencies (scipy, scikit-learn) are imported when a data set that needs them is built.
"""

from slayer.data import encode, transforms
from slayer.data.dvs_gesture import DVSGesture
from slayer.data.mnist import MNIST, Digits
from slayer.data.nmnist import NMNIST
from slayer.data.spoken_digits import SpokenDigits
from slayer.data.tonic_adapter import Tonic

__all__ = ["MNIST", "NMNIST", "DVSGesture", "Digits", "SpokenDigits", "Tonic", "encode", "transforms"]
