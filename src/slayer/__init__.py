"""slayer: SLAYER (Spike Layer Error Reassignment in Time) for PyTorch, on CPU and GPU."""

from slayer import backends, data, functional, io, loss, nn
from slayer.loss import predict
from slayer.params import SRM, Simulation

__version__ = "0.1.0"

__all__ = [
    "SRM",
    "Simulation",
    "__version__",
    "backends",
    "data",
    "functional",
    "io",
    "loss",
    "nn",
    "predict",
]
