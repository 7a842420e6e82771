"""Triton backend (``pip install 'slayer-snn[gpu]'``): fused kernels for the neuron and delay ops.

Importing this package imports Triton and registers the ``slayer::triton_*`` custom ops; the
backend registry does so only the first time a tensor asks for ``"triton"``, never at
``import slayer``.
"""

from slayer.backends.triton.backend import TritonBackend

__all__ = ["TritonBackend"]
