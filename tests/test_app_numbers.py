"""AppTest: defects of issue 13 that only the running pages show — the upload mode's stray sample box,
the patch click's session-state warning, the layer x head grid's controls."""
import pytest
from streamlit.elements.lib import policies

from conftest import assert_clean, open_page


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
