"""The PoolFormer page without Streamlit: its view (every panel from plain values, against the model's own
numbers; options that come from the image fall back to the first one; the shared model is only read), the
analysis behind it (against hand-computed values) and its pictures (shapes, labels, reacting to inputs)."""
import dataclasses

import numpy as np
import pytest
import torch

from vizcore.analysis import poolformer as pa
from vizcore.analysis.class_map import class_map
from vizcore.models import build
from vizcore.plots import poolformer_views as pv
from vizcore.views.poolformer import CAM_METHODS, MIXERS, SHOWS, poolformer_view


@pytest.fixture(scope="module")
def model():
    return build("bundled_poolformer", seed=0).requires_grad_(False)  # as the app holds it: shared, frozen


@pytest.fixture(scope="module")
def inputs(model):
    size = model.default_img_size
    pixels = torch.randn(1, 3, *size, generator=torch.Generator().manual_seed(0))
    image = np.random.default_rng(0).integers(0, 256, (*size, 3), dtype=np.uint8)
    return pixels, image


@pytest.fixture(scope="module")
def trace(model, inputs):
    with torch.inference_mode():
        return model.forward_trace(inputs[0])


def test_common_values_and_one_panel_per_show(model, inputs, trace):
    for show in SHOWS:
        v = poolformer_view(model, *inputs, show=show)
        assert v.show == show and dataclasses.is_dataclass(v)
        assert [name for name in SHOWS if getattr(v, name) is not None] == [show]
        assert v.image_shape == (1, 3, 96, 96) and v.logits_shape == (1, 10)
        assert v.stage_shapes == tuple(tuple(f.shape) for f in trace.trace.extras["stage_features"])
        assert v.top_class == pa.class_names(10)[int(trace.logits.argmax())]
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.show = "block"
    with pytest.raises(ValueError):
        poolformer_view(model, *inputs, show="attention")
    with pytest.raises(ValueError):
        poolformer_view(model, *inputs, show="cam", cam_method="scorecam")


def test_block_rows_count_parameters_and_macs(model, inputs, trace):
    rows = poolformer_view(model, *inputs, show="block").block.rows
    assert [r["stage"] for r in rows] == [0, 1, 2, 3] and [r["blocks"] for r in rows] == list(model.depths)
    first = [sum(model.depths[:i]) for i in range(4)]
    for r, dim, i in zip(rows, model.dims, first):
        assert r["mixer_params"] == 0  # pooling has none
        assert r["mlp_params"] == 2 * dim * 4 * dim + 4 * dim + dim  # 1x1 convs dim -> 4 dim -> dim, biases
        assert r["block_mmacs"] == round(trace.trace.macs_per_layer[i] / 1e6, 2)
    assert [r["tokens"] for r in rows] == [24 * 24, 12 * 12, 6 * 6, 3 * 3]
    assert rows[3]["shape"] == str((1, model.dims[3], 3, 3))


def test_pool_panel_image_and_feature_with_fallbacks(model, inputs, trace):
    p = poolformer_view(model, *inputs, show="pool").pool
    assert p.source == "image" and p.channel is None and p.channel_order == ()
    np.testing.assert_allclose(p.x, pa.to_gray(inputs[1]))
    np.testing.assert_allclose(p.diff, p.pooled - p.x, atol=1e-6)
    assert np.allclose(p.kernel, pa.pool_kernel()) and p.response["w"][-1] == pytest.approx(np.pi)
    feats = trace.trace.extras["stage_features"]
    order = tuple(int(c) for c in pa.channel_order(feats[2][0].numpy()))
    chosen = order[3]
    p = poolformer_view(model, *inputs, show="pool", source="feature", stage=2, channel=chosen).pool
    assert (p.stage, p.channel, p.channel_order, p.shape) == (2, chosen, order, tuple(feats[2].shape))
    np.testing.assert_allclose(p.x, feats[2][0, chosen].numpy(), atol=1e-6)
    np.testing.assert_allclose(p.pooled, pa.pool_minus_identity(p.x)[0])
    # a channel this stage does not have (or none yet) and a stage the model does not have: the first option
    for stage, channel in ((2, None), (2, 10_000), (9, chosen)):
        p = poolformer_view(model, *inputs, show="pool", source="feature", stage=stage, channel=channel).pool
        assert p.channel == p.channel_order[0] and p.stage == (2 if stage == 2 else 0)
    assert not p.x.flags.writeable


