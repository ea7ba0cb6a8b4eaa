"""Unit tests of the method pages' pure view helpers (WuKong, T2T): numbers against hand-computed
values, pictures' shapes and that they react to their inputs."""
import json
import math

import numpy as np
import pytest
import torch

from vizcore.analysis import t2t
from vizcore.analysis import wukong as wa
from vizcore.geometry.unfold import overlap_count, receptive_box
from vizcore.plots import t2t_views as tv
from vizcore.plots import wukong_views as wv


@pytest.fixture(scope="module")
def view():
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (96, 96, 3), dtype=np.uint8)


# ---------------------------------------------------------------------------------------- WuKong
def _maps(T=4, h=3, w=3, seed=0):
    rng = np.random.default_rng(seed)
    m = rng.random((T, h, w))
    return m / m.sum(axis=(1, 2), keepdims=True)


def test_map_stats_extremes():
    n = 9
    uniform = np.full((1, 3, 3), 1 / n)
    one_hot = np.zeros((1, 3, 3))
    one_hot[0, 1, 2] = 1.0
    u, o = wa.map_stats(np.concatenate([uniform, one_hot]))
    assert u["entropy"] == pytest.approx(math.log(n))
    assert u["entropy_norm"] == pytest.approx(1.0)
    assert u["effective_patches"] == pytest.approx(n)
    assert u["patches_for_mass"] == 9 and u["coverage"] == pytest.approx(1.0)  # 90 % of a uniform map needs 9 of 9
    assert o["entropy"] == pytest.approx(0.0) and o["entropy_norm"] == pytest.approx(0.0)
    assert o["patches_for_mass"] == 1 and (o["peak_row"], o["peak_col"]) == (1, 2) and o["peak"] == 1.0


def test_assignment_picks_the_token_each_patch_feeds_most():
    maps = np.zeros((2, 2, 2))
    maps[0] = [[0.7, 0.1], [0.1, 0.1]]
    maps[1] = [[0.1, 0.3], [0.3, 0.3]]
    best, share = wa.assignment(maps)
    assert best.tolist() == [[0, 1], [1, 1]]
    assert share[0, 0] == pytest.approx(0.7 / 0.8) and share[0, 1] == pytest.approx(0.75)


def test_reduction_steps_match_the_real_module():
    from vizcore.models.wukong import TokenReduction
    B, h, w, C, T, g = 1, 3, 4, 16, 5, 8
    rows = wa.reduction_steps(B, h, w, C, T, g)
    mod = TokenReduction(C, T, g)
    out, maps = mod(torch.randn(B, h, w, C))
    by = {r["step"]: r for r in rows}
    assert by["softmax"]["shape"] == tuple(maps.shape) and by["einsum"]["shape"] == tuple(out.shape)
    params = {"norm": mod.norm, "attention_maps.0": mod.attention_maps[0], "attention_maps.1": mod.attention_maps[1],
              "feat_conv": mod.feat_conv}
    for step, m in params.items():
        assert by[step]["params"] == sum(p.numel() for p in m.parameters()), step
    assert sum(r["macs"] for r in rows) == pytest.approx(mod.macs(h * w))


def test_colour_ranges_per_map_and_shared():
    maps = _maps(T=3)
    lo, hi = wa.colour_ranges(maps, "map")
    assert lo.tolist() == [m.min() for m in maps] and hi.tolist() == [m.max() for m in maps]
    lo, hi = wa.colour_ranges(maps, "shared")
    assert set(lo) == {maps.min()} and set(hi) == {maps.max()} and lo.shape == (3,)
    with pytest.raises(ValueError):
        wa.colour_ranges(maps, "bogus")


def test_wukong_pictures(view):
    maps = _maps(T=5, h=4, w=4)
    labels = [f"T{t}" for t in range(5)]
    img = wv.maps_grid(view, maps, *wa.colour_ranges(maps, "shared"), labels)
    assert img.ndim == 3 and img.dtype == np.uint8
    img2 = wv.maps_grid(view, maps, *wa.colour_ranges(maps, "map"), labels, cmap="cividis")
    assert img2.shape == img.shape and not np.array_equal(img, img2)
    single = wv.single_map(view, maps[0])
    assert min(single.shape[:2]) >= 336  # enlarged for readable numbers
    assert not np.array_equal(single, wv.single_map(view, maps[1]))
    best, share = wa.assignment(maps)
    assert wv.assignment_image(view, best, share).shape == single.shape
    assert wv.legend_image(5, [1, 2, 3, 4, 6]).shape[1] == 420
    a, b = wv.similarity_shapes(144, 8, 32, ("A", "B")), wv.similarity_shapes(49, 12, 32, ("A", "B"))
    assert a.shape == b.shape == (320, 640, 3) and not np.array_equal(a, b)
    assert not np.array_equal(a, wv.similarity_shapes(144, 8, 32, ("other", "B")))  # the titles are drawn


