"""The ``slayer`` command: train, evaluate and inspect SLAYER networks described in YAML files.

A thin layer over :mod:`slayer.config` and :mod:`slayer.train`; run ``slayer --help``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]

_EPILOG = """\
examples:
  slayer train                               train the default network on the embedded digits
  slayer train examples/nmnist_mlp.yaml      train the network a YAML file describes
  slayer train examples/nmnist_mlp.yaml --smoke --synthetic
                                             a tiny run on random data of the right shape
  slayer train --resume runs/nmnist_mlp      continue a stopped run where it stopped
  slayer evaluate runs/nmnist_mlp/best.pt    test accuracy of a trained network
  slayer info examples/nmnist_cnn.yaml       the network's layers, shapes and parameters
  torchrun --standalone --nproc_per_node 2 -m slayer.cli train CONFIG
                                             the same run on 2 processes (data parallel)

The configuration format (the reference SLAYER YAML plus data, optimiser and output settings) is
described in docs/training.md.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slayer",
        description="Train spiking neural networks with SLAYER from a YAML network description.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    train = commands.add_parser(
        "train",
        help="train a network (default: a small network on scikit-learn's embedded digits)",
        description="Train the network of CONFIG on its data set, writing checkpoints, statistics and "
        "plots into the output folder. Without CONFIG, train the default network on scikit-learn's "
        "embedded 8x8 digits.",
    )
    train.add_argument("config", nargs="?", type=Path, metavar="CONFIG", help="YAML configuration file")
    train.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output folder (default: output.dir of CONFIG, or runs/<name>)",
    )
    train.add_argument(
        "--resume", type=Path, metavar="RUN_DIR", help="continue the run in RUN_DIR from its last checkpoint"
    )
    train.add_argument("--epochs", type=int, metavar="N", help="override training.epochs")
    train.add_argument("--batch-size", type=int, metavar="N", help="override training.batch_size")
    train.add_argument("--seed", type=int, metavar="N", help="override training.seed")
    train.add_argument("--device", metavar="DEV", help="override training.device: auto, cpu, cuda, cuda:1")
    train.add_argument("--backend", metavar="NAME", help="override training.backend: auto, reference, ...")
    train.add_argument(
        "--smoke", action="store_true", help="apply the file's smoke section: a tiny, fast run"
    )
    train.add_argument(
        "--synthetic", action="store_true", help="replace the data set by random data of the same shape"
    )
    train.add_argument("--no-progress", action="store_true", help="no progress bars (one line per epoch)")

    evaluate = commands.add_parser(
        "evaluate",
        help="evaluate a checkpoint on its test set",
        description="Rebuild the network stored in CHECKPOINT (with its configuration) and report its "
        "loss and accuracy on the test set.",
    )
    evaluate.add_argument(
        "checkpoint", type=Path, metavar="CHECKPOINT", help="checkpoint.pt or best.pt of a run"
    )
    evaluate.add_argument("--device", default="auto", metavar="DEV", help="auto, cpu, cuda, cuda:1")
    evaluate.add_argument("--no-progress", action="store_true", help="no progress bar")

    info = commands.add_parser(
        "info",
        help="show a configuration's network: layers, shapes, parameters",
        description="Check CONFIG and print its network as a table (layer, output shape, parameters, "
        "delays), the loss, the optimiser and the data set. Without CONFIG, the default network.",
    )
    info.add_argument("config", nargs="?", type=Path, metavar="CONFIG", help="YAML configuration file")
    info.add_argument("--smoke", action="store_true", help="apply the file's smoke section first")
    return parser


def _overlay(args: argparse.Namespace) -> dict[str, Any]:
    training = {
        key: value
        for key, value in (
            ("epochs", args.epochs),
            ("batch_size", args.batch_size),
            ("seed", args.seed),
            ("device", args.device),
            ("backend", args.backend),
        )
        if value is not None
    }
    return {"training": training} if training else {}


def _is_main() -> bool:
    from slayer.train import Distributed

    return Distributed.from_env().is_main


