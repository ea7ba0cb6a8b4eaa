"""AppTest: the DynamicViT and Compare pages."""
import pandas as pd

from conftest import assert_clean, image_urls, png_bytes, tables
from vizcore.i18n import t
from vizcore.models.reducer_registry import find_reducer


def shown(*methods: str) -> set[str]:
    """How the tables name methods: a reducer's label, "plain ViT" for the backbone alone (English)."""
    return {t(find_reducer(m).label_key) if find_reducer(m) else t("pic.plain") for m in methods}


def test_dynamicvit_defaults_and_rho(dyn_page):
    at = dyn_page
    before = image_urls(at)
    counts_before = [c.value for c in at.caption if "Patch tokens" in c.value][0]
    at.slider(key="dyn_rho").set_value(0.4).run()
    assert_clean(at)
    counts_after = [c.value for c in at.caption if "Patch tokens" in c.value][0]
    assert counts_after != counts_before
    assert image_urls(at) != before


def test_dynamicvit_training_semantics_and_resample(dyn_page):
    at = dyn_page
    at.radio(key="dyn_semantics").set_value("training").run()
    assert_clean(at)
    assert any("Gumbel draw #0" in c.value for c in at.caption)
    first = image_urls(at)
    at.button(key="dyn_resample").click().run()
    assert_clean(at)
    assert any("Gumbel draw #1" in c.value for c in at.caption)
    assert image_urls(at) != first  # a new draw changes the kept tokens
    at.slider(key="dyn_tau").set_value(3.0).run()
    assert_clean(at)


def test_dynamicvit_chinese(dyn_page):
    at = dyn_page
    at.selectbox(key="lang").set_value("zh").run()
    assert_clean(at)
    assert at.title[0].value.startswith("DynamicViT：")


def test_compare_defaults_rho_backbone_and_scene(compare_page):
    at = compare_page
    rows = tables(at)[0].value
    assert {"backbone, no reduction", "EViT", "ToMe", "random drop"} <= set(rows["Method"])  # names, not ids
    before = image_urls(at)
    at.slider(key="cmp_rho").set_value(0.5).run()
    assert_clean(at)
    assert image_urls(at) != before
    at.radio(key="image_mode").set_value("scene").run()
    assert_clean(at)
    rows = tables(at)[0].value
    assert "Keep precision" in rows.columns
    at.selectbox(key="cmp_backbone").set_value("deit_tiny_patch16_224").run()
    assert_clean(at)
    assert "DynamicViT" not in set(tables(at)[0].value["Method"])


def test_compare_bad_upload(compare_page):
    at = compare_page
    at.radio(key="image_mode").set_value("upload").run()
    at.sidebar.file_uploader(key="upload").set_value(("bad.jpg", b"\xff\xd8\xff\xe0 not really", "image/jpeg"))
    at.run()
    assert_clean(at)
    assert at.error and "could not be used" in at.error[0].value
    at.sidebar.file_uploader(key="upload").set_value(("ok.png", png_bytes(70, 50), "image/png"))
    at.run()
    assert_clean(at)
    assert not at.error


def _figure(at):
    """Per chart: its spec and its named datasets (name -> Arrow bytes)."""
    return [(el.proto.spec, {d.name: d.data.data for d in el.proto.datasets}) for el in at.get("vega_lite_chart")]


def test_tradeoffs_controls(trade_page):
    at = trade_page
    rows = tables(at)[0].value
    assert shown("plain", "evit", "tome", "random_drop") <= set(rows["method"])
    assert (pd.to_numeric(rows["gmacs"]) > 0).all()  # shown as text: "0.0732"
    base = _figure(at)
    chosen = at.selectbox(key="trade_highlight").options[3]
    at.selectbox(key="trade_highlight").set_value(chosen).run()
    assert_clean(at)
    (spec, data), = _figure(at)
    assert spec == base[0][0] and data["highlight"] != base[0][1]["highlight"]  # new data, same chart
    assert any(c.value.startswith(f"▶ **{chosen}**") and "GMACs" in c.value for c in at.caption)
    assert "published" not in _figure(at)[0][1]  # off by default beside the bundled models
    at.toggle(key="trade_published_bundled").set_value(True).run()
    assert_clean(at)
    spec, data = _figure(at)[0]
    assert "published" in data and "published" in spec  # its layer, on the right-hand axis
    at.toggle(key="trade_published_bundled").set_value(False).run()
    assert_clean(at)
    spec, data = _figure(at)[0]
    assert "published" not in spec and "published" not in data


def test_tradeoffs_latency_and_imagenet_set(trade_page):
    at = trade_page
    at.button(key="trade_measure").click().run()
    assert_clean(at)
    rows = tables(at)[0].value
    assert (pd.to_numeric(rows["latency_ms"], errors="coerce") > 0).all()  # "–" where missing
    (gmacs_spec, gmacs_data), = _figure(at)
    at.radio(key="trade_x").set_value("latency").run()
    assert_clean(at)
    (spec, data), = _figure(at)
    assert spec == gmacs_spec and data["meta"] != gmacs_data["meta"] and data["points"] != gmacs_data["points"]
    assert any("latency (ms)" in c.value and c.value.startswith("▶") for c in at.caption)
    at.radio(key="trade_set").set_value("imagenet").run()
    assert_clean(at)
    assert "deit_small_patch16_224" in set(tables(at)[0].value["model"])
    assert at.toggle(key="trade_published_imagenet").value and "published" in _figure(at)[0][1]


