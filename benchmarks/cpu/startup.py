"""First-call compile time and cached start time of the numba backend.

Runs, in fresh processes, one forward+backward step of workload A's network (2312-512-10, T = 300)
and of a small CNN (conv, pool, dense), first with an empty kernel cache (everything compiles), then
twice with the cache filled. Reports the time of the first step in each process (the kernels
compile or load there) and of the second (warm), plus ``import slayer``.

    python benchmarks/cpu/startup.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, time
t0 = time.perf_counter()
import torch
import slayer
from slayer import nn as snn
t1 = time.perf_counter()
torch.set_num_threads(2)
sim, n = slayer.Simulation(1.0, 300), slayer.SRM(10, 10, 1)
mlp = torch.nn.Sequential(snn.Block(snn.Dense(2312, 512), n, sim), snn.Block(snn.Dense(512, 10), n, sim))
cnn = torch.nn.Sequential(
    snn.Block(snn.Conv(2, 12, 5), n, sim), snn.Block(snn.Pool(2, 10.0), n, sim),
    snn.Block(snn.Conv(12, 8, 3), n, sim), snn.Block(snn.Dense((8, 4, 4), 10), n, sim),
)
x = (torch.rand(16, 2312, 300) < 0.006).float()
xc = (torch.rand(2, 2, 16, 16, 300) < 0.006).float()
xd = (torch.rand(2, 2, 16, 16, 300) < 0.3).float()
def step():
    mlp(x).sum().backward()
    cnn(xc).sum().backward()
    cnn(xd).sum().backward()  # dense input: the folded convolution path
t2 = time.perf_counter(); step(); t3 = time.perf_counter(); step(); t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first": t3 - t2, "second": t4 - t3}))
"""


def run(cache: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["SLAYER_CACHE_DIR"] = cache
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        runs = [("empty cache (compiles)", run(cache))]
        runs += [(f"cached, run {i}", run(cache)) for i in (1, 2)]
    print("| process | import slayer s | first step s | second step s |")
    print("|---|---|---|---|")
    for label, r in runs:
        print(f"| {label} | {r['import']:.2f} | {r['first']:.2f} | {r['second']:.3f} |")


if __name__ == "__main__":
    main()
