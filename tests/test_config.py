"""The configuration parser: the reference YAML, our sections, shapes, and one-line errors naming the key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from slayer.config import (
    ConfigError,
    ConvLayer,
    CountLoss,
    DenseLayer,
    InputLayer,
    PoolLayer,
    TimeLoss,
    default_config_path,
    load_config,
    merge,
    parse_config,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# The reference software's NMNIST example file, as users have it (nSample, probSlidingWin, path.*).
REFERENCE = """
simulation:
    Ts: 1.0
    tSample: 300
    nSample: 12
neuron:
    type:     SRMALPHA
    theta:    10
    tauSr:    10.0
    tauRef:   1.0
    scaleRef: 2     # relative to theta
    tauRho:   1     # relative to theta
    scaleRho: 1
layer:
    - {dim: 34x34x2}
    - {dim: 512}
    - {dim: 10}
training:
    error:
        type: NumSpikes #ProbSpikes #NumSpikes
        probSlidingWin: 20  # only valid for ProbSpikes
        tgtSpikeRegion: {start: 0, stop: 300}    # only valid for NumSpikes and ProbSpikes
        tgtSpikeCount: {true: 60, false: 10}    # only valid for NumSpikes
    path:
        in:      NMNISTsmall/
        train:   NMNISTsmall/train1K.txt
        test:    NMNISTsmall/test100.txt