def test_tables_show_numbers_without_padding(compare_page):
    """st.table alone prints every float column with four decimals ("145.0000")."""
    rows = tables(compare_page)[0].value
    text = [v for c in rows.columns for v in rows[c].tolist() if isinstance(v, str)]
    numbers = [v for v in text if v.replace(".", "", 1).replace("-", "", 1).isdigit()]
    assert numbers, rows
    assert not [v for v in numbers if "." in v and v.endswith("0")], numbers


def test_tradeoffs_places_and_highlights_what_the_method_pages_explored(dyn_page):
    at = dyn_page
    at.slider(key="dyn_rho").set_value(0.65).run()
    assert_clean(at)
    at.switch_page("pages/tradeoffs.py").run()
    assert_clean(at)
    assert at.selectbox(key="trade_highlight").value == "DynamicViT 0.65 (yours)"
    table = tables(at)[0].value
    mine = table[table["label"] == "DynamicViT 0.65 (yours)"]
    grid = table[table["label"].isin(["DynamicViT 0.6", "DynamicViT 0.7"])]
    assert len(mine) == 1 and mine["top1"].iloc[0] == "–"  # cost only: accuracy is measured for the grid
    g = pd.to_numeric(grid["gmacs"])
    assert g.min() < float(mine["gmacs"].iloc[0]) < g.max()  # its cost lies between its neighbours'
    assert any("marked (yours)" in c.value and "not measured yet" in c.value for c in at.caption)
    at.button(key="trade_measure_yours").click().run()  # its accuracy, on the first 500 test scenes
    assert_clean(at)
    mine = tables(at)[0].value.set_index("label").loc["DynamicViT 0.65 (yours)"]
    assert 0.5 < float(mine["top1"]) <= 1 and 0 < float(mine["keep_precision"]) <= 1
    assert any("Accuracy of 1 of them measured on the first 500" in c.value for c in at.caption)
    assert "trade_measure_yours" not in [b.key for b in at.button]  # nothing left to measure
    at.button(key="trade_measure").click().run()
    at.selectbox(key="lang").set_value("zh").run()  # the measurements outlive a change of language
    assert_clean(at)
    # the table's headers are in Chinese too
    mine = tables(at)[0].value.set_index(t("col.label", "zh")).loc["DynamicViT 0.65 (你的)"]
    assert 0.5 < float(mine[t("col.top1", "zh")]) <= 1 and "trade_measure_yours" not in [b.key for b in at.button]
    assert float(mine[t("col.latency_ms", "zh")]) > 0
    at.selectbox(key="lang").set_value("en").run()
    # a setting the grid has: highlighted there, no extra row
    at.switch_page("pages/dynamicvit.py").run()
    at.slider(key="dyn_rho").set_value(0.8).run()
    at.switch_page("pages/tradeoffs.py").run()
    assert_clean(at)
    assert at.selectbox(key="trade_highlight").value == "DynamicViT 0.8"
    assert not tables(at)[0].value["label"].str.contains("yours").any()


def test_tradeoffs_published_layer_is_remembered_per_model_set(trade_page):
    at = trade_page
    at.toggle(key="trade_published_bundled").set_value(True).run()
    at.radio(key="trade_set").set_value("imagenet").run()
    at.toggle(key="trade_published_imagenet").set_value(False).run()
    at.radio(key="trade_set").set_value("bundled").run()
    assert_clean(at)
    assert at.toggle(key="trade_published_bundled").value and "published" in _figure(at)[0][1]
    at.radio(key="trade_set").set_value("imagenet").run()
    assert not at.toggle(key="trade_published_imagenet").value


def download_keys(at) -> set[str]:
    """The user keys of the page's download buttons (``dl_<ext>_<stem>``)."""
    return {b.proto.id.split("-", 2)[-1] for b in at.get("download_button")}


def test_dynamicvit_gumbel_explainer_drawn_only_when_open(dyn_page):
    """The Gumbel-softmax explainer is lazy: closed (the default) it draws nothing and offers no download;
    opened, its picture and downloads appear, and moving tau redraws it."""
    at = dyn_page
    closed_images = len(image_urls(at))
    assert "dl_png_gumbel_softmax_samples" not in download_keys(at)
    at.session_state["dyn_gumbel_open"] = True
    at.run()
    assert_clean(at)
    opened = image_urls(at)
    assert len(opened) == closed_images + 1
    assert "dl_png_gumbel_softmax_samples" in download_keys(at)
    at.radio(key="dyn_semantics").set_value("training").run()
    at.slider(key="dyn_tau").set_value(3.0).run()
    assert_clean(at)
    assert at.session_state["dyn_gumbel_open"] is True  # still open after moving the controls


def _layout(node) -> list[str]:
    """The element types under ``node``, depth first: what the browser lays out, in order."""
    children = getattr(node, "children", None)
    if not children:
        return [node.type]
    return [node.type] + [t for key in sorted(children) for t in _layout(children[key])]


def test_compare_notes_keep_the_elements_in_place(compare_page):
    """The budget and the notes that come and go with rho and the backbone (not matched, left out) share one
    caption: moving rho keeps every element in its place, so the browser updates them instead of building them
    anew."""
    at = compare_page
    layout = _layout(at.main)
    for rho in (0.3, 0.95):
        at.slider(key="cmp_rho").set_value(rho).run()
        assert_clean(at)
        assert _layout(at.main) == layout, rho
    at.selectbox(key="cmp_backbone").set_value("deit_tiny_patch16_224").run()  # DynamicViT left out
    assert_clean(at)
    note, = [c.value for c in at.caption if "shares this backbone" in c.value]
    assert note.startswith("Budget:")  # in the budget's caption, not an element of its own
