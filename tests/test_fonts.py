"""The shipped font (assets/fonts) draws every picture's text, Chinese included, on any machine: it holds every
character of the catalogue (rebuild it with ``python -m vizcore.plots.fonts`` when this fails), it stays small,
and every page's pictures, drawn in 简体中文, use it at 16 px or more with no glyph missing."""
from pathlib import Path

import numpy as np
import pytest
from PIL import ImageDraw

from tests.conftest import assert_clean, open_page
from tests.test_browser_projector import latin_words
from vizcore.plots import fonts
from vizcore.plots.overlay import colorbar, compose

ROOT = Path(__file__).resolve().parents[1]


def test_the_font_holds_every_catalogue_character():
    missing = {ch for ch in fonts.catalogue_characters() if fonts.missing_glyphs(ch)}
    assert not missing, (f"the catalogue gained characters the shipped font lacks: {sorted(missing)}; rebuild it: "
                         "python -m vizcore.plots.fonts /usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def test_the_check_sees_a_character_outside_the_font():
    assert fonts.missing_glyphs("第 2 层 ✓") == {"✓"} and fonts.missing_glyphs("Token 实验室 ρ×") == set()


def test_assets_stay_small():
    assert fonts.FONT_PATH.stat().st_size < 1_000_000
    assert sum(p.stat().st_size for p in (ROOT / "assets").rglob("*") if p.is_file()) <= 40 * 2 ** 20


def test_pictures_draw_chinese_with_the_shipped_font_at_16_px_or_more():
    tile = np.zeros((40, 80, 3), np.uint8)
    img = compose([tile, tile], ncols=2, labels=["第 3 层后：保留 100", "输入：144 个图块 token"])
    assert img.shape[0] >= 40 + fonts.TEXT_PX  # a caption row of at least one line
    assert (img[:fonts.TEXT_PX, :80] < 128).any()  # the caption is drawn (dark pixels), not boxes of nothing
    assert fonts.pil_font(9).size == fonts.TEXT_PX  # never below the floor
    bar = colorbar("viridis", 0.0, 1.0, "每个位置的窗口数")
    assert bar.shape[0] >= 14 + fonts.TEXT_PX


def test_matplotlib_uses_the_shipped_font():
    import matplotlib
    from matplotlib import font_manager
    fonts.use_in_matplotlib()
    assert matplotlib.rcParams["font.family"][0] == fonts.FAMILY
    assert Path(font_manager.findfont(fonts.FAMILY, fallback_to_default=False)).name == fonts.FONT_PATH.name
    assert fonts.points(fonts.TEXT_PX, 100) * 100 / 72 == pytest.approx(fonts.TEXT_PX)


@pytest.fixture
def drawn_text(monkeypatch):
    """Every text PIL and matplotlib draw while the test runs: (text, size in px, font file)."""
    from matplotlib.text import Text
    seen = []
    pil_text, mpl_draw = ImageDraw.ImageDraw.text, Text.draw

    def record_pil(self, xy, text, fill=None, font=None, *args, **kwargs):
        seen.append((str(text), getattr(font, "size", 0), getattr(font, "path", "bitmap")))
        return pil_text(self, xy, text, fill, font, *args, **kwargs)

    def record_mpl(self, renderer):
        if self.get_visible() and self.get_text():
            dpi = self.figure.dpi if self.figure is not None else 100
            seen.append((self.get_text(), self.get_fontsize() * dpi / 72, fonts.FONT_PATH.name
                         if fonts.FAMILY in self.get_fontfamily() else self.get_fontfamily()[0]))
        return mpl_draw(self, renderer)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", record_pil)
    monkeypatch.setattr(Text, "draw", record_mpl)
    return seen


#: page -> (session key, value) of each view to draw besides the page's first one
VIEWS = {"attention": [("attn_view", "grid")],
         "wukong": [("wk_view", "single"), ("wk_view", "assign"), ("wk_view", "cost")],
         "t2t": [("t2t_view", "footprint"), ("t2t_view", "schedule")],
         "poolformer": [("pf_view", v) for v in ("pool", "stages", "mixers", "cam")],
         "dynamicvit": [("dyn_semantics", "training")],
         "compare": []}


@pytest.mark.parametrize("page", list(VIEWS))
def test_every_page_draws_its_pictures_in_chinese_with_every_glyph(app, drawn_text, page):
    app.session_state["lang"] = "zh"
    open_page(app, page)
    for key, value in VIEWS[page]:
        app.session_state[key] = value
        app.run()
        assert_clean(app)
    # each picture is drawn once per process (the draw cache): one drawn earlier by another test is not seen
    # here, but the Chinese labels are new, so every page draws text now
    assert drawn_text, f"{page} drew no text"
    for text, px, font in drawn_text:
        assert Path(str(font)).name == fonts.FONT_PATH.name, (text, font)
        assert not fonts.missing_glyphs(text), (text, fonts.missing_glyphs(text))
        assert px >= fonts.TEXT_PX - 0.01, (text, px)
    english = {w for text, _, _ in drawn_text for w in latin_words(text)}
    assert not english, f"English drawn into {page}'s pictures in Chinese: {sorted(english)}"
