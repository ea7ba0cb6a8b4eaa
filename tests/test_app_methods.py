"""AppTest: the method pages (WuKong TokenReduction, T2T soft split, PoolFormer / MetaFormer) render with the
default (small, bundled) models, react to their main controls, switch language and survive a bad upload."""
import json

import pytest
from conftest import assert_clean, image_captions, image_urls, open_page, tables

PAGES = {"wukong": "wk", "t2t": "t2t", "poolformer": "pf"}
TITLES = {"wukong": ("WuKong TokenReduction", "WuKong TokenReduction："),
          "t2t": ("T2T-ViT: soft split", "T2T-ViT：软切分"),
          "poolformer": ("PoolFormer:", "PoolFormer：")}


def figures(at) -> list[tuple[dict, dict]]:
    """Per chart on the page: its Vega-Lite spec and its named datasets (name -> Arrow bytes)."""
    return [(json.loads(el.proto.spec), {d.name: d.data.data for d in el.proto.datasets})
            for el in at.get("vega_lite_chart")]


def formulas(at) -> list[str]:
    """The T2T page's live output-size formulas (one per split), as the page prints them."""
    return [m.value.strip("*") for m in at.markdown if "⌋ + 1 =" in m.value]


def set_view(at, key, value):
    at.session_state[key] = value
    at.run()
    assert_clean(at)
    return image_urls(at)


@pytest.fixture
def wukong(app):
    return open_page(app, "wukong")


@pytest.fixture
def t2t(app):
    return open_page(app, "t2t")


@pytest.fixture
def poolformer(app):
    return open_page(app, "poolformer")


# ---------------------------------------------------------------------------------------- all pages
@pytest.mark.parametrize("page", sorted(PAGES))
def test_defaults_language_and_bad_upload(app, page):
    at = open_page(app, page)
    assert at.title[0].value.startswith(TITLES[page][0])
    family = {"wukong": "wukong", "t2t": "t2t", "poolformer": "poolformer"}[page]
    assert at.selectbox(key=f"{PAGES[page]}_model").value == f"bundled_{family}"
    assert len(image_urls(at)) >= 2  # sidebar image + the page's picture
    if page == "t2t":
        assert formulas(at)  # the output-size formula, live
    else:
        assert any(c.value.startswith("Real shapes on this image") for c in at.caption)
    assert at.get("download_button")  # every figure comes with downloads
    at.selectbox(key="lang").set_value("zh").run()
    assert_clean(at)
    assert at.title[0].value.startswith(TITLES[page][1])
    assert at.segmented_control(key=f"{PAGES[page]}_view").value  # labels translated, state kept
    at.radio(key="image_mode").set_value("gallery").run()
    gallery = image_urls(at)
    at.radio(key="image_mode").set_value("scene").run()  # the shared sidebar's synthetic scenes
    assert_clean(at)
    assert image_urls(at) != gallery
    at.radio(key="image_mode").set_value("upload").run()
    at.sidebar.file_uploader(key="upload").set_value(("broken.png", b"\x89PNG\r\n\x1a\n garbage", "image/png"))
    at.run()
    assert_clean(at)
    assert at.error and len(at.error[0].value.splitlines()) == 1
    assert at.title[0].value.startswith(TITLES[page][1])  # the page still renders on the gallery image


