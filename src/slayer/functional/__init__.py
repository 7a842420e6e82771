"""Pure functions on time-last tensors: the math of SPEC.md, one op each.

Every op picks its implementation from :mod:`slayer.backends` (``backend=None`` means the current
scope's choice, ``"auto"`` by default) and holds no state.
"""

from slayer.functional.delay import delay, delay_shift
from slayer.functional.neuron import psp, spike, srm
from slayer.functional.synapse import conv, conv_transpose, dense, dropout, pool, psp_filter, unpool

__all__ = [
    "conv",
    "conv_transpose",
    "delay",
    "delay_shift",
    "dense",
    "dropout",
    "pool",
    "psp",
    "psp_filter",
    "spike",
    "srm",
    "unpool",
]
