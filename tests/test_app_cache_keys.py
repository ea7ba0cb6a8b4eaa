"""AppTest: cached pictures are keyed by what they are drawn from, never by a key a page writes."""

from conftest import assert_clean


def _cost_chart(at) -> str:
    """The media URL of the per-layer cost chart (the page's last picture; the URL follows its bytes)."""
    return at.main.get("image")[-1].value[0]


def _set(at, rho=None, semantics=None) -> str:
    if rho is not None:
        at.slider(key="dyn_rho").set_value(rho).run()
    if semantics is not None:
        at.radio(key="dyn_semantics").set_value(semantics).run()
    assert_clean(at)
    return _cost_chart(at)


def test_dynamicvit_cost_chart_follows_the_semantics(dyn_page):
    """The issue's steps: rho 0.7, inference; training; back; rho away and back. Under training every
    layer keeps all 145 tokens, under inference they drop to 50: the two charts differ, and each view
    shows its own chart every time."""
    at = dyn_page
    inference = _set(at, rho=0.7, semantics="inference")
    training = _set(at, semantics="training")
    assert training != inference, "training semantics shows the inference cost chart (stale cache key)"
    assert _set(at, semantics="inference") == inference
    _set(at, rho=0.5)
    assert _set(at, rho=0.7) == inference
    assert _set(at, semantics="training") == training
    _set(at, rho=0.5)
    assert _set(at, rho=0.7) == training
    assert _set(at, semantics="inference") == inference
