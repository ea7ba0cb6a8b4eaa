"""What the load generator's two clients share (``vizcore.load``: browser sessions; ``vizcore.load_protocol``:
Streamlit's websocket protocol): each session's photo and language, the leak check, the server's memory, and
the report.

A session is a :class:`Visitor`: it records its interaction times by kind (``setup``: opening Home, choosing the
language, upload mode, the upload; ``open``: a page switch; ``control``: a control moved), its errors and its
leaks (another session's photo or language seen), whichever client drives it.
"""
from __future__ import annotations

import asyncio
import colorsys
import io
import statistics
import urllib.request

import numpy as np
from PIL import Image

#: the pages every session visits in turn (url paths), after Home
PAGES = ("attention", "wukong", "t2t", "poolformer", "dynamicvit", "compare", "tradeoffs")
#: the label of the image-source radio in each language: a session's language is checked by it
LANGUAGE_MARK = {"en": "Image source", "zh": "图像来源"}
LANGUAGE_NAME = {"en": "English", "zh": "简体中文"}
UPLOAD_OPTION = {"en": "Upload", "zh": "上传"}
#: the kinds of interaction a report separates
KINDS = ("setup", "open", "control")
#: the largest sum of channel differences between a shown picture's centre and its session's colour (a JPEG's
#: error) for the picture to count as that session's upload shown
SHOWN_TOLERANCE = 40


def session_colour(index: int, sessions: int) -> tuple[int, int, int]:
    """A colour of its own for each session: hues spread around the circle, two brightness rings."""
    hue = (index * 0.618034) % 1.0  # golden-ratio steps: neighbours in index far apart in hue
    value = 0.95 if index % 2 == 0 else 0.6
    return tuple(int(round(255 * c)) for c in colorsys.hsv_to_rgb(hue, 0.85, value))


def session_photo(index: int, sessions: int, size: int = 256) -> bytes:
    """A distinct PNG for session ``index``: its colour, with a light texture at the borders (the centre,
    which the leak check reads, stays plain)."""
    rgb = np.empty((size, size, 3), np.uint8)
    rgb[:] = session_colour(index, sessions)
    rng = np.random.default_rng(index)
    border = size // 6
    noise = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
    rim = np.ones((size, size), bool)
    rim[border:-border, border:-border] = False
    rgb[rim] = (rgb[rim] // 2 + noise[rim] // 2)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


def nearest_session(rgb, sessions: int) -> int:
    """The session whose colour is nearest ``rgb``."""
    palette = np.array([session_colour(i, sessions) for i in range(sessions)], float)
    return int(np.argmin(((palette - np.asarray(rgb, float)) ** 2).sum(axis=1)))


def shows_colour(rgb, colour) -> bool:
    """Whether a picture whose centre is ``rgb`` shows ``colour`` (within a JPEG's error)."""
    return rgb is not None and float(np.abs(np.asarray(rgb, float) - np.asarray(colour, float)).sum()) < SHOWN_TOLERANCE


def centre_colour(picture: bytes) -> tuple[float, float, float]:
    """The mean colour of the centre of an encoded picture: a box of a quarter of its width and height, as the
    browser client reads it through a canvas."""
    rgb = np.asarray(Image.open(io.BytesIO(picture)).convert("RGB"), float)  # (H, W, 3)
    h, w, _ = rgb.shape
    bh, bw = max(1, h // 4), max(1, w // 4)
    top, left = h // 2 - bh // 2, w // 2 - bw // 2
    return tuple(float(c) for c in rgb[top:top + bh, left:left + bw].reshape(-1, 3).mean(0))


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (nearest rank) of ``values``, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(np.ceil(q / 100 * len(ordered))) - 1))]