def _cost(n, t, m, m_max=77):
    """(curve, chosen) as the cost view hands them over: similarities per pair along M."""
    return ({"M": [1, m_max], "full": [n, n * m_max], "reduced": [t, t * m_max]},
            {"M": m, "full": n * m, "reduced": t * m})


def test_wukong_figures_have_axis_titles_and_legends():
    rows = wa.map_stats(_maps())
    fig = wv.stats_figure(rows, {"x": "X", "y": "Y", "entropy": "E", "coverage": "C", "title": "T"})
    assert fig.layout.xaxis.title.text == "X" and fig.layout.yaxis.title.text == "Y"
    assert [t.name for t in fig.data] == ["E", "C"]
    cost = wv.cost_figure(*_cost(49, 12, 32, m_max=64), {"x": "M", "y": "S", "full": "NxM", "reduced": "TxM"})
    assert cost.layout.xaxis.title.text == "M"
    assert {t.name for t in cost.data if t.showlegend is not False} == {"NxM", "TxM"}
    assert max(cost.data[0].y) == 49 * 64 and list(cost.data[2].y) == [49 * 32, 12 * 32]
    json.loads(cost.to_json())


def test_wukong_specs_have_axis_titles_legends_and_their_data():
    from vizcore.plots.vega import datasets_used
    rows = wa.map_stats(_maps())
    spec = wv.stats_spec(rows, {"x": "X", "y": "Y", "entropy": "E", "coverage": "C", "title": "T"})
    enc = spec["encoding"]
    assert enc["x"]["title"] == "X" and enc["y"]["title"] == "Y" and enc["color"]["scale"]["domain"] == ["E", "C"]
    values = {(d["token"], d["measure"]): d["value"] for d in spec["datasets"]["stats"]}
    assert values[("T0", "E")] == pytest.approx(rows[0]["entropy_norm"], abs=1e-6)
    assert values[("T0", "C")] == pytest.approx(rows[0]["coverage"], abs=1e-6)
    assert datasets_used(spec) == set(spec["datasets"])
    labels = {"x": "M", "y": "S", "full": "NxM", "reduced": "TxM"}
    a, b = wv.cost_spec(*_cost(49, 12, 32), labels), wv.cost_spec(*_cost(49, 12, 10), labels)
    assert {k: v for k, v in a.items() if k != "datasets"} == {k: v for k, v in b.items() if k != "datasets"}
    assert a["datasets"]["lines"] == b["datasets"]["lines"]  # only the chosen M moves
    assert {d["series"]: d["similarities"] for d in b["datasets"]["chosen"]} == {"NxM": 490, "TxM": 120}
    assert max(d["similarities"] for d in a["datasets"]["lines"]) == 49 * 77
    assert datasets_used(a) == set(a["datasets"]) and a["encoding"]["x"]["title"] == "M"


# ---------------------------------------------------------------------------------------- T2T
def test_check_stages_default_schedule_and_errors():
    sched, errors, warnings = t2t.check_stages(224, ((7, 4, 2), (3, 2, 1), (3, 2, 1)))
    assert not errors and not warnings
    assert [(r["tokens"], r["token_dim"]) for r in sched] == [(3136, 147), (784, 576), (196, 576)]
    small = t2t.check_stages(96, ((7, 4, 2), (3, 2, 1), (3, 1, 1)), token_dim=32)[0]
    assert [(r["tokens"], r["token_dim"]) for r in small] == [(576, 147), (144, 288), (144, 288)]
    sched, errors, _ = t2t.check_stages(224, ((7, 4, 2), (15, 8, 0), (15, 1, 0)))
    assert sched is None and errors[0][0] == "fit" and errors[0][1]["stage"] == 3 and errors[0][1]["h"] == 6
    _, _, warnings = t2t.check_stages(96, ((3, 5, 0), (3, 2, 4), (3, 2, 1)))
    assert [w[0] for w in warnings] == ["gap", "pad"]
    assert t2t.check_stages(96, ((0, 1, 0), (3, 2, 1), (3, 2, 1)))[1][0][0] == "bad"
    assert t2t.check_stages(224, ((1, 1, 0), (3, 2, 1), (3, 2, 1)))[2][0][0] == "big"


def test_formula_and_hard_split():
    assert t2t.formula_text(224, 7, 4, 2) == "⌊(224 + 2·2 − 7) / 4⌋ + 1 = 56"
    assert t2t.formula_text((56, 56), 3, 2, 1) == "⌊(56 + 2·1 − 3) / 2⌋ + 1 = 28"
    assert t2t.formula_text((20, 30), 3, 2, 1).count("=") == 2  # one per axis when H != W
    assert t2t.hard_split(224, (14, 14)) == (16, 16, 0) and t2t.hard_split(96, (12, 12)) == (8, 8, 0)


