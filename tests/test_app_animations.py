"""Every page's animation toggle (AppTest): the player is drawn, with a GIF + JSON download menu, and nothing
is drawn while the toggle is off."""
import pytest

from tests.conftest import assert_clean, open_page


def players(at) -> list:
    """The animation players on the page: the iframes holding frames (the sidebar's Copy link is an iframe too)."""
    return [el for el in at.get("iframe") if "tl-frame" in el.proto.srcdoc]


@pytest.mark.parametrize("page, setup, toggle", [
    ("dynamicvit", {}, "dyn_fate_anim"),
    ("dynamicvit", {"dyn_semantics": "training"}, "dyn_gumbel_anim"),
    ("compare", {}, "cmp_fate_anim"),
    ("t2t", {}, "t2t_slide_anim"),
    ("attention", {}, "attn_cls_anim"),
])
def test_each_animation_plays_on_its_page(app, page, setup, toggle):
    at = open_page(app, page)
    for key, value in setup.items():
        at.radio(key=key).set_value(value).run()
        assert_clean(at)
    assert not players(at)
    menus = len(at.get("popover"))
    at.toggle(key=toggle).set_value(True).run()
    assert_clean(at)
    (player,) = players(at)
    assert "tl-frame" in player.proto.srcdoc and "data:image/png;base64," in player.proto.srcdoc
    assert len(at.get("popover")) == menus + 1  # the animation's own download menu