def test_stages_panel(model, inputs, trace):
    s = poolformer_view(model, *inputs, show="stages", per_stage=3).stages
    feats = [f[0].numpy() for f in trace.trace.extras["stage_features"]]
    assert [len(row) for row in s.maps] == [3] * 4 and s.names[1][0] == "s1 |x|"
    assert s.row_labels == [f"{f.shape[0]}x{f.shape[1]}x{f.shape[2]}" for f in feats]
    np.testing.assert_allclose(s.maps[0][0], np.linalg.norm(feats[0], axis=0), rtol=1e-5)
    top = int(pa.channel_order(feats[3])[0])
    assert s.rows[3]["channels"][0] == top
    # the view's own forward pass may run on another number of threads: the same map to float32 rounding
    np.testing.assert_allclose(s.maps[3][1], feats[3][top], rtol=1e-5, atol=1e-6)


def test_mixers_panel(model, inputs, trace):
    m = poolformer_view(model, *inputs, show="mixers").mixers
    assert list(m.logits) == list(MIXERS) and [r["mixer"] for r in m.rows] == list(MIXERS)
    np.testing.assert_allclose(m.logits["pooling"], trace.logits[0].numpy(), atol=1e-6)
    with torch.inference_mode():
        identity = model.forward_trace(inputs[0], mixer="identity")
    np.testing.assert_allclose(m.logits["identity"], identity.logits[0].numpy(), atol=1e-6)
    by = {r["mixer"]: r for r in m.rows}
    assert by["pooling"]["mean_abs_logit_change"] == 0.0
    assert by["attention"]["gmacs"] > by["pooling"]["gmacs"] == pytest.approx(trace.trace.gmacs)
    assert len(m.probabilities) == 3 * 5 and {r["mixer"] for r in m.probabilities} == set(MIXERS)
    assert m.norms["identity"].shape == (3, 3)


def test_cam_panel_targets_fallback_and_methods(model, inputs):
    c = poolformer_view(model, *inputs, show="cam", cam_mixer="identity").cam
    with torch.inference_mode():
        logits = model.forward_trace(inputs[0], mixer="identity").logits[0].numpy()
    assert c.targets == tuple(pa.top_classes(logits, 5)) and c.target == c.targets[0]  # none chosen: the top
    assert list(c.target_probs) == sorted(c.target_probs, reverse=True)
    assert c.target_names[0] == c.target_name and c.class_specific and c.cam.shape == (3, 3)
    chosen = c.targets[2]
    c2 = poolformer_view(model, *inputs, show="cam", cam_mixer="identity", cam_target=chosen).cam
    assert c2.target == chosen
    expected = class_map(*model.class_map_network("identity"), inputs[0], target=chosen)[0]
    np.testing.assert_allclose(c2.cam, expected, atol=1e-5)  # a map in [0, 1]; float32 rounding of two passes
    assert len(c2.rows) == 9 and c2.rows[5] == {"row": 1, "col": 2, "cam": float(c2.cam[1, 2])}
    outside = next(i for i in range(10) if i not in c.targets)  # e.g. left over from another image
    assert poolformer_view(model, *inputs, show="cam", cam_mixer="identity", cam_target=outside).cam.target == c.target
    eigen = poolformer_view(model, *inputs, show="cam", cam_method="eigencam").cam
    assert not eigen.class_specific and eigen.method == "eigencam"
    maps = {m: poolformer_view(model, *inputs, show="cam", cam_method=m, cam_target=chosen).cam.cam
            for m in CAM_METHODS}
    assert all(0 <= mp.min() and mp.max() == pytest.approx(1, abs=1e-6) for mp in maps.values())
    assert not np.allclose(maps["gradcam"], maps["eigencam"])