def test_windows_panel_counts_and_zoom(view):
    panel = t2t.window_panel((96, 96), (7, 4, 2))
    assert np.array_equal(panel.counts, overlap_count((96, 96), 7, 4, 2).numpy())
    assert set(panel.histogram) == {1, 2, 4} and sum(panel.histogram.values()) == 96 * 96
    assert panel.out_hw == (24, 24) and panel.boxes.shape == (9, 4) and panel.block == (10, 10, 3)
    corner = t2t.window_panel((96, 96), (7, 4, 2), "corner")
    assert corner.region[0] < 0 <= panel.region[0]  # the corner zoom reaches into the padding
    tiles = tv.windows_panel(view, panel, vmax=4, side=200)
    assert len(tiles) == 4 and all(t.shape == (200, 200, 3) for t in tiles)
    assert not np.array_equal(tiles[1], tv.windows_panel(view, corner, vmax=4, side=200)[1])


def test_windows_figure_soft_vs_hard(view):
    hard = t2t.window_panel((96, 96), (8, 8, 0))
    first, second = t2t.window_panel((96, 96), (7, 4, 2)), t2t.window_panel((24, 24), (3, 2, 1))
    labels = [str(i) for i in range(8)]
    img0 = tv.windows_figure(view, first, hard, 4, labels, side=160)
    img1 = tv.windows_figure(view, second, hard, 4, labels, side=160)
    assert img0.shape == img1.shape and not np.array_equal(img0, img1)
    assert hard.histogram == {1: 96 * 96}  # a hard split covers every pixel once


def test_footprint_figure_draws_the_chain(view):
    stages = ((7, 4, 2), (3, 2, 1), (3, 2, 1))
    chain = t2t.footprint_chain((96, 96), stages, 2 * 6 + 3)
    assert [s.split for s in chain] == [3, 2, 1] and chain[-1].box == receptive_box(96, (2, 3), stages)
    img = tv.footprint_figure(view, chain, (6, 6), (2, 3), (32, 48, 48, 64), list("abcde"), side=120)
    other = tv.footprint_figure(view, t2t.footprint_chain((96, 96), stages, 0), (6, 6), (0, 0), (0, 0, 16, 16),
                                list("abcde"), side=120)
    assert img.shape[1] >= 5 * 120 and img.shape == other.shape and not np.array_equal(img, other)


def test_model_shapes_follow_the_schedule():
    from vizcore.geometry.unfold import soft_split_schedule
    info = soft_split_schedule(224)
    rows = t2t.model_shapes((1, 3, 224, 224), info, 64, 256, 1000, "performer")
    shapes = [r["shape"] for r in rows]
    assert (1, 3136, 147) in shapes and (1, 64, 56, 56) in shapes and (1, 784, 576) in shapes
    assert (1, 196, 576) in shapes and (1, 197, 256) in shapes and shapes[-1] == (1, 1000)


def test_schedule_figure_axes(view):
    from vizcore.geometry.unfold import soft_split_schedule
    soft = soft_split_schedule(224)
    hard = soft_split_schedule(224, [(16, 16, 0)])[0]
    fig = tv.schedule_figure(soft, hard, {"tokens": "N", "dims": "D", "stage": "S", "soft": "soft", "hard": "hard"})
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.title.text == "N" and fig.layout.yaxis2.title.text == "D"
    assert {t.name for t in fig.data if t.showlegend is not False} == {"soft", "hard"}
    spec = tv.schedule_spec(soft, hard, {"tokens": "N", "dims": "D", "stage": "S", "soft": "soft", "hard": "hard"})
    left, right = spec["hconcat"]
    assert left["encoding"]["y"]["scale"]["type"] == "log" and left["encoding"]["y"]["title"] == "N"
    assert right["encoding"]["y"]["title"] == "D" and left["encoding"]["x"]["title"] == "S"
    rows = spec["datasets"]["stages"]
    assert [(r["tokens"], r["dims"]) for r in rows] == [(3136, 147), (784, 576), (196, 576), (196, 768)]
    assert [r["kind"] for r in rows] == ["soft"] * 3 + ["hard"]
    maps = tv.norm_maps(view, [np.ones((24, 24)), np.arange(144.0).reshape(12, 12)], ["x", "a", "b"], side=60)
    assert maps.ndim == 3 and maps.shape[1] >= 3 * 60
    assert tv.token_picker(view, (12, 12), 5).shape[0] >= 420