# ---------------------------------------------------------------------------------------- WuKong
def wukong_sizes():
    """(T, N) of bundled_wukong: reduced tokens and patch tokens, from its architecture constants."""
    from vizcore.models.bundled import CONFIGS
    cfg = CONFIGS["bundled_wukong"]
    return cfg["num_tokens"], (cfg["img_size"] // cfg["patch_size"]) ** 2


def test_wukong_controls_change_the_pictures(wukong):
    at = wukong
    grid = image_urls(at)
    at.radio(key="wk_scale").set_value("shared").run()
    assert_clean(at)
    assert image_urls(at) != grid
    at.selectbox(key="wk_cmap").set_value("cividis").run()
    assert image_urls(at) != grid
    single = set_view(at, "wk_view", "single")
    at.slider(key="wk_token").set_value(3).run()
    assert_clean(at)
    assert image_urls(at) != single
    assert "T3" in " ".join(c for el in at.get("image") for c in el.captions)
    assert set_view(at, "wk_view", "assign") != single
    set_view(at, "wk_view", "stats")
    assert figures(at) and tables(at)
    set_view(at, "wk_view", "steps")
    steps = tables(at)[0].value
    T, N = wukong_sizes()
    assert "softmax" in steps.iloc[:, 0].tolist() and f"(1, {T}, {N})" in steps.iloc[:, 2].tolist()


def test_wukong_cost_reacts_to_text_length(wukong):
    at = wukong
    set_view(at, "wk_view", "cost")
    before = figures(at)
    T, N = wukong_sizes()
    assert [m.value for m in at.metric][:2] == [f"{N * 32:,}", f"{T * 32:,}"]  # N x M and T x M at M = 32
    at.slider(key="wk_text_tokens").set_value(10).run()
    assert_clean(at)
    (spec, data), = figures(at)
    assert spec == before[0][0] and data["chosen"] != before[0][1]["chosen"]  # new data, same chart
    assert data["lines"] == before[0][1]["lines"]
    assert at.metric[1].value == f"{T * 10:,}"


# ---------------------------------------------------------------------------------------- T2T
def test_t2t_sliders_drive_the_formula_and_windows(t2t):
    at = t2t
    assert [at.slider(key=f"t2t_{a}0").value for a in "ksp"] == [7, 4, 2]
    assert formulas(at)[0] == "⌊(96 + 2·2 − 7) / 4⌋ + 1 = 24"  # bundled_t2t: 96 px -> 24x24 after the first split
    from vizcore.models.bundled import CONFIGS
    width = 9 * CONFIGS["bundled_t2t"]["token_dim"]  # 3x3 windows of the token module's channels
    assert any(f"= **{width}**" in c.value for c in at.caption)
    before = image_urls(at)
    at.slider(key="t2t_s0").set_value(2).run()
    assert_clean(at)
    assert formulas(at)[0].endswith("= 47")  # (96 + 4 - 7) // 2 + 1
    assert image_urls(at) != before
    assert at.info  # "you are exploring your own splits"
    stage = image_urls(at)
    at.radio(key="t2t_stage").set_value(2).run()
    assert image_urls(at) != stage
    at.radio(key="t2t_where").set_value("corner").run()
    assert_clean(at)
    at.button(key="t2t_reset").click().run()
    assert at.slider(key="t2t_s0").value == 4 and not at.info


def test_t2t_sliders_survive_a_page_switch(t2t):
    at = t2t
    at.slider(key="t2t_s0").set_value(2).run()
    at.slider(key="t2t_k1").set_value(5).run()
    open_page(at, "home")  # a run that does not draw the sliders: Streamlit drops unpersisted widget state
    open_page(at, "t2t")
    assert at.slider(key="t2t_s0").value == 2 and at.slider(key="t2t_k1").value == 5
    assert formulas(at)[0].endswith("= 47") and at.info  # still the reader's own splits
    at.selectbox(key="t2t_model").set_value("t2t_vit_7").run()
    assert at.slider(key="t2t_s0").value == 4 and at.slider(key="t2t_k1").value == 3  # a new model: its splits


def test_t2t_invalid_combination_is_a_clear_message(t2t):
    at = t2t
    at.slider(key="t2t_k2").set_value(15).run()
    at.slider(key="t2t_p2").set_value(0).run()
    assert_clean(at)
    assert at.error and "Split 3 cannot run" in at.error[0].value and "15×15" in at.error[0].value
    at.slider(key="t2t_p2").set_value(2).run()  # 12 + 2*2 >= 15: fits again
    assert_clean(at)
    assert not at.error


def test_t2t_footprint_and_schedule(t2t):
    at = t2t
    first = set_view(at, "t2t_view", "footprint")
    at.number_input(key="t2t_token").set_value(0).run()
    assert_clean(at)
    assert image_urls(at) != first
    assert "(0, 0)" in " ".join(c for el in at.get("image") for c in el.captions)
    set_view(at, "t2t_view", "schedule")
    before = figures(at)
    shapes = tables(at)[1].value.iloc[:, 1].tolist()
    from vizcore.models.bundled import CONFIGS
    embed = CONFIGS["bundled_t2t"]["embed_dim"]
    assert "(1, 576, 147)" in shapes and f"(1, 145, {embed})" in shapes  # 24x24 tokens of 7*7*3; 12x12 + CLS
    at.slider(key="t2t_k1").set_value(5).run()
    assert_clean(at)
    assert figures(at) != before


def test_t2t_vit_7_shows_the_papers_schedule_at_224(t2t):
    at = t2t
    at.selectbox(key="t2t_model").set_value("t2t_vit_7").run()
    assert_clean(at)
    assert [at.slider(key=f"t2t_{a}2").value for a in "ksp"] == [3, 2, 1]  # sliders follow the new model
    text = " ".join(c.value for c in at.caption)
    for tokens, width in ((3136, 147), (784, 576), (196, 576)):
        assert f"**{tokens}** tokens of width" in text and f"= **{width}**" in text
    set_view(at, "t2t_view", "schedule")
    assert tables(at)[0].value.iloc[3].tolist()[-2:] == [196, 768]  # ViT's 16x16 hard split: 196 x 768


# ---------------------------------------------------------------------------------------- PoolFormer
def test_poolformer_block_and_pool_views(poolformer):
    at = poolformer
    block = image_urls(at)
    at.radio(key="pf_slot").set_value("attention").run()
    assert_clean(at)
    assert image_urls(at) != block
    image_src = set_view(at, "pf_view", "pool")
    assert figures(at)  # the frequency response
    at.radio(key="pf_source").set_value("feature").run()
    assert_clean(at)
    feature = image_urls(at)
    assert feature != image_src
    at.selectbox(key="pf_stage").set_value(2).run()
    assert_clean(at)
    assert image_urls(at) != feature


def test_poolformer_stages_mixers_and_cam(poolformer):
    at = poolformer
    stages = set_view(at, "pf_view", "stages")
    at.slider(key="pf_per_stage").set_value(3).run()
    assert image_urls(at) != stages
    set_view(at, "pf_view", "mixers")
    spec, data = figures(at)[0]
    assert len(spec["encoding"]["color"]["scale"]["domain"]) == 3 and spec["encoding"]["y"]["title"]
    assert set(data) == {"probs"}
    assert len(tables(at)[0].value) == 3
    cam = set_view(at, "pf_view", "cam")
    options = at.selectbox(key="pf_cam_target_pooling").options
    at.selectbox(key="pf_cam_target_pooling").select_index(1).run()
    assert_clean(at)
    assert len(options) == 5 and image_urls(at) != cam
    at.radio(key="pf_cam_mixer").set_value("identity").run()
    assert_clean(at)
    grad_cam = image_urls(at)
    assert any(c.startswith("Grad-CAM for") for c in image_captions(at))
    at.radio(key="pf_cam_method").set_value("layercam").run()  # the grad-cam library's other methods
    assert_clean(at)
    assert image_urls(at) != grad_cam and any(c.startswith("LayerCAM for") for c in image_captions(at))
    at.radio(key="pf_cam_method").set_value("eigencam").run()
    assert_clean(at)
    assert at.selectbox(key="pf_cam_target_identity").disabled  # the same map for every class
    assert any(c.startswith("EigenCAM on the last") for c in image_captions(at))
