"""AppTest: defects of issue 13 that only the running pages show — the upload mode's stray sample box,
the patch click's session-state warning, the layer x head grid's controls."""
import pytest
import numpy as np
from streamlit.elements.lib import policies

from vizcore.plots.attention_views import layer_head_grid
from vizcore.views.attention import grid_tile

from conftest import assert_clean, open_page, tables


@pytest.fixture
def widget_defaults(monkeypatch):
    """(key, default value) of every widget a run creates. Streamlit logs "created with a default value but also
    had its value set via the Session State API" (with a stack trace) for a widget that has both; AppTest
    hands state to a run as old state, so the log itself never fires here: the default is what is checked."""
    created = []
    check = policies.check_session_state_rules

    def record(default_value, key, writes_allowed=True):
        created.append((key, default_value))
        return check(default_value, key, writes_allowed)

    monkeypatch.setattr(policies, "check_session_state_rules", record)
    return created


def test_a_clicked_patch_sets_the_patch_without_a_warning(app, widget_defaults):
    at = open_page(app, "attention")
    at.segmented_control(key="attn_view").set_value("patch").run()
    assert_clean(at)
    assert at.number_input(key="attn_patch").value == 6 * 12 + 6  # the centre patch by default
    at.session_state["attn_patch"] = 7  # what the click callback does
    at.run()
    assert_clean(at)
    assert at.number_input(key="attn_patch").value == 7
    defaults = [d for key, d in widget_defaults if key == "attn_patch"]
    assert defaults and all(d is None for d in defaults), defaults  # set through session state only


def test_the_layer_head_grid_fills_the_page_and_rests_the_controls_it_ignores(app):
    at = open_page(app, "attention")
    assert not at.slider(key="attn_layer").disabled and not at.selectbox(key="attn_head").disabled
    at.segmented_control(key="attn_view").set_value("grid").run()
    assert_clean(at)
    assert at.slider(key="attn_layer").disabled and at.selectbox(key="attn_head").disabled  # they change nothing
    assert any(c.startswith("Rows: layers") for el in at.get("image") for c in el.captions)


@pytest.mark.parametrize("heads", [4, 6, 12])
def test_the_grid_picture_is_page_wide(heads):
    """Before: 84 px maps, a 4-head grid about 370 px wide in a 1200 px page (70 % empty)."""
    maps = np.random.default_rng(0).random((2, heads, 12, 12))
    view = np.zeros((96, 96, 3), dtype=np.uint8)
    img = layer_head_grid(view, maps, ["a", "b"], [str(i) for i in range(heads)], tile=grid_tile(heads))
    assert img.shape[1] >= 900, img.shape


def test_upload_mode_shows_no_sample_box(app):
    at = app
    at.radio(key="image_mode").set_value("gallery").run()
    assert_clean(at)
    assert [s.key for s in at.sidebar.selectbox].count("sample") == 1
    at.selectbox(key="sample").set_value(at.selectbox(key="sample").options[1]).run()
    chosen = at.session_state["sample"]
    at.radio(key="image_mode").set_value("upload").run()
    assert_clean(at)
    assert "sample" not in [s.key for s in at.sidebar.selectbox]  # before: "Sample photo: Astronaut" above it
    assert at.sidebar.file_uploader(key="upload") is not None
    at.radio(key="image_mode").set_value("gallery").run()
    assert_clean(at)
    assert at.selectbox(key="sample").value == chosen  # the gallery choice is kept meanwhile


def test_compare_holds_the_chosen_measure_within_two_percent(app):
    at = open_page(app, "compare")
    rows = tables(at)[0].value
    assert "p" not in rows.columns and "class" not in rows.columns  # said what they are
    assert_matched(at, rows, "Off the budget's mean patch tokens per layer (%)")
    at.radio(key="cmp_measure").set_value("gmacs").run()
    assert_clean(at)
    assert_matched(at, tables(at)[0].value, "Off the budget's GMACs (%)")
    assert any("GMACs" in c.value and "within 2 %" in c.value for c in at.caption)


def assert_matched(at, rows, column):
    """Every method within 2 % of the budget, but an adaptive sampler (ATS): matched by its budget, it spends
    less on this image, and the caption says how much less."""
    caption = next(c.value for c in at.caption if "adaptive sampler" in c.value)
    adaptive = 0
    for method, off in zip(rows["Method"], rows[column]):
        if off in ("", "–"):
            continue
        if method.startswith("ATS"):
            adaptive += 1
            assert float(off) < -2 and f"{method} {float(off):+.1f} %" in caption
        else:
            assert abs(float(off)) <= 2, (method, off)
    assert adaptive == 1


def test_dynamicvit_training_caption_gives_the_drawn_and_the_expected_counts(app):
    at = open_page(app, "dynamicvit")
    assert any(c.value.startswith("Patch tokens kept: 144 → 100 → 70 → 49") for c in at.caption)
    at.radio(key="dyn_semantics").set_value("training").run()
    assert_clean(at)
    caption = next(c.value for c in at.caption if c.value.startswith("Patch tokens kept in this Gumbel draw"))
    assert "expected over draws" in caption and "CLS token is not counted" in caption
