"""The ``slayer`` command: help, info, one-line errors, every example's smoke mode, evaluate, resume."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from slayer.cli import main
from slayer.config import default_config_path, load_config
from test_train_support import write_config

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))
FAST = ["--no-progress"]


def test_help_explains_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    text = capsys.readouterr().out
    assert info.value.code == 0
    for words in ("train", "evaluate", "info", "embedded digits", "--resume", "torchrun"):
        assert words in text
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    assert "Without CONFIG, train the default network" in text and "--smoke" in text and "--synthetic" in text


def test_info_prints_the_summary_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(EXAMPLES[0].parent / "nmnist_cnn.yaml")]) == 0
    out = capsys.readouterr().out
    assert "conv 12c5" in out and "(64, 6, 6)" in out and "pool 2a" in out and "output 10" in out
    assert "42,840 trainable parameters" in out  # 12*2*5*5 + 64*12*5*5 + 10*64*6*6
    assert "spike count (NumSpikes) over 0-300 ms" in out and "spike count (NumSpikes) over 0-300 ms" in out
    assert main(["info"]) == 0
    assert str(default_config_path()) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (
            {"layer": [{"dim": "8x8x1"}, {"dim": 16, "strides": 2}, {"dim": "3o"}]},
            "layer[1].strides: unknown key",
        ),
        ({"layer": [{"dim": "8x8x1"}, {"dim": "16q3"}, {"dim": "3o"}]}, "layer[1].dim: cannot parse '16q3'"),
        ({"layer": [{"dim": "8x8x1"}, {"dim": "4c9"}, {"dim": "3o"}]}, "layer[1].dim: the conv kernel 9x9"),
    ],
    ids=["unknown-key", "bad-dim", "shape-does-not-fit"],
)
def test_bad_configs_are_one_line_errors_without_traceback(
    tmp_path: Path, mutation: dict, expected: str
) -> None:
    path = write_config(tmp_path / "bad.yaml")
    raw = yaml.safe_load(path.read_text())
    raw.update(mutation)
    path.write_text(yaml.safe_dump(raw))
    for command in (["info", path], ["train", path, "--no-progress"]):
        done = subprocess.run(
            [sys.executable, "-m", "slayer.cli", *map(str, command)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"slayer: error: {path}: {expected}"), done.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_runs_its_smoke_mode_on_synthetic_data(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", str(example), "--smoke", "--synthetic", "--out", str(tmp_path / "run"), *FAST]) == 0
    out = capsys.readouterr().out
    assert (
        f"checkpoint: {tmp_path / 'run' / 'checkpoint.pt'}" in out
        and (tmp_path / "run" / "checkpoint.pt").exists()
    )
    assert ("test accuracy" in out) == load_config(example).is_classifier
    stored = load_config(tmp_path / "run" / "config.yaml")
    assert stored.data is not None and stored.data.name == "synthetic" and stored.training.epochs <= 2


def _real_data_ready(path: Path) -> str | None:
    """Why the real-data smoke run of ``path`` cannot run here (None: it can)."""
    config = load_config(path, smoke=True)
    assert config.data is not None
    if config.data.name not in ("oxford",) and importlib.util.find_spec("slayer.data") is None:
        return "slayer.data is not installed"
    if config.data.name == "digits" and importlib.util.find_spec("sklearn") is None:
        return "scikit-learn is not installed"
    if config.data.root is not None and not config.data.root.exists():
        return f"{config.data.root} not found (set SLAYER_DATA)"
    return None


@pytest.mark.parametrize("example", [*EXAMPLES, default_config_path()], ids=lambda p: p.stem)
def test_every_example_runs_its_smoke_mode_on_real_data(example: Path, tmp_path: Path) -> None:
    reason = _real_data_ready(example)
    if reason:
        pytest.skip(reason)
    args = ["train", str(example), "--smoke", "--out", str(tmp_path / "run"), *FAST]
    assert main(args) == 0
    assert (tmp_path / "run" / "stats.csv").exists()


def test_train_evaluate_and_resume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path / "net.yaml", output={"plots": True})
    run = tmp_path / "run"
    assert main(["train", str(cfg), "--out", str(run), "--epochs", "1", "--seed", "3", *FAST]) == 0
    out = capsys.readouterr().out
    assert "done in" in out and f"plot: {run / 'learning_curves.png'}" in out and "best epoch 1" in out
    stored = load_config(run / "config.yaml")
    assert (stored.training.epochs, stored.training.seed) == (1, 3)
    assert main(["evaluate", str(run / "best.pt"), *FAST]) == 0
    assert "test accuracy" in capsys.readouterr().out
    assert main(["train", str(cfg), "--out", str(run), *FAST]) == 2
    assert (
        f"{run} already holds a run: continue it with `slayer train --resume {run}`"
        in capsys.readouterr().err
    )
    assert main(["train", "--resume", str(run), "--epochs", "2", *FAST]) == 0
    assert "resuming" in capsys.readouterr().out and load_config(run / "config.yaml").training.epochs == 2
    with pytest.raises(SystemExit, match="--resume RUN_DIR takes no CONFIG"):
        main(["train", str(cfg), "--resume", str(run)])
    assert main(["evaluate", str(tmp_path / "nothing.pt"), *FAST]) == 1
    assert "nothing.pt: no such checkpoint" in capsys.readouterr().err


def test_a_run_without_out_goes_to_output_dir_then_a_free_sibling(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = write_config(tmp_path / "tiny.yaml", training={"epochs": 1}, output={"dir": None})
    assert main(["train", str(cfg), *FAST]) == 0
    assert main(["train", str(cfg), *FAST]) == 0
    assert (tmp_path / "runs" / "tiny" / "checkpoint.pt").exists() and (
        tmp_path / "runs" / "tiny-2" / "checkpoint.pt"
    ).exists()


def test_missing_data_package_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "slayer.data", None)
    assert main(["train", "--smoke", "--out", str(tmp_path / "run"), *FAST]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("slayer: error: the data set slayer.data.Digits is not available")
        and err.count("\n") == 1
    )


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "slayer"
    if not script.exists():
        pytest.skip("the package is not installed with its console script")
    done = subprocess.run(
        [str(script), "info"], capture_output=True, text=True, timeout=300, env={**os.environ}
    )
    assert done.returncode == 0 and "output 10" in done.stdout
