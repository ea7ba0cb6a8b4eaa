"""A load generator: N browser sessions at once against one server, each with its own photo and language,
visiting every page and moving its controls for a fixed time.

``python -m vizcore load --sessions 8 --seconds 60 --json`` starts the app on a free loopback port (or
targets ``--url``), opens N contexts of one headless chromium (Playwright, asyncio: one browser process
scales to dozens of sessions on two cores), and in each session: opens Home, chooses its language (odd
sessions 简体中文), uploads its own photo (a distinct colour), then cycles through the pages by the sidebar
links, moving one control on each. It reports:

- interaction times (a page switch or a control moved, until Streamlit has finished the run): p50, p95, max;
- errors: an interaction that timed out or failed, a page error in the browser, an exception on the page;
- leaks: a session that saw another's photo (the sidebar picture's colour is nearest another session's) or
  another's language;
- sessions answered (at least one interaction completed after the upload), and the server's RSS (its
  peak while the sessions ran, and after they closed and ``--after`` seconds passed), when it started it.
"""
from __future__ import annotations

import asyncio
import colorsys
import io
import json
import os
import statistics
import sys
import time
import urllib.request

import numpy as np
from PIL import Image

from vizcore.bench_ui import CHROMIUM_ARGS, PAGE_ACTIONS, ROOT, RUN_DONE_JS, _serve
from vizcore.cli import positive_int