def test_the_model_is_only_read(model, inputs):
    state = {k: v.clone() for k, v in model.state_dict().items()}
    for show in SHOWS:
        poolformer_view(model, *inputs, show=show)
    poolformer_view(model, *inputs, show="cam", cam_mixer="attention", cam_method="layercam")
    assert not any(m.training for m in model.modules())
    assert all(torch.equal(v, state[k]) for k, v in model.state_dict().items())
    assert all(p.grad is None and not p.requires_grad for p in model.parameters())
    assert not any(m._forward_hooks or m._forward_pre_hooks or m._backward_hooks for m in model.modules())


# ---------------------------------------------------------------------------------------- analysis
def test_pool_minus_identity_is_the_model_mixer():
    from timm.models.metaformer import Pooling
    x = torch.randn(4, 9, 11)
    pooled, diff = pa.pool_minus_identity(x.numpy())
    ref = Pooling(3)(x.unsqueeze(0))[0]
    assert np.allclose(diff, ref.numpy(), atol=1e-6)
    assert np.allclose(pooled - x.numpy(), diff, atol=1e-6)
    flat, d = pa.pool_minus_identity(np.full((5, 5), 3.0))
    assert np.allclose(flat, 3.0) and np.allclose(d, 0.0)  # count_include_pad=False: borders stay flat


def test_pool_kernel_is_a_laplacian_over_nine():
    k = pa.pool_kernel()
    lap = np.ones((3, 3))
    lap[1, 1] = -8
    assert np.allclose(k, lap / 9) and k.sum() == pytest.approx(0.0)


def test_frequency_response():
    r = pa.frequency_response(91)
    assert r["pool_row"][0] == pytest.approx(1.0) and r["diff_row"][0] == pytest.approx(0.0)  # DC passes / blocked
    assert r["diff_row"][-1] == pytest.approx(-4 / 3) and r["diff_diag"][-1] == pytest.approx(1 / 9 - 1)
    # the row gain is the 3-tap mean's transfer function: compare with a sampled cosine filtered by hand
    w = r["w"][30]
    x = np.cos(w * np.arange(64))
    filtered = (x[:-2] + x[1:-1] + x[2:]) / 3
    assert filtered[10] == pytest.approx(r["pool_row"][30] * x[11])


def test_class_names_and_mixer_rows():
    assert pa.class_names(1000)[0] == "tench"
    assert pa.class_names(10)[0] == "circle"
    assert pa.class_names(7)[6] == "class 6"
    names = pa.class_names(10)
    logits = {"pooling": np.arange(10.0), "identity": np.arange(10.0)[::-1].copy(), "attention": np.arange(10.0)}
    rows = pa.mixer_rows(logits, {"pooling": 1e9, "identity": 1e9, "attention": 2e9}, names)
    by = {r["mixer"]: r for r in rows}
    assert by["pooling"]["top1"] == names[9] and by["identity"]["top1"] == names[0]
    assert by["attention"]["mean_abs_logit_change"] == 0.0 and by["attention"]["gmacs"] == 2.0
    probs = pa.mixer_probabilities(logits, names)
    assert [r["class"] for r in probs[:5]] == [names[i] for i in (9, 8, 7, 6, 5)] and len(probs) == 15
    p = {(r["mixer"], r["class"]): r["probability"] for r in probs}
    assert p[("identity", names[9])] < p[("pooling", names[9])] == pytest.approx(pa.softmax(np.arange(10.0))[9])
    twins = [f"c{i}" for i in range(8)] + ["crane", "crane"]  # a repeated name keeps its own band
    assert [r["class"] for r in pa.mixer_probabilities({"pooling": np.arange(10.0)}, twins)[:3]] == \
        ["crane (9)", "crane (8)", "c7"]


def test_stage_maps_analysis():
    feats = [np.random.default_rng(i).random((c, s, s)).astype(np.float32)
             for i, (c, s) in enumerate([(8, 12), (16, 6)])]
    maps, names, rows = pa.stage_maps(feats, per_stage=4)
    assert [r["shape"] for r in rows] == [(1, 8, 12, 12), (1, 16, 6, 6)] and len(rows[0]["channels"]) == 3
    assert rows[0]["channels"][0] == int(pa.channel_order(feats[0])[0])
    assert names[1][1] == f"s1 c{rows[1]['channels'][0]}"
    assert np.allclose(maps[0][0], np.sqrt((feats[0] ** 2).sum(0)))