class Visitor:
    """One session's identity (its photo's colour, its language) and what it saw, whichever client drives it."""

    def __init__(self, index: int, sessions: int, every_page: bool = False):
        self.index, self.sessions, self.every_page = index, sessions, every_page
        self.lang = "zh" if index % 2 else "en"
        self.times: list[tuple[str, float]] = []  # (kind: setup, open or control, seconds)
        self.errors: list[str] = []
        self.leaks: list[str] = []
        self.answered = False  # an interaction completed after the upload
        self.upload_shown = False  # the sidebar showed the session's own photo after its upload
        self.opened: set[str] = set()  # pages opened without error
        #: mean seconds the visitor reads the page before its next interaction (0: back to back)
        self.think = 0.0
        self._reading = np.random.default_rng([index, sessions])

    async def read(self) -> None:
        """Wait as a reader would before the next interaction: ``think`` seconds on average, between half and
        one and a half times it (seeded per session, so runs repeat)."""
        if self.think > 0:
            await asyncio.sleep(self.think * (0.5 + self._reading.random()))

    @property
    def colour(self) -> tuple[int, int, int]:
        return session_colour(self.index, self.sessions)

    def error(self, what: str, problem: str) -> None:
        self.errors.append(f"session {self.index} {what}: {problem}")

    def failed(self, what: str, err: BaseException) -> None:
        """An interaction that raised (a timeout, a closed socket, a failed click)."""
        text = str(err).splitlines()[0] if str(err) else ""
        self.error(what, f"{type(err).__name__}: {text}" if text else type(err).__name__)

    def check(self, where: str, rgb, sidebar_text: str) -> None:
        """The sidebar's picture (the mean colour ``rgb`` of its centre, None when there is none) is this
        session's photo, and the sidebar's text is in its language. Another session's photo or language is a
        leak; a picture that is no session's photo (the upload not shown) an error."""
        seen = None if rgb is None else nearest_session(rgb, self.sessions)
        if rgb is None:
            self.error(where, "no picture in the sidebar")
        elif seen != self.index and shows_colour(rgb, session_colour(seen, self.sessions)):
            self.leaks.append(f"session {self.index} {where}: sees session {seen}'s photo")
        elif not shows_colour(rgb, self.colour):
            self.error(where, f"the sidebar's picture (centre {[round(c) for c in rgb]}) is no session's photo")
        other = "en" if self.lang == "zh" else "zh"
        if LANGUAGE_MARK[self.lang] not in sidebar_text or LANGUAGE_MARK[other] in sidebar_text:
            self.leaks.append(f"session {self.index} {where}: the sidebar is not in its language {self.lang}")

    def pages_wanted(self, visited: int, deadline: float, now: float) -> bool:
        """Whether to open another page: every session opens one at least (with every_page, each page once
        at least), then goes on until the deadline."""
        return visited < (len(PAGES) if self.every_page else 1) or now < deadline


def rss(proc) -> int:
    """Resident bytes of ``proc`` (a psutil.Process) and its children."""
    try:
        return proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
    except Exception:  # the process ended while measured
        return 0


async def watch_rss(server, peak: list[int], every: float = 0.5) -> None:
    """Keep ``peak[0]`` at the largest RSS of ``server`` seen (until cancelled)."""
    while True:
        if server is not None:
            peak[0] = max(peak[0], rss(server))
        await asyncio.sleep(every)


def _kind_figures(ts: list[float]) -> dict:
    return {"n": len(ts), "p50_s": None if not ts else round(statistics.median(ts), 3),
            "p95_s": None if not ts else round(percentile(ts, 95), 3),
            "max_s": None if not ts else round(max(ts), 3)}


def summarise(visitors: list[Visitor], seconds: float, elapsed: float, peak_bytes: int | None) -> dict:
    """The report of a run: interaction times (all, and per kind), errors, leaks, sessions answered, pages
    opened, uploads shown, languages seen, and the server's peak RSS (None when it was not watched)."""
    times = [t for v in visitors for _, t in v.times]
    errors = [e for v in visitors for e in v.errors]
    leaks = [e for v in visitors for e in v.leaks]
    overall = _kind_figures(times)
    return {
        "sessions": len(visitors), "seconds": seconds, "elapsed_s": round(elapsed, 1),
        "interactions": len(times), "p50_s": overall["p50_s"], "p95_s": overall["p95_s"], "max_s": overall["max_s"],
        "by_kind": {kind: _kind_figures([t for v in visitors for k, t in v.times if k == kind]) for kind in KINDS},
        "errors": len(errors), "leaks": len(leaks), "answered": sum(v.answered for v in visitors),
        "uploads_shown": sum(v.upload_shown for v in visitors),
        "languages": sorted({v.lang for v in visitors if v.answered}),
        "pages_opened_min": min((len(v.opened) for v in visitors), default=0),
        "error_samples": errors[:10], "leak_samples": leaks[:10],
        "rss_peak_mb": None if peak_bytes is None else round(peak_bytes / 2**20),
    }


def healthy(url: str) -> bool:
    """Whether the server at ``url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_stcore/health", timeout=10) as r:
            return r.status == 200
    except OSError:
        return False