#: the pages every session visits in turn (url paths), with Home first
PAGES = ("attention", "wukong", "t2t", "poolformer", "dynamicvit", "compare", "tradeoffs")
#: the label of the image-source radio in each language: a session's language is checked by it
LANGUAGE_MARK = {"en": "Image source", "zh": "图像来源"}
LANGUAGE_NAME = {"en": "English", "zh": "简体中文"}
UPLOAD_OPTION = {"en": "Upload", "zh": "上传"}
#: the mean colour of the centre of the sidebar's picture (same-origin media, read through a canvas)
CENTRE_RGB_JS = """() => {
  const img = document.querySelector('[data-testid="stSidebar"] [data-testid="stImage"] img');
  if (!img || !img.complete || !img.naturalWidth) return null;
  const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const w = Math.max(1, Math.floor(c.width / 4)), h = Math.max(1, Math.floor(c.height / 4));
  const d = g.getImageData(Math.floor(c.width / 2 - w / 2), Math.floor(c.height / 2 - h / 2), w, h).data;
  const s = [0, 0, 0]; for (let i = 0; i < d.length; i += 4) { s[0] += d[i]; s[1] += d[i+1]; s[2] += d[i+2]; }
  const n = d.length / 4; return [s[0] / n, s[1] / n, s[2] / n];
}"""
#: what a run changes: the pictures and text of the whole app (a sidebar choice changes only the sidebar)
SIGNATURE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]') || document.body;
  return Array.from(app.querySelectorAll('img')).map(e => e.src).join('|') + '#' + app.innerText;
}"""
#: the sidebar's picture has the colour given (within a JPEG's error), so an upload has been shown
SHOWS_COLOUR_JS = "(rgb) => { const c = (" + CENTRE_RGB_JS + ")(); " \
    "return !!c && Math.abs(c[0] - rgb[0]) + Math.abs(c[1] - rgb[1]) + Math.abs(c[2] - rgb[2]) < 40; }"
HEADING = '[data-testid="stMain"] h1, [data-testid="stMain"] [data-testid="stMarkdownContainer"]'
SIDEBAR_TEXT_JS = "() => (document.querySelector('[data-testid=\"stSidebar\"]') || document.body).innerText"
EXCEPTION_JS = "() => document.querySelectorAll('[data-testid=\"stException\"]').length"


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


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (nearest rank) of ``values``, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(np.ceil(q / 100 * len(ordered))) - 1))]


class Session:
    """One visitor: a browser context, its own photo and language, and what it saw."""

    def __init__(self, index: int, sessions: int, url: str, timeout_s: float, every_page: bool = False):
        self.index, self.sessions, self.url, self.every_page = index, sessions, url, every_page
        self.lang = "zh" if index % 2 else "en"
        self.timeout_ms = timeout_s * 1000
        self.times: list[tuple[str, float]] = []  # (kind: setup, open or control, seconds)
        self.errors: list[str] = []
        self.leaks: list[str] = []
        self.answered = False
        self.opened: set[str] = set()  # pages opened without error

    async def _done(self, page, before: str | None) -> None:
        """Wait until the page changed from ``before`` (the run has begun) and Streamlit finished the run."""
        if before is not None:
            await page.wait_for_function(f"(old) => ({SIGNATURE_JS})() !== old", arg=before,
                                         timeout=self.timeout_ms, polling=100)
        await page.wait_for_function(RUN_DONE_JS, timeout=self.timeout_ms, polling=100)

    async def _timed(self, page, what: str, act, shown=None, kind: str = "setup") -> bool:
        """Run the interaction ``act()`` and wait for its run (with ``shown``, a JS test of the page, until it
        holds instead of until the page changed); its time recorded, or its failure."""
        before = await page.evaluate(SIGNATURE_JS)
        t0 = time.monotonic()
        try:
            await act()
            if shown is None:
                await self._done(page, before)
            else:
                await page.wait_for_function(shown[0], arg=shown[1], timeout=self.timeout_ms, polling=100)
                await self._done(page, None)
        except Exception as err:  # a timeout or a failed click: an error of the run, reported, not fatal
            self.errors.append(f"session {self.index} {what}: {type(err).__name__}: {str(err).splitlines()[0]}")
            return False
        self.times.append((kind, time.monotonic() - t0))
        if await page.evaluate(EXCEPTION_JS):
            self.errors.append(f"session {self.index} {what}: an exception shown on the page")
        return True

    async def _check(self, page, where: str) -> None:
        """The sidebar shows this session's photo and speaks its language."""
        rgb = None
        for _ in range(50):  # the picture may still be loading
            rgb = await page.evaluate(CENTRE_RGB_JS)
            if rgb is not None:
                break
            await asyncio.sleep(0.1)
        if rgb is None:
            self.errors.append(f"session {self.index} {where}: no picture in the sidebar")
        elif (seen := nearest_session(rgb, self.sessions)) != self.index:
            self.leaks.append(f"session {self.index} {where}: sees session {seen}'s photo")
        text = await page.evaluate(SIDEBAR_TEXT_JS)
        other = "en" if self.lang == "zh" else "zh"
        if LANGUAGE_MARK[self.lang] not in text or LANGUAGE_MARK[other] in text:
            self.leaks.append(f"session {self.index} {where}: the sidebar is not in its language {self.lang}")

    async def _move(self, page, name: str) -> bool:
        """Move the page's control as bench-ui does (a slider one step, a radio group to its next option);
        a session in Chinese moves the first slider (the labels are English)."""
        kind, arg = PAGE_ACTIONS.get(name, ("slider", None))
        main = page.locator('[data-testid="stMain"]')
        if kind == "slider":
            label = arg if self.lang == "en" else None
            control = main.locator(f'input[type="range"][aria-label^="{label}"]' if label
                                   else 'input[type="range"]').first
        else:
            control = main.locator('[data-testid="stRadio"]').nth(arg).locator("input[type=radio]:checked")

        async def act():
            key = "ArrowRight"  # a radio group: its next option
            if kind == "slider":  # one step down, or up from the minimum: the value always changes
                at_min = await control.evaluate("e => Number(e.value) <= Number(e.min)", timeout=self.timeout_ms)
                key = "ArrowRight" if at_min else "ArrowLeft"
            await control.focus(timeout=self.timeout_ms)
            await page.keyboard.press(key)
        return await self._timed(page, f"{name} control", act, kind="control")

    async def run(self, browser, photo: bytes, deadline: float) -> None:
        context = await browser.new_context(viewport={"width": 1200, "height": 900})
        page = await context.new_page()
        page.on("pageerror", lambda err: self.errors.append(f"session {self.index} page error: {err}"))
        try:
            await self._visit(page, photo, deadline)
        except Exception as err:  # the session could not go on: counted, the others continue
            self.errors.append(f"session {self.index} stopped: {type(err).__name__}: {str(err).splitlines()[0]}")
        finally:
            await context.close()

    async def _visit(self, page, photo: bytes, deadline: float) -> None:
        sidebar = page.locator('[data-testid="stSidebar"]')
        t0 = time.monotonic()
        await page.goto(self.url, wait_until="domcontentloaded", timeout=self.timeout_ms)
        await sidebar.locator('[data-testid="stRadio"]').first.wait_for(timeout=self.timeout_ms)
        await self._done(page, None)
        self.times.append(("setup", time.monotonic() - t0))
        if self.lang != "en":
            async def choose_language():
                await sidebar.locator('[data-testid="stSelectbox"]').first.click(timeout=self.timeout_ms)
                await page.get_by_role("option", name=LANGUAGE_NAME[self.lang]).click(timeout=self.timeout_ms)
            if not await self._timed(page, "language", choose_language):
                return
        upload_choice = sidebar.locator('[data-testid="stRadio"]').first.get_by_text(UPLOAD_OPTION[self.lang], exact=True)
        if not await self._timed(page, "upload mode", lambda: upload_choice.click(timeout=self.timeout_ms)):
            return
        picker = sidebar.locator('input[type="file"]').first
        files = {"name": f"session-{self.index}.png", "mimeType": "image/png", "buffer": photo}
        colour = list(session_colour(self.index, self.sessions))
        if not await self._timed(page, "upload", lambda: picker.set_input_files(files, timeout=self.timeout_ms),
                                 shown=(SHOWS_COLOUR_JS, colour)):
            return
        await self._check(page, "home")
        visited = 0
        # every session opens one page at least; with every_page, each page once at least
        while visited < (len(PAGES) if self.every_page else 1) or time.monotonic() < deadline:
            name = PAGES[visited % len(PAGES)]
            visited += 1
            link = sidebar.locator(f'a[href$="/{name}"]').first
            if await self._timed(page, f"open {name}", lambda: link.click(timeout=self.timeout_ms), kind="open"):
                self.answered = True
                self.opened.add(name)
                await self._check(page, name)
                if time.monotonic() < deadline and await self._move(page, name):
                    await self._check(page, f"{name} control")


