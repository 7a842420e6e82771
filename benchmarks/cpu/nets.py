"""Each library's closest equivalent of the benchmark networks, built the library's idiomatic way.

Workload A is the N-MNIST MLP 2312-512-10, workload B the N-MNIST CNN
2x34x34-12c5-2a-64c5-2a-10 (every layer, pooling included, followed by spiking neurons, as in
SLAYER). All weights are bias-free float32 on the CPU. A builder gets the input in slayer's
time-last layout ``(N, C, [H, W,] T)``, converts it once (outside the timed region) to the
library's layout, and returns a :class:`Net` whose ``run()`` is one forward pass returning the
output spike counts ``(N, 10)``.

Synapse layers are applied to all time steps at once (time folded into the batch) wherever the
library allows it; the neurons then step through time the library's own way. snnTorch is also
run "tutorial style", one time step at a time through the whole network.
"""

from __future__ import annotations

import importlib.metadata
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["BUILDERS", "Net"]


@dataclass
class Net:
    """One library's network with its input, ready to time."""

    library: str  # row label
    version: str
    module: nn.Module
    run: Callable[[], torch.Tensor]  # forward pass -> spike counts (N, 10)
    ours: bool = False  # slayer's own rows are not peers


def _version(dist: str) -> str:
    return importlib.metadata.version(dist)


class _Folded(nn.Module):
    """Apply ``module`` to every time step at once: ``(T, N, ...)`` -> fold -> module -> unfold."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.module(x.flatten(0, 1))
        return y.unflatten(0, x.shape[:2])


def _cnn_synapses(pool: Callable[[], nn.Module], flat: int) -> list[nn.Module]:
    return [
        nn.Conv2d(2, 12, 5, bias=False),
        pool(),
        nn.Conv2d(12, 64, 5, bias=False),
        pool(),
        nn.Sequential(nn.Flatten(), nn.Linear(flat, 10, bias=False)),
    ]


def _flat_size(pool: Callable[[], nn.Module]) -> int:
    x = torch.zeros(1, 2, 34, 34)
    for layer in _cnn_synapses(pool, 1)[:4]:
        x = layer(x)
    return x.numel()


def _avg_pool() -> nn.Module:
    return nn.AvgPool2d(2, ceil_mode=True)


def _time_first(x: torch.Tensor) -> torch.Tensor:
    """slayer's ``(N, C, [H, W,] T)`` -> ``(T, N, C, [H, W])``, contiguous, flattened for the MLP."""
    if x.dim() == 3:
        return x.permute(2, 0, 1).contiguous()
    return x.permute(4, 0, 1, 2, 3).contiguous()


# ------------------------------------------------------------------------------------------ slayer
#: the weight scales of examples/nmnist_cnn.yaml, at which the CNN trains (SLAYER's defaults, conv 100
#: and dense 10, make its layers fire in 30-70 % of their bins)
EXAMPLE_SCALES = (20.0, 2.0, 2.0)


def slayer_net(workload: str, x: torch.Tensor, backend: str, scales: tuple[float, ...] = ()) -> Net:
    """slayer's network; ``scales`` (B only) replaces the default weight scales of its three synapses."""
    import slayer
    from slayer import nn as snn

    sim = slayer.Simulation(1.0, x.shape[-1])
    neuron = slayer.SRM(theta=10, tau_sr=10, tau_ref=1)
    if workload == "A":
        layers = [snn.Dense(2312, 512), snn.Dense(512, 10)]
    else:
        conv1, conv2, dense = ({"weight_scale": s} for s in scales) if scales else ({}, {}, {})
        layers = [
            snn.Conv(2, 12, 5, **conv1),
            snn.Pool(2, neuron.theta),
            snn.Conv(12, 64, 5, **conv2),
            snn.Pool(2, neuron.theta),
            snn.Dense((64, 6, 6), 10, **dense),
        ]
    module = nn.Sequential(*(snn.Block(layer, neuron, sim) for layer in layers))

    def run() -> torch.Tensor:
        with slayer.backends.use(backend):
            return module(x).sum(-1) * sim.ts

    scaled = ", weight scales of examples/nmnist_cnn.yaml" if scales else ""
    label = f"slayer ({backend} backend{scaled})"
    return Net(label, _version("slayer-snn"), module, run, ours=True)


