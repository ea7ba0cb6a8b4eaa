"""The page address in the app (AppTest): a link opens its state, a bad value falls back with a note, a
change is written back, a language switch keeps choices, a lesson step opens its page."""
import json
from urllib.parse import parse_qs, urlencode

import pytest
from conftest import ROOT, assert_clean, open_page
from streamlit.testing.v1 import AppTest


def app_at(query: dict, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params.update(query)
    if page:
        at.switch_page(f"pages/{page}.py")
    at.run()
    assert_clean(at)
    return at


def captions(at) -> str:
    return " ".join(str(c.value) for c in at.caption)


def test_a_link_opens_the_page_in_its_state():
    at = app_at({"image_mode": "scene", "scene_index": "5", "dyn_rho": "0.5", "dyn_semantics": "training",
                 "dyn_tau": "0.3", "dyn_seed": "2"}, "dynamicvit")
    assert at.radio(key="image_mode").value == "scene" and at.number_input(key="scene_index").value == 5
    assert at.slider(key="dyn_rho").value == 0.5 and at.radio(key="dyn_semantics").value == "training"
    assert at.slider(key="dyn_tau").value == pytest.approx(0.3)
    assert "#2" in captions(at)   # the Gumbel draw the link names
    assert dict(at.query_params) == {"lang": "en", "image_mode": "scene", "scene_index": "5",
                                     "dyn_model": "bundled_dynamicvit", "dyn_rho": "0.5",
                                     "dyn_semantics": "training", "dyn_tau": "0.3", "dyn_seed": "2"}


def test_bad_values_fall_back_to_defaults_with_one_line_each():
    at = app_at({"dyn_rho": "5", "image_mode": "Scene", "what": "1"}, "dynamicvit")
    text = captions(at)
    assert "dyn_rho=5" in text and "image_mode=Scene" in text and "what=1" in text
    assert at.slider(key="dyn_rho").value == pytest.approx(0.7)   # the model's own default
    assert "dyn_rho" in at.query_params and at.query_params["dyn_rho"] == "0.7"


def test_a_model_dependent_value_is_checked_against_the_model():
    at = app_at({"attn_layer": "40", "attn_head": "1"}, "attention")
    assert "attn_layer=40" in captions(at)
    layer = at.slider(key="attn_layer")
    assert layer.value == layer.max and at.selectbox(key="attn_head").value == 1
    at = app_at({"attn_layer": "2"}, "attention")
    assert at.slider(key="attn_layer").value == 2 and "attn_layer" not in captions(at)


def test_a_change_is_written_into_the_address(app):
    at = open_page(app, "dynamicvit")
    at.slider(key="dyn_rho").set_value(0.45).run()      # inside the page's fragment
    assert at.query_params["dyn_rho"] == "0.45"
    at.radio(key="image_mode").set_value("gallery").run()
    assert at.query_params["image_mode"] == "gallery" and "scene_index" not in at.query_params


def address_writer(at) -> dict:
    """The data of the hidden element a page's fragment writes the address with in the browser."""
    found = [e for e in at.main if getattr(e, "type", None) == "bidi_component" and e.proto.id.endswith("vz_address")]
    assert len(found) == 1, "the fragment draws one address writer"
    return json.loads(found[0].proto.json)


@pytest.mark.parametrize("page, key, value", [("dynamicvit", "dyn_rho", 0.45), ("t2t", "t2t_k0", 5),
                                              ("compare", "cmp_rho", 0.5)])
def test_a_fragment_carries_the_address_it_writes_in_the_browser(app, page, key, value):
    """A whole run writes the address through Streamlit and the writer element carries the same address
    (written in the browser only in the fragment's own runs, which the browser test drives)."""
    at = open_page(app, page)
    at.slider(key=key).set_value(value).run()
    data = address_writer(at)
    assert data == {"query": urlencode(dict(at.query_params)), "write": False}
    assert parse_qs(data["query"])[key] == [str(value)]


def test_a_language_switch_keeps_choices(app):
    """(The browser test is the one that saw the defect: AppTest hands widget values back by value, the browser
    by their translated label.)"""
    at = app
    at.radio(key="image_mode").set_value("scene").run()
    at.number_input(key="scene_index").set_value(7).run()
    at = open_page(at, "dynamicvit")
    at.radio(key="dyn_semantics").set_value("training").run()
    at.selectbox(key="lang").set_value("zh").run()
    assert_clean(at)
    assert at.radio(key="image_mode").value == "scene" and at.radio(key="dyn_semantics").value == "training"
    assert at.number_input(key="scene_index").value == 7 and at.query_params["lang"] == "zh"
    at = open_page(at, "home")
    assert at.radio(key="image_mode").value == "scene" and at.number_input(key="scene_index").value == 7


def test_a_lesson_step_opens_its_page_with_the_text_beside_it():
    at = app_at({"lesson": "dynamicvit_in_5_steps", "step": "2", "image_mode": "scene", "scene_index": "3",
                 "dyn_rho": "0.5"}, "dynamicvit")
    text = " ".join(str(m.value) for m in at.markdown)
    assert "A smaller keep ratio" in text and "Step 2 of 5" in captions(at)
    assert at.slider(key="dyn_rho").value == 0.5
    at.button(key="lesson_next").click().run()
    assert_clean(at)
    assert "Step 3 of 5" in captions(at) and at.radio(key="dyn_semantics").value == "training"
    assert at.query_params["step"] == "3" and at.query_params["dyn_semantics"] == "training"
    at.button(key="lesson_prev").click().run()
    assert "Step 2 of 5" in captions(at) and at.radio(key="dyn_semantics").value == "inference"


def test_the_lesson_page_lists_the_lessons_and_starts_one(app):
    at = open_page(app, "lesson")
    assert at.selectbox(key="lesson_pick").options
    at.selectbox(key="lesson_pick").set_value("dynamicvit_in_5_steps").run()
    assert len([b for b in at.button if b.key.startswith("lesson_open_")]) == 5
    at.button(key="lesson_start").click().run()
    assert_clean(at)
    assert "Step 1 of 5" in captions(at) and at.query_params["lesson"] == "dynamicvit_in_5_steps"