def _rss(proc) -> int:
    """Resident bytes of ``proc`` and its children."""
    try:
        return proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
    except Exception:  # the process ended while measured
        return 0


async def _drive(url: str, sessions: int, seconds: float, chromium: str, timeout_s: float, server,
                 warm: bool, every_page: bool) -> dict:
    from playwright.async_api import async_playwright  # deferred: a test-only dependency, needed by this command only
    peak = [0]

    async def watch():
        while True:
            if server is not None:
                peak[0] = max(peak[0], _rss(server))
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch())
    visitors = [Session(i, sessions, url, timeout_s, every_page) for i in range(sessions)]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        if warm:  # the server's first import of torch and timm is a server start's cost, not a visitor's
            context = await browser.new_context()
            page = await context.new_page()
            for path in ("", "/attention"):
                await page.goto(url + path, wait_until="domcontentloaded", timeout=timeout_s * 3000)
                await page.locator(HEADING).first.wait_for(timeout=timeout_s * 3000)
                await page.wait_for_function(RUN_DONE_JS, timeout=timeout_s * 3000, polling=200)
            await context.close()
        start = time.monotonic()
        deadline = start + seconds

        async def staggered(v):
            await asyncio.sleep(0.2 * v.index)  # a class arrives within seconds, not in the same millisecond
            await v.run(browser, session_photo(v.index, sessions), deadline)
        await asyncio.gather(*(staggered(v) for v in visitors))
        elapsed = time.monotonic() - start
        await browser.close()
    watcher.cancel()
    times = [t for v in visitors for _, t in v.times]
    by_kind = {kind: [t for v in visitors for k, t in v.times if k == kind] for kind in ("setup", "open", "control")}
    errors = [e for v in visitors for e in v.errors]
    leaks = [e for v in visitors for e in v.leaks]
    return {
        "sessions": sessions, "seconds": seconds, "elapsed_s": round(elapsed, 1),
        "interactions": len(times),
        "p50_s": None if not times else round(statistics.median(times), 3),
        "p95_s": None if not times else round(percentile(times, 95), 3),
        "max_s": None if not times else round(max(times), 3),
        "by_kind": {kind: {"n": len(ts), "p50_s": None if not ts else round(statistics.median(ts), 3),
                           "p95_s": None if not ts else round(percentile(ts, 95), 3)} for kind, ts in by_kind.items()},
        "errors": len(errors), "leaks": len(leaks), "answered": sum(v.answered for v in visitors),
        "pages_opened_min": min(len(v.opened) for v in visitors),
        "error_samples": errors[:10], "leak_samples": leaks[:10],
        "rss_peak_mb": round(peak[0] / 2**20) if server is not None else None,
    }