# ---------------------------------------------------------------------------------------- snnTorch
def snntorch_net(workload: str, x: torch.Tensor, tutorial: bool) -> Net:
    import snntorch

    xt = _time_first(x if workload == "B" else x.reshape(x.shape[0], -1, x.shape[-1]))
    if workload == "A":
        synapses: list[nn.Module] = [nn.Linear(2312, 512, bias=False), nn.Linear(512, 10, bias=False)]
    else:
        synapses = _cnn_synapses(_avg_pool, _flat_size(_avg_pool))
    neurons = [snntorch.Leaky(beta=0.9) for _ in synapses]
    module = nn.ModuleList([*synapses, *neurons])

    def layer_by_layer() -> torch.Tensor:
        h = xt
        for synapse, lif in zip(synapses, neurons, strict=True):
            current = _Folded(synapse)(h)
            mem = lif.init_leaky()
            spikes = []
            for t in range(current.shape[0]):
                spk, mem = lif(current[t], mem)
                spikes.append(spk)
            h = torch.stack(spikes)
        return h.sum(0)

    def step_by_step() -> torch.Tensor:
        mems = [lif.init_leaky() for lif in neurons]
        counts = torch.zeros(())
        for t in range(xt.shape[0]):
            h = xt[t]
            for i, (synapse, lif) in enumerate(zip(synapses, neurons, strict=True)):
                h, mems[i] = lif(synapse(h), mems[i])
            counts = counts + h
        return counts

    label = "snnTorch (tutorial style)" if tutorial else "snnTorch (layer by layer)"
    return Net(label, _version("snntorch"), module, step_by_step if tutorial else layer_by_layer)


# ------------------------------------------------------------------------------------ SpikingJelly
def spikingjelly_net(workload: str, x: torch.Tensor) -> Net:
    from spikingjelly.activation_based import functional, layer, neuron

    def lif() -> nn.Module:
        return neuron.LIFNode(tau=2.0, step_mode="m")

    xt = _time_first(x if workload == "B" else x.reshape(x.shape[0], -1, x.shape[-1]))
    if workload == "A":
        module = nn.Sequential(
            layer.Linear(2312, 512, bias=False, step_mode="m"),
            lif(),
            layer.Linear(512, 10, bias=False, step_mode="m"),
            lif(),
        )
    else:
        flat = _flat_size(_avg_pool)
        module = nn.Sequential(
            layer.Conv2d(2, 12, 5, bias=False, step_mode="m"),
            lif(),
            layer.AvgPool2d(2, ceil_mode=True, step_mode="m"),
            lif(),
            layer.Conv2d(12, 64, 5, bias=False, step_mode="m"),
            lif(),
            layer.AvgPool2d(2, ceil_mode=True, step_mode="m"),
            lif(),
            layer.Flatten(step_mode="m"),
            layer.Linear(flat, 10, bias=False, step_mode="m"),
            lif(),
        )

    def run() -> torch.Tensor:
        functional.reset_net(module)
        return module(xt).sum(0)

    return Net("SpikingJelly", _version("spikingjelly"), module, run)


# ------------------------------------------------------------------------------------------- Norse
def norse_net(workload: str, x: torch.Tensor) -> Net:
    from norse.torch import LIF, SequentialState

    xt = _time_first(x if workload == "B" else x.reshape(x.shape[0], -1, x.shape[-1]))
    if workload == "A":
        synapses: list[nn.Module] = [nn.Linear(2312, 512, bias=False), nn.Linear(512, 10, bias=False)]
    else:
        synapses = [_Folded(s) for s in _cnn_synapses(_avg_pool, _flat_size(_avg_pool))]
    module = SequentialState(*(m for s in synapses for m in (s, LIF())))

    def run() -> torch.Tensor:
        out, _ = module(xt)
        return out.sum(0)

    return Net("Norse", _version("norse"), module, run)