def _load(path: Path | None, smoke: bool = False, overlay: dict[str, Any] | None = None) -> Any:
    from slayer import config as cfg

    if path is None:
        path = cfg.default_config_path()
        if _is_main():
            print(f"using the default configuration {path}")
    config = cfg.load_config(path, smoke=smoke, overlay=overlay)
    for note in config.notes if _is_main() else ():
        print(f"note: {note}")
    return config


def _train(args: argparse.Namespace) -> None:
    from slayer import config as cfg
    from slayer import train

    overlay = _overlay(args)
    if args.resume is not None:
        if args.config is not None or args.smoke or args.synthetic or args.out is not None:
            raise SystemExit(
                "slayer train: error: --resume RUN_DIR takes no CONFIG, --smoke, --synthetic or --out"
            )
        config = _load(args.resume / "config.yaml", overlay=overlay)
        run_dir: Path | None = args.resume
    else:
        config = _load(args.config, args.smoke, overlay)
        if args.synthetic:
            config = cfg.with_section(config, "data", train.datasets.synthetic_data(config))
        run_dir = args.out
    began = time.perf_counter()
    result = train.train(config, run_dir, resume=args.resume is not None, progress=not args.no_progress)
    if not _is_main():
        return
    best, final = result.history.best, result.final
    if best is None or final is None:
        return
    if final.test_accuracy is not None:
        score = f"test accuracy {final.test_accuracy:.4f}"
    else:
        score = f"test loss {final.test_loss:.4g}"
    print(f"\ndone in {time.perf_counter() - began:.1f} s: {score} after epoch {final.epoch}")
    if best.test_accuracy is not None:
        print(f"best epoch {best.epoch}: test accuracy {best.test_accuracy:.4f}")
    print(f"checkpoint: {result.checkpoint}\nbest checkpoint: {result.best_checkpoint}")
    print(f"statistics: {result.run_dir / 'stats.csv'}")
    for plot in result.plots:
        print(f"plot: {plot}")


def _evaluate(args: argparse.Namespace) -> None:
    from slayer import train

    _, evaluation = train.evaluate_checkpoint(args.checkpoint, args.device, progress=not args.no_progress)
    accuracy = (
        ""
        if evaluation.accuracy is None
        else (f"test accuracy {evaluation.accuracy:.4f} ({evaluation.correct}/{evaluation.samples}), ")
    )
    print(f"{accuracy}test loss {evaluation.loss:.4g} per sample, {evaluation.samples} samples")


def _info(args: argparse.Namespace) -> None:
    import torch

    from slayer import train
    from slayer.config import CountLoss

    config = _load(args.config, args.smoke)
    torch.manual_seed(config.training.seed)
    print(train.summary(config, train.build_network(config)))
    opt, loss, data = config.training.optimizer, config.training.loss, config.data
    if isinstance(loss, CountLoss):
        print(
            f"loss: spike count (NumSpikes) over {loss.t_start:g}-{loss.t_stop:g} ms, "
            f"{loss.true_count:g} spikes for the true class, {loss.false_count:g} for the others"
        )
    else:
        print("loss: spike time (SpikeTime), targets from the data set")
    run = config.training
    print(f"optimiser: {opt.name}, lr {opt.lr:g}; {run.epochs} epochs, batch {run.batch_size}")
    where = "" if data is None else f" ({data.root})" if data.root else " (built in)"
    print(f"data: {'none' if data is None else data.name}{where}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``slayer`` command; returns the exit status (0 success, 1 failure, 2 bad input)."""
    args = _parser().parse_args(argv)
    from slayer.backends import BackendUnavailable
    from slayer.config import ConfigError
    from slayer.train import CheckpointError, DatasetError, RunExists, TrainingDiverged

    try:
        {"train": _train, "evaluate": _evaluate, "info": _info}[args.command](args)
    except (ConfigError, RunExists) as exc:
        print(f"slayer: error: {exc}", file=sys.stderr)
        return 2
    except (DatasetError, CheckpointError, TrainingDiverged, BackendUnavailable) as exc:
        print(f"slayer: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nslayer: interrupted; continue with `slayer train --resume RUN_DIR`", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