def run(sessions: int, seconds: float, url: str | None = None, chromium: str = "/usr/bin/chromium",
        timeout_s: float = 120.0, after: float = 0.0, server_pid: int | None = None, warm: bool = True,
        every_page: bool = False) -> dict:
    """Drive ``sessions`` browser sessions for ``seconds`` against ``url`` (else a server started here on a
    free loopback port and stopped afterwards); the figures described in the module docstring. ``warm``:
    first open Home and Attention once, so the server has imported its libraries (not timed).
    ``every_page``: each session goes on past ``seconds`` until it has opened every page."""
    import psutil  # deferred: a test-only dependency, needed by this command only
    proc = None
    if url is None:
        proc, url = _serve(ROOT / "app.py", ROOT)
        server_pid = proc.pid
    server = psutil.Process(server_pid) if server_pid else None
    try:
        result = asyncio.run(_drive(url.rstrip("/"), sessions, seconds, chromium, timeout_s, server, warm,
                                    every_page))
        if server is not None:
            result["rss_end_mb"] = round(_rss(server) / 2**20)
            if after > 0:
                time.sleep(after)  # the sessions have closed: what they uploaded is released by the sweep
                result["rss_after_mb"] = round(_rss(server) / 2**20)
                result["after_s"] = after
        result["server_up"] = _healthy(url)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(15)
            except Exception:  # it did not stop in time
                proc.kill()
    result.update({"cpus": os.cpu_count(), "loadavg_1m": round(os.getloadavg()[0], 2), "url_given": proc is None,
                   "every_page": every_page})
    return result


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_stcore/health", timeout=10) as r:
            return r.status == 200
    except OSError:
        return False


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("load", help="drive N concurrent browser sessions against the app; latency, errors, "
                                           "cross-session leaks, server memory")
    p.add_argument("--sessions", type=positive_int, default=8, help="concurrent sessions")
    p.add_argument("--seconds", type=positive_int, default=60, help="how long each session keeps interacting")
    p.add_argument("--url", default=None, help="a running server (default: start one on a free loopback port)")
    p.add_argument("--server-pid", type=positive_int, default=None, help="with --url: its process, for RSS")
    p.add_argument("--timeout", type=positive_int, default=120, help="seconds one interaction may take")
    p.add_argument("--after", type=float, default=0.0, help="then wait this long and measure RSS again")
    p.add_argument("--cold", action="store_true", help="no warm-up visit before the sessions start")
    p.add_argument("--every-page", action="store_true", help="each session goes on until it opened every page")
    p.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=_cmd)


def _cmd(args) -> int:
    res = run(args.sessions, args.seconds, args.url, args.chromium, args.timeout, args.after, args.server_pid,
              not args.cold, args.every_page)
    if args.json:
        print(json.dumps(res, indent=1))
    else:
        print(f"{res['sessions']} sessions, {res['seconds']} s: {res['interactions']} interactions, "
              f"p50 {res['p50_s']} s, p95 {res['p95_s']} s, errors {res['errors']}, leaks {res['leaks']}, "
              f"answered {res['answered']}/{res['sessions']}, RSS peak {res['rss_peak_mb']} MB")
        for line in res["error_samples"] + res["leak_samples"]:
            print(f"  {line}", file=sys.stderr)
    return 0 if res["errors"] == 0 and res["leaks"] == 0 else 1
