"""Animations on a page: a client-side player (every frame made once, on the server; playing, pausing, stepping
and the speed cost no round trip) and their downloads (GIF, JSON) — the files ``python -m vizcore render``
writes too (:func:`animation_files`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st
import streamlit.components.v1 as components

from vizcore.plots.animation import FRAME_MS, PLAYER_CONTROLS_HEIGHT, player_html, to_gif
from vizcore.ui.cache import draw
from vizcore.ui.downloads import downloads
from vizcore.ui.text import tr

if TYPE_CHECKING:  # only named in annotations: the views it imports would load skimage on the Home page
    from vizcore.views.animations import Animation

#: the player's words, by catalogue key
PLAYER_WORDS = ("play", "pause", "previous", "next", "speed", "frame")


def animation_files(anim: Animation, ms: int = FRAME_MS) -> dict:
    """The download arguments of an animation (``downloads`` / ``download_payloads``): the GIF and its
    numbers, each made when asked for."""
    return {"gif": lambda: to_gif(anim.frames, ms), "data": anim.data}


def animation(stem: str, anim: Animation, caption: str = "", ms: int = FRAME_MS) -> None:
    """Play ``anim`` in the browser under ``caption``, with a download menu (``stem``.gif, ``stem``.json)."""
    words = {w: tr(f"anim.{w}") for w in PLAYER_WORDS}
    captions = [tr(anim.caption_key, **fields) for fields in anim.captions]
    html = draw(player_html, anim.frames, captions, words, ms)
    if caption:
        st.caption(caption)
    components.html(html, height=anim.frames[0].shape[0] + PLAYER_CONTROLS_HEIGHT)
    downloads(stem, **animation_files(anim, ms))

