"""The one font every picture draws its text with: a subset of WenQuanYi Micro Hei shipped in assets/fonts
(Latin, Greek and every character of the locale catalogue, Chinese included), so pictures and exported PNGs
render 简体中文 on a fresh machine without any system font. ``python -m vizcore.plots.fonts SOURCE.ttc``
rebuilds the subset from the catalogue (needed whenever the catalogue gains a character: a test fails).

Text burnt into a raster is at least ``TEXT_PX`` pixels (the font's em size, as CSS font-size), so a picture
shown at 7/8 of its natural width or more keeps every character at 14 CSS px or more.
"""
from __future__ import annotations

import string
import sys
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from vizcore.i18n import STRINGS

FONT_PATH = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "TokenLabSans.ttf"
FAMILY = "Token Lab Sans"
#: smallest text height in a raster, in image pixels at natural size
TEXT_PX = 16
#: smallest text a reader must read, in CSS px
MIN_CSS_PX = 14
#: characters pictures draw that are not in the catalogue: numbers, units, formulas, file names
EXTRA_CHARACTERS = (string.printable.strip() + " ρτπσλ×−·√≈≤≥→←↑↓…–—°±µ²³½‖∑∈∞°"
                    + "".join(chr(c) for c in range(0xA0, 0x100)))
#: catalogue characters the browser draws only (in formulas); the CJK font has no glyph for them
BROWSER_ONLY = frozenset("ᵀᵏ₀\n")


def catalogue_characters() -> set[str]:
    """Every character of every string in the catalogue (both languages), and ``EXTRA_CHARACTERS``."""
    chars = set(EXTRA_CHARACTERS)
    for entry in STRINGS.values():
        for text in entry.values():
            chars |= set(text)
    return chars - BROWSER_ONLY


@lru_cache(maxsize=1)
def _cmap() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # deferred: only the glyph checks need it
    return frozenset(TTFont(FONT_PATH).getBestCmap())


def missing_glyphs(text: str) -> set[str]:
    """The characters of ``text`` the shipped font cannot draw (whitespace ignored)."""
    return {ch for ch in text if not ch.isspace() and ord(ch) not in _cmap()}


@lru_cache(maxsize=32)
def pil_font(px: int = TEXT_PX) -> ImageFont.FreeTypeFont:
    """The shipped font at ``px`` pixels (em size) for PIL; never smaller than ``TEXT_PX``."""
    return ImageFont.truetype(str(FONT_PATH), max(int(px), TEXT_PX))


@lru_cache(maxsize=1)
def use_in_matplotlib() -> str:
    """Register the shipped font with matplotlib's font manager and make it the default family (DejaVu Sans
    behind it for any glyph it lacks); returns the family name."""
    import matplotlib  # deferred (about 0.35 s): as overlay.static_figure's
    from matplotlib import font_manager
    font_manager.fontManager.addfont(str(FONT_PATH))
    matplotlib.rcParams["font.family"] = [FAMILY, "DejaVu Sans"]
    matplotlib.rcParams["font.size"] = points(TEXT_PX, 100)  # every static figure draws at 100 dpi
    matplotlib.rcParams["axes.unicode_minus"] = False  # the font's hyphen-minus, not U+2212 at an odd width
    return FAMILY


def points(px: float, dpi: int) -> float:
    """A matplotlib font size in points that renders ``px`` pixels high at ``dpi``."""
    return px * 72.0 / dpi


def build_subset(source: str | Path, target: str | Path = FONT_PATH, font_number: int = 0) -> Path:
    """Write the subset of ``source`` (a .ttf/.ttc with CJK coverage) holding ``catalogue_characters()``,
    renamed to ``FAMILY``."""
    from fontTools import subset  # deferred: only the rebuild needs it
    from fontTools.ttLib import TTFont
    font = TTFont(str(source), fontNumber=font_number)
    options = subset.Options()
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.name_languages = [0x409]
    options.hinting = False
    options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in catalogue_characters()))
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "")
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    font.save(str(target))
    return Path(target)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m vizcore.plots.fonts SOURCE_FONT (e.g. wqy-microhei.ttc from fonts-wqy-microhei)")
    print(build_subset(sys.argv[1]))