# ---------------------------------------------------------------------------------------- pictures
def test_block_diagram_svg_and_png():
    svg = pv.block_svg("pooling", {"mixer": "Token 混合器 <x>"})
    assert svg.startswith("<svg") and "Token 混合器 &lt;x&gt;" in svg and "AvgPool3x3" in svg
    assert pv.block_svg("identity") != pv.block_svg("attention")
    labels = {k: k for k in pv.DIAGRAM_KEYS}
    png = pv.block_png("attention", labels, scale=1)
    assert png.shape == (270, 880, 3) and not np.array_equal(png, pv.block_png("pooling", labels, scale=1))


def test_triptych_scales_and_frequency_figure():
    x = np.zeros((8, 8), dtype=np.float32)
    x[:, 4:] = 1.0
    pooled, diff = pa.pool_minus_identity(x)
    img, scales = pv.triptych(x, pooled, diff, side=64)
    assert img.ndim == 3 and scales["x"] == (0.0, 1.0) and scales["diff"][0] == -scales["diff"][1]
    labels = {"x": "w", "y": "g", "pool": "p", "diff": "d", "row": "r", "diag": "q"}
    response = pa.frequency_response()
    fig = pv.frequency_figure(response, labels)
    gains = {t.name: np.asarray(t.y) for t in fig.data}
    assert gains["p — r"][0] == pytest.approx(1.0) and gains["d — q"][-1] == pytest.approx(1 / 9 - 1)
    assert fig.layout.xaxis.title.text == "w"
    spec = pv.frequency_spec(response, labels)
    rows = spec["datasets"]["gain"]
    by = {(r["filter"], r["direction"]): [x["gain"] for x in rows if (x["filter"], x["direction"]) == (r["filter"], r["direction"])]
          for r in rows}
    assert by[("p", "r")][0] == pytest.approx(1.0) and by[("d", "r")][-1] == pytest.approx(-4 / 3, abs=1e-4)
    assert by[("d", "q")][-1] == pytest.approx(1 / 9 - 1, abs=1e-4)  # along the diagonal: the row gain squared
    line = spec["layer"][1]["encoding"]
    assert line["x"]["title"] == "w" and line["y"]["title"] == "g" and line["color"]["legend"]


def test_stage_maps_and_overlays():
    image = np.random.default_rng(0).integers(0, 255, (96, 96, 3), dtype=np.uint8)
    maps = [[np.ones((12, 12)), np.eye(12)], [np.arange(36.0).reshape(6, 6)]]
    img = pv.stage_maps(maps, [["a", "b"], ["c"]], ["8x12x12", "16x6x6"], per_stage=3, side=40)
    assert img.ndim == 3 and img.shape[1] > 3 * 40  # three tiles a row, and the row labels
    assert not np.array_equal(img, pv.stage_maps(maps[::-1], [["c"], ["a", "b"]], ["16x6x6", "8x12x12"], per_stage=3,
                                                 side=40))
    ov = pv.norm_overlays(image, {"pooling": np.ones((3, 3)), "identity": np.eye(3)}, side=64)
    assert ov.ndim == 3


def test_mixer_spec_and_figure():
    names = pa.class_names(10)
    logits = {"pooling": np.arange(10.0), "identity": np.arange(10.0)[::-1].copy(), "attention": np.arange(10.0)}
    rows = pa.mixer_probabilities(logits, names)
    fig = pv.mixer_figure(rows, {"x": "c", "y": "p"})
    assert len(fig.data) == 3 and list(fig.data[0].x)[0] == names[9] and fig.layout.yaxis.title.text == "p"
    spec = pv.mixer_spec(rows, {"x": "c", "y": "p", "pooling": "pool"})
    assert spec["encoding"]["x"]["sort"][0] == names[9] and spec["encoding"]["y"]["title"] == "p"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["pool", "identity", "attention"]
    probs = {(r["mixer"], r["class"]): r["probability"] for r in spec["datasets"]["probs"]}
    assert len(probs) == 3 * 5 and probs[("identity", names[9])] < probs[("pool", names[9])]