"""


def base() -> dict[str, Any]:
    return yaml.safe_load(REFERENCE)


def with_layers(*dims: Any, **extra: Any) -> dict[str, Any]:
    raw = base()
    raw["layer"] = [{"dim": d} for d in dims]
    for index, keys in extra.items():
        raw["layer"][int(index.lstrip("l"))].update(keys)
    return raw


def error_of(raw: Any, source: str = "net.yaml") -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, source)
    message = str(info.value)
    assert "\n" not in message, "a config error must be one line"
    assert message.startswith(f"{source}: "), "a config error must name the file"
    return message


def test_reference_file_parses_with_the_reference_meaning(tmp_path: Path) -> None:
    path = tmp_path / "network.yaml"
    path.write_text(REFERENCE)
    cfg = load_config(path)
    assert (cfg.sim.ts, cfg.sim.t_sample, cfg.sim.steps) == (1.0, 300.0, 300)
    n = cfg.neuron
    assert (n.theta, n.tau_sr, n.tau_ref, n.scale_ref, n.tau_rho, n.scale_rho) == (10, 10, 1, 2, 1, 1)
    assert cfg.training.loss == CountLoss(0.0, 300.0, 60.0, 10.0)
    assert [layer.shape for layer in cfg.layers] == [(2, 34, 34), (512,), (10,)]
    assert cfg.data is None  # the reference file names no data set: path.in becomes data.root once it does
    assert any("training.path.train" in note for note in cfg.notes)


def test_reference_path_in_is_the_data_root_relative_to_the_file(tmp_path: Path) -> None:
    raw = base()
    raw["data"] = {"name": "nmnist"}
    path = tmp_path / "sub" / "network.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(raw))
    assert load_config(path).data.root == (tmp_path / "sub" / "NMNISTsmall").resolve()  # type: ignore[union-attr]


def test_paper_cnn_shapes() -> None:
    cfg = parse_config(with_layers("34x34x2", "12c5", "2a", "64c5", "2a", "10o"))
    assert [layer.shape for layer in cfg.layers] == [
        (2, 34, 34),
        (12, 30, 30),
        (12, 15, 15),
        (64, 11, 11),
        (64, 6, 6),  # 11 is zero-padded to 12 before 2x2 sum pooling (SPEC §5)
        (10,),
    ]
    kinds = [type(layer) for layer in cfg.layers]
    assert kinds == [InputLayer, ConvLayer, PoolLayer, ConvLayer, PoolLayer, DenseLayer]
    assert cfg.layers[-1].output and cfg.layers[1].w_scale == 100.0 and cfg.layers[-1].w_scale == 10.0


def test_input_dims_are_width_by_height_by_channels() -> None:
    assert parse_config(with_layers("40x30x2", 10)).input_shape == (2, 30, 40)
    assert parse_config(with_layers("28x28", 10)).input_shape == (1, 28, 28)
    assert parse_config(with_layers(200, 256, 200)).input_shape == (200,)
    assert parse_config(with_layers("200", 10)).input_shape == (200,)


def test_conv_keys_stride_padding_dilation_groups_and_delays() -> None:
    raw = with_layers(
        "32x32x4",
        "8c3",
        "16c3",
        "2a",
        64,
        "10o",
        l1={"stride": 2, "padding": 1, "delay": True, "maxDelay": 62, "wScale": 50},
        l2={"dilation": [2, 1], "groups": 4},
        l3={"stride": 1},
        l4={"delay": True, "dropout": 0.1},
    )
    cfg = parse_config(raw)
    conv, grouped, pool, dense = cfg.layers[1:5]
    assert isinstance(conv, ConvLayer) and conv.shape == (8, 16, 16)
    assert (conv.stride, conv.padding, conv.delay, conv.max_delay, conv.w_scale) == (
        (2, 2),
        (1, 1),
        True,
        62.0,
        50.0,
    )
    assert isinstance(grouped, ConvLayer) and grouped.shape == (16, 12, 14) and grouped.groups == 4
    assert isinstance(pool, PoolLayer) and pool.shape == (16, 11, 13)
    assert isinstance(dense, DenseLayer) and dense.delay and dense.dropout == 0.1 and dense.max_delay == 300.0


def test_spike_time_loss_and_our_sections(tmp_path: Path) -> None:
    raw = with_layers(200, 256, 200)
    raw["training"] = {
        "error": {"type": "SpikeTime"},
        "optimizer": {"name": "nadam", "lr": 0.003, "beta1": 0.8, "schedule": "cosine"},
        "epochs": 7,
        "batch_size": 3,
        "seed": 11,
        "dtype": "float64",
    }
    raw["data"] = {
        "name": "Oxford",
        "root": "data/oxford",
        "options": {"b": 1, "a": 2},
        "train_options": {"b": 3},
        "test_options": {"c": 4},
        "train_samples": 5,
    }
    raw["output"] = {"dir": str(tmp_path / "out"), "plots": False}
    cfg = parse_config(raw, "x.yaml", base_dir=tmp_path)
    t = cfg.training
    assert isinstance(t.loss, TimeLoss) and not cfg.is_classifier
    assert (t.optimizer.name, t.optimizer.lr, t.optimizer.betas, t.optimizer.schedule) == (
        "nadam",
        0.003,
        (0.8, 0.999),
        "cosine",
    )
    assert (t.epochs, t.batch_size, t.seed, t.dtype) == (7, 3, 11, "float64")
    assert (
        cfg.data is not None and cfg.data.name == "oxford" and cfg.data.root == tmp_path / "data" / "oxford"
    )
    assert cfg.data.kwargs(train=True) == {"a": 2, "b": 3}
    assert cfg.data.kwargs(train=False) == {"a": 2, "b": 1, "c": 4}
    assert cfg.data.train_samples == 5 and cfg.data.test_samples is None
    assert cfg.output_dir == tmp_path / "out" and cfg.plots is False


def test_environment_variables_in_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = base()
    raw["data"] = {"name": "nmnist", "root": "${MY_DATA}/nmnist"}
    monkeypatch.setenv("MY_DATA", str(tmp_path))
    assert parse_config(raw).data.root == tmp_path / "nmnist"  # type: ignore[union-attr]
    raw["data"]["root"] = "${NOT_SET_ANYWHERE_42:-/fallback}/x"
    assert parse_config(raw).data.root == Path("/fallback/x")  # type: ignore[union-attr]
    raw["data"]["root"] = "${NOT_SET_ANYWHERE_42}/x"
    assert "NOT_SET_ANYWHERE_42 is not set" in error_of(raw)


def test_text_round_trips_and_holds_resolved_paths(tmp_path: Path) -> None:
    raw = base()
    raw["data"] = {"name": "nmnist", "root": "rel"}
    cfg = parse_config(raw, "a.yaml", base_dir=tmp_path)
    again = parse_config(yaml.safe_load(cfg.text), "b.yaml")
    assert again.data == cfg.data and again.layers == cfg.layers and again.training == cfg.training
    assert str(tmp_path / "rel") in cfg.text


def test_parsing_does_not_mutate_the_mapping() -> None:
    raw = base()
    before = copy.deepcopy(raw)
    parse_config(raw)
    assert raw == before


def test_smoke_overlay_and_merge(tmp_path: Path) -> None:
    assert merge({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": 3}, "d": [2]}) == {
        "a": {"b": 3, "c": 2},
        "d": [2],
    }
    raw = base()
    raw["smoke"] = {
        "simulation": {"tSample": 50},
        "training": {"error": {"tgtSpikeRegion": {"stop": 50}}, "epochs": 1},
    }
    path = tmp_path / "n.yaml"
    path.write_text(yaml.safe_dump(raw))
    full, smoke = load_config(path), load_config(path, smoke=True)
    assert full.sim.t_sample == 300 and full.training.epochs == 100
    assert smoke.sim.t_sample == 50 and smoke.training.epochs == 1 and smoke.training.loss.t_stop == 50  # type: ignore[union-attr]
    assert "smoke" not in yaml.safe_load(smoke.text)
    overlaid = load_config(path, overlay={"training": {"epochs": 3, "seed": 4}})
    assert (overlaid.training.epochs, overlaid.training.seed) == (3, 4)


@pytest.mark.parametrize(
    "path", [*sorted(EXAMPLES.glob("*.yaml")), default_config_path()], ids=lambda p: p.name
)
def test_every_example_and_its_smoke_mode_parse(path: Path) -> None:
    cfg, smoke = load_config(path), load_config(path, smoke=True)
    assert cfg.data is not None and smoke.training.epochs <= 2
    assert smoke.sim.steps <= 100


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("mutate", "key", "words"),
    [
        (lambda r: r.update(simulaton={}), "simulaton", "unknown key (did you mean 'simulation'?)"),
        (lambda r: r["neuron"].update(tauSR=3), "neuron.tauSR", "did you mean 'tauSr'"),
        (lambda r: r["layer"][1].update(wscale=3), "layer[1].wscale", "did you mean 'wScale'"),
        (lambda r: r["layer"][1].update(stride=2), "layer[1].stride", "does not apply to a dense layer"),
        (
            lambda r: r["training"]["error"].update(tgtSpikeRegio={}),
            "training.error.tgtSpikeRegio",
            "unknown key",
        ),
        (lambda r: r["simulation"].update(Ts="fast"), "simulation.Ts", "must be a number, got 'fast'"),
        (lambda r: r["neuron"].update(theta=True), "neuron.theta", "must be a number"),
        (lambda r: r["neuron"].update(theta=-1), "neuron", "theta must be positive"),
        (lambda r: r["neuron"].pop("theta"), "neuron.theta", "is required but missing"),
        (lambda r: r["neuron"].update(type="LOIHI"), "neuron.type", "not supported"),
        (lambda r: r["layer"][1].update(dim="12x"), "layer[1].dim", "cannot parse '12x'"),
        (lambda r: r["layer"][1].update(dim="12c"), "layer[1].dim", "cannot parse"),
        (lambda r: r["layer"][1].update(dim=[512]), "layer[1].dim", "must be an integer or a string"),
        (lambda r: r["layer"][1].update(dim="0"), "layer[1].dim", "must be positive"),
        (
            lambda r: r["layer"][1].update(dim="10o"),
            "layer[1].dim",
            "marks the output layer but is not the last",
        ),
        (lambda r: r["layer"][0].update(dim="12c5"), "layer[0].dim", "first layer must be the input"),
        (lambda r: r["layer"][2].update(dim="5x5x1"), "layer[2].dim", "only the first layer is the input"),
        (lambda r: r["layer"][1].update(dim="40c35"), "layer[1].dim", "does not fit its 34x34 input"),
        (lambda r: r["layer"][2].update(dim="8c3"), "layer[2].dim", "needs a 2-D input"),
        (lambda r: r["layer"][1].update(dim="6c3", groups=4), "layer[1].groups", "do not divide"),
        (lambda r: r["layer"][1].update(dropout=1.5), "layer[1].dropout", "must be in [0, 1)"),
        (lambda r: r["layer"][1].update(delay="yes"), "layer[1].delay", "must be true or false"),
        (
            lambda r: r.update(layer=[{"dim": "34x34x2"}]),
            "layer[0].dim",
            "at least an input and one more layer",
        ),
        (
            lambda r: r["training"]["error"]["tgtSpikeRegion"].update(stop=350),
            "training.error.tgtSpikeRegion.stop",
            "after the end",
        ),
        (
            lambda r: r["training"]["error"]["tgtSpikeCount"].pop(False),
            "training.error.tgtSpikeCount.false",
            "required",
        ),
        (lambda r: r["training"]["error"].update(type="ProbSpikes"), "training.error.type", "not supported"),
        (
            lambda r: r["training"].update(optimizer={"name": "adamax"}),
            "training.optimizer.name",
            "unknown optimiser",
        ),
        (
            lambda r: r["training"].update(optimizer={"name": "sgd", "amsgrad": True}),
            "training.optimizer.amsgrad",
            "does not apply to the sgd",
        ),
        (lambda r: r["training"].update(epochs=0), "training.epochs", "must be >= 1"),
        (lambda r: r["training"].update(batch_size=2.5), "training.batch_size", "must be an integer"),
        (lambda r: r["training"].update(device="gpu"), "training.device", "must be one of auto, cpu, cuda"),
        (lambda r: r.update(data={"root": "x"}), "data.name", "required"),
        (
            lambda r: r.update(data={"name": "nmnist", "train_samples": 0}),
            "data.train_samples",
            "must be >= 1",
        ),
        (lambda r: r.update(output={"folder": "x"}), "output.folder", "unknown key"),
    ],
)
def test_bad_configs_give_one_line_naming_the_key(mutate: Any, key: str, words: str) -> None:
    raw = base()
    mutate(raw)
    message = error_of(raw)
    assert f"net.yaml: {key}" in message and words in message, message


def test_a_conv_net_cannot_end_in_a_count_loss_on_feature_maps() -> None:
    assert "needs a dense output layer" in error_of(with_layers("8x8x1", "4c3"))


def test_file_level_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("simulation: {Ts: 1\nneuron: [")
    with pytest.raises(ConfigError, match=r"broken.yaml: invalid YAML at line \d+, column \d+"):
        load_config(broken)
    with pytest.raises(ConfigError, match=r"missing\.yaml: cannot read the file"):
        load_config(tmp_path / "missing.yaml")
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match=r"list\.yaml: the file must hold a mapping"):
        load_config(listing)
    plain = tmp_path / "plain.yaml"
    plain.write_text(REFERENCE)
    with pytest.raises(ConfigError, match=r"plain.yaml: smoke: no smoke section"):
        load_config(plain, smoke=True)
    smoke = tmp_path / "smoke.yaml"
    smoke.write_text(REFERENCE + "smoke: {training: {epoch: 1}}\n")
    with pytest.raises(ConfigError, match=r"smoke.yaml \(smoke\): training.epoch: unknown key"):
        load_config(smoke, smoke=True)
