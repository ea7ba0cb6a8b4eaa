"""AppTest: the entry point, the shared sidebar and the Attention page."""
from conftest import assert_clean, image_captions, image_urls, png_bytes, tables


def test_landing_page_defaults(app):
    assert app.title[0].value == "Token Lab"
    assert any("Attention" in m.value for m in app.markdown)
    assert app.radio(key="source").value == "bundled"
    assert app.radio(key="image_mode").value == "scene"  # what the bundled models learned
    assert app.number_input(key="scene_index").value == 0
    app.radio(key="image_mode").set_value("gallery").run()
    assert app.selectbox(key="sample").value == "astronaut"
    assert any("torch" in c.value for c in app.sidebar.caption)
    assert image_urls(app)  # the chosen image is shown in the sidebar


def test_language_switch_persists_across_pages(app):
    app.selectbox(key="lang").set_value("zh").run()
    assert_clean(app)
    assert app.title[0].value == "Token 实验室"
    app.switch_page("pages/attention.py")
    app.run()
    assert app.title[0].value.startswith("注意力")
    assert app.selectbox(key="lang").value == "zh"


def test_attention_defaults_render(attention_page):
    at = attention_page
    layer = at.slider(key="attn_layer")
    assert layer.value == layer.max  # the last layer first
    assert len(image_urls(at)) >= 3  # sidebar image, model view, overlay (+ colour bar)
    from vizcore.models.registry import get_spec
    bundled = "bundled" in get_spec(at.selectbox(key="attn_model").value).sources
    # random weights are said so; bundled ones are not
    assert any("random weights" in w.value for w in at.warning) != bundled


def test_layer_head_scale_change_the_picture(attention_page):
    at = attention_page
    before = image_urls(at)
    at.slider(key="attn_layer").set_value(1).run()
    assert_clean(at)
    after_layer = image_urls(at)
    assert after_layer != before
    at.selectbox(key="attn_head").set_value(1).run()
    after_head = image_urls(at)
    assert after_head != after_layer
    at.radio(key="attn_scale").set_value("global").run()
    assert image_urls(at) != after_head
    assert "Head 1" in " ".join(image_captions(at))


def test_every_view_renders(attention_page):
    at = attention_page
    seen = set()
    for view in ["grid", "patch", "rollout", "shapes"]:
        at.session_state["attn_view"] = view
        at.run()
        assert_clean(at)
        urls = tuple(image_urls(at))
        assert urls not in seen
        seen.add(urls)
    assert tables(at), "the shapes view shows a table"


def test_patch_and_rollout_controls(attention_page):
    at = attention_page
    at.session_state["attn_view"] = "patch"
    at.run()
    first = image_urls(at)
    at.number_input(key="attn_patch").set_value(5).run()
    assert_clean(at)
    assert image_urls(at) != first
    at.session_state["attn_view"] = "rollout"
    at.run()
    base = image_urls(at)
    at.slider(key="roll_discard").set_value(0.9).run()
    assert image_urls(at) != base
    at.selectbox(key="roll_fusion").set_value("max").run()
    assert_clean(at)


def test_upload_and_bad_upload(attention_page):
    at = attention_page
    at.radio(key="image_mode").set_value("upload").run()
    assert_clean(at)
    before = image_urls(at)
    at.sidebar.file_uploader(key="upload").upload("mine.png", png_bytes(), "image/png")
    at.run()
    assert_clean(at)
    good = image_urls(at)
    assert good != before
    at.sidebar.file_uploader(key="upload").set_value(("broken.png", b"\x89PNG\r\n\x1a\n garbage", "image/png"))
    at.run()
    assert_clean(at)
    assert at.error and "could not be used" in at.error[0].value
    assert len(at.error[0].value.splitlines()) == 1
    assert at.slider(key="attn_layer")  # the page still works on the previous/gallery image


def test_offline_hub_source_is_a_message_not_a_crash(attention_page, monkeypatch):
    from vizcore.models import registry
    monkeypatch.setattr(registry, "HUB_URL", "https://127.0.0.1:9/")
    at = attention_page
    at.selectbox(key="attn_model").set_value("deit_tiny_patch16_224")
    at.radio(key="source").set_value("hub").run()
    assert_clean(at)
    assert at.error and "cannot be reached" in at.error[0].value


def test_file_source_bad_checkpoint(attention_page):
    at = attention_page
    at.radio(key="source").set_value("file").run()
    assert_clean(at)
    assert at.info  # asks for a checkpoint
    at.text_input(key="checkpoint_path").input("/nonexistent/model.pth").run()
    assert_clean(at)
    assert at.error and "No checkpoint file" in at.error[0].value


def test_mask_overlay_is_for_display_only(attention_page):
    at = attention_page
    main_before = [u for el in at.main.get("image") for u in el.value]
    side_before = [u for el in at.sidebar.get("image") for u in el.value]
    at.toggle(key="show_mask").set_value(True).run()
    assert_clean(at)
    assert [u for el in at.sidebar.get("image") for u in el.value] != side_before  # the sidebar shows the mask
    assert [u for el in at.main.get("image") for u in el.value] == main_before  # the model input is unchanged


def test_model_choices_are_unique_and_bundled_first(attention_page):
    options = attention_page.selectbox(key="attn_model").options
    assert len(options) == len(set(options))
    assert options[0] == "bundled_vit" and "deit_small_patch16_224" in options


DRAWN_SCRIPT = """
import streamlit as st
from vizcore import ui

ui.sidebar()
k = st.slider("k", 0, 3, 0)
calls = st.session_state.setdefault("calls", [])


def drawn_test_picture(value, lang):
    calls.append(value)
    return {"value": value, "lang": lang}


pic = ui.draw(drawn_test_picture, k, ui.selection().lang)
st.session_state["last"] = pic
st.write(f"{pic['value']} {len(calls)}")
"""


def test_drawn_pictures_are_reused_and_redrawn_when_their_key_changes():
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_string(DRAWN_SCRIPT, default_timeout=120)
    at.run()
    assert at.markdown[-1].value == "0 1"
    first = at.session_state["last"]
    at.slider[0].set_value(2).run()
    assert at.markdown[-1].value == "2 2"
    at.slider[0].set_value(0).run()  # back to an earlier state: nothing drawn, the same object
    assert at.markdown[-1].value == "0 2" and at.session_state["last"] is first
    at.selectbox(key="lang").set_value("zh").run()  # the language is part of the key
    assert at.markdown[-1].value == "0 3" and at.session_state["last"]["lang"] == "zh"