# ------------------------------------------------------------------------------------------ Sinabs
def sinabs_net(workload: str, x: torch.Tensor) -> Net:
    import sinabs
    import sinabs.layers as sl

    n, steps = x.shape[0], x.shape[-1]
    if workload == "A":
        xs = x.reshape(n, -1, steps).transpose(1, 2).contiguous()  # (N, T, 2312)
        module = nn.Sequential(
            nn.Linear(2312, 512, bias=False),
            sl.LIF(tau_mem=10.0),
            nn.Linear(512, 10, bias=False),
            sl.LIF(10.0),
        )
    else:
        xs = x.permute(0, 4, 1, 2, 3).reshape(n * steps, 2, 34, 34).contiguous()  # (N*T, C, H, W)
        synapses = _cnn_synapses(lambda: sl.SumPool2d(2), _flat_size(lambda: sl.SumPool2d(2)))
        module = nn.Sequential(*(m for s in synapses for m in (s, sl.LIFSqueeze(tau_mem=10.0, batch_size=n))))

    def run() -> torch.Tensor:
        sinabs.reset_states(module)
        out = module(xs)
        return out.reshape(n, steps, 10).sum(1)

    return Net("Sinabs", _version("sinabs"), module, run)


# ----------------------------------------------------------------------------------------- Lava-DL
def _lava_slayer() -> types.ModuleType:
    """Import ``lava.lib.dl.slayer``; its object-detection subpackage imports torchvision, whose
    PyPI wheel does not load beside the torch 2.13 CPU build, so it gets an empty stand-in then
    (the blocks timed here do not use it)."""
    try:
        import torchvision  # noqa: F401
    except Exception:
        for key in [k for k in sys.modules if k.startswith("torchvision")]:
            del sys.modules[key]
        stub = types.ModuleType("torchvision")
        for sub in ("ops", "transforms"):
            setattr(stub, sub, types.ModuleType(f"torchvision.{sub}"))
            sys.modules[f"torchvision.{sub}"] = getattr(stub, sub)
        sys.modules["torchvision"] = stub
    return importlib.import_module("lava.lib.dl.slayer")


def lava_net(workload: str, x: torch.Tensor) -> Net:
    lava = _lava_slayer()
    cuba = lava.block.cuba
    params = {
        "threshold": 1.25,
        "current_decay": 0.25,
        "voltage_decay": 0.03,
        "tau_grad": 0.03,
        "scale_grad": 3,
        "requires_grad": False,
    }
    if workload == "A":
        xl = x.reshape(x.shape[0], -1, x.shape[-1])
        blocks = [cuba.Dense(params, 2312, 512), cuba.Dense(params, 512, 10)]
    else:
        xl = x
        features = nn.Sequential(
            cuba.Conv(params, 2, 12, 5),
            cuba.Pool(params, 2),
            cuba.Conv(params, 12, 64, 5),
            cuba.Pool(params, 2),
        )
        with torch.no_grad():
            flat = features(torch.zeros(1, 2, 34, 34, 2))[0, ..., 0].numel()
        blocks = [*features, cuba.Flatten(), cuba.Dense(params, flat, 10)]
    module = nn.Sequential(*blocks)

    def run() -> torch.Tensor:
        return module(xl).sum(-1)

    return Net("Lava-DL", _version("lava-dl"), module, run)


BUILDERS: dict[str, Callable[[str, torch.Tensor], Net]] = {
    "slayer": lambda w, x: slayer_net(w, x, "numba"),
    "slayer-example-scales": lambda w, x: slayer_net(w, x, "numba", EXAMPLE_SCALES),
    "slayer-reference": lambda w, x: slayer_net(w, x, "reference"),
    "snntorch": lambda w, x: snntorch_net(w, x, tutorial=False),
    "snntorch-tutorial": lambda w, x: snntorch_net(w, x, tutorial=True),
    "spikingjelly": spikingjelly_net,
    "norse": norse_net,
    "sinabs": sinabs_net,
    "lava-dl": lava_net,
}
