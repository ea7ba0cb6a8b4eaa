"""A load generator: N sessions at once against one server, each with its own photo and language, visiting
every page and moving its controls for a fixed time.

``python -m vizcore load --sessions 8 --seconds 60 --json`` starts the app on a free loopback port (or
targets ``--url``) and drives N sessions with one of two clients:

- ``--client browser`` (the default): N contexts of one headless chromium (Playwright, asyncio: one browser
  process for all). What a visitor's browser does, drawing included; on a small machine the browsers take
  the cores the server needs.
- ``--client protocol``: N websockets speaking Streamlit's protocol as its frontend does
  (``vizcore.load_protocol``), all in one asyncio process: the cores are left to the server.

In each session: opens Home, chooses its language (odd sessions 简体中文), switches to upload mode, uploads its
own photo (a distinct colour), then cycles through the pages by the sidebar's navigation, moving one control
on each. It reports (``vizcore.load_common.summarise``):

- interaction times (setup, a page opened, a control moved, until Streamlit has finished the run): p50, p95,
  max, overall and per kind;
- errors: an interaction that timed out or failed, a page error in the browser, an exception on the page;
- leaks: a session that saw another's photo (the sidebar picture's colour is another session's) or
  another's language;
- sessions answered (at least one interaction completed after the upload), uploads shown, and the server's
  RSS (its peak while the sessions ran, and after they closed and ``--after`` seconds passed), when it
  started it.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from vizcore import load_protocol
from vizcore.bench_ui import CHROMIUM_ARGS, PAGE_ACTIONS, ROOT, RUN_DONE_JS, _serve
from vizcore.cli import non_negative_float, positive_int
from vizcore.load_common import (LANGUAGE_MARK, LANGUAGE_NAME, PAGES, SHOWN_TOLERANCE, UPLOAD_OPTION, Visitor, healthy,
                                 nearest_session, percentile, rss, session_colour, session_photo, summarise, watch_rss)

#: the clients a run can drive its sessions with
CLIENTS = ("browser", "protocol")
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
    f"return !!c && Math.abs(c[0] - rgb[0]) + Math.abs(c[1] - rgb[1]) + Math.abs(c[2] - rgb[2]) < {SHOWN_TOLERANCE}; }}"
HEADING = '[data-testid="stMain"] h1, [data-testid="stMain"] [data-testid="stMarkdownContainer"]'
SIDEBAR_TEXT_JS = "() => (document.querySelector('[data-testid=\"stSidebar\"]') || document.body).innerText"
EXCEPTION_JS = "() => document.querySelectorAll('[data-testid=\"stException\"]').length"
__all__ = ["LANGUAGE_MARK", "LANGUAGE_NAME", "PAGES", "UPLOAD_OPTION", "nearest_session", "percentile", "run",
           "session_colour", "session_photo"]


class Session(Visitor):
    """One visitor in a browser context: its own photo and language, and what it saw."""

    def __init__(self, index: int, sessions: int, url: str, timeout_s: float, every_page: bool = False):
        super().__init__(index, sessions, every_page)
        self.url = url
        self.timeout_ms = timeout_s * 1000

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
            self.failed(what, err)
            return False
        self.times.append((kind, time.monotonic() - t0))
        if await page.evaluate(EXCEPTION_JS):
            self.error(what, "an exception shown on the page")
        return True

    async def _check(self, page, where: str) -> None:
        """The sidebar shows this session's photo and speaks its language."""
        rgb = None
        for _ in range(50):  # the picture may still be loading
            rgb = await page.evaluate(CENTRE_RGB_JS)
            if rgb is not None:
                break
            await asyncio.sleep(0.1)
        self.check(where, rgb, await page.evaluate(SIDEBAR_TEXT_JS))

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
        page.on("pageerror", lambda err: self.error("page error", str(err)))
        try:
            await self._visit(page, photo, deadline)
        except Exception as err:  # the session could not go on: counted, the others continue
            self.failed("stopped", err)
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
        if not await self._timed(page, "upload", lambda: picker.set_input_files(files, timeout=self.timeout_ms),
                                 shown=(SHOWS_COLOUR_JS, list(self.colour))):
            return
        self.upload_shown = True
        await self._check(page, "home")
        visited = 0
        # every session opens one page at least; with every_page, each page once at least
        while self.pages_wanted(visited, deadline, time.monotonic()):
            name = PAGES[visited % len(PAGES)]
            visited += 1
            link = sidebar.locator(f'a[href$="/{name}"]').first
            await self.read()
            if await self._timed(page, f"open {name}", lambda: link.click(timeout=self.timeout_ms), kind="open"):
                self.answered = True
                self.opened.add(name)
                await self._check(page, name)
                await self.read()
                if time.monotonic() < deadline and await self._move(page, name):
                    await self._check(page, f"{name} control")


async def _drive_browsers(url: str, visitors: list[Session], seconds: float, chromium: str, timeout_s: float,
                          warm: bool) -> float:
    """Run the browser ``visitors`` against ``url`` (one chromium, a context each); returns the seconds they took."""
    from playwright.async_api import async_playwright  # deferred: a test-only dependency, needed by this command only
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
            await v.run(browser, session_photo(v.index, v.sessions), deadline)
        await asyncio.gather(*(staggered(v) for v in visitors))
        elapsed = time.monotonic() - start
        await browser.close()
    return elapsed


async def _drive(url: str, sessions: int, seconds: float, chromium: str, timeout_s: float, server,
                 warm: bool, every_page: bool, client: str = "browser", think: float = 0.0) -> dict:
    """Drive ``sessions`` sessions with ``client`` while watching the server's RSS; the report."""
    peak = [0]
    watcher = asyncio.create_task(watch_rss(server, peak))
    try:
        if client == "protocol":
            visitors = [load_protocol.ProtocolSession(i, sessions, url, timeout_s, every_page) for i in range(sessions)]
            for v in visitors:
                v.think = think
            elapsed = await load_protocol.drive(url, visitors, seconds, timeout_s, warm)
        else:
            visitors = [Session(i, sessions, url, timeout_s, every_page) for i in range(sessions)]
            for v in visitors:
                v.think = think
            elapsed = await _drive_browsers(url, visitors, seconds, chromium, timeout_s, warm)
    finally:
        watcher.cancel()
    return {**summarise(visitors, seconds, elapsed, peak[0] if server is not None else None), "client": client,
            "think_s": think}


def run(sessions: int, seconds: float, url: str | None = None, chromium: str = "/usr/bin/chromium",
        timeout_s: float = 120.0, after: float = 0.0, server_pid: int | None = None, warm: bool = True,
        every_page: bool = False, client: str = "browser", think: float = 0.0) -> dict:
    """Drive ``sessions`` sessions (``client``: ``browser``, chromium contexts, or ``protocol``, Streamlit's
    websocket protocol) for ``seconds`` against ``url`` (else a server started here on a free loopback port
    and stopped afterwards); the figures described in the module docstring. ``warm``: first open Home and
    Attention once, so the server has imported its libraries (not timed). ``every_page``: each session goes on
    past ``seconds`` until it has opened every page. ``think``: mean seconds a visitor reads before each page
    switch and control move (0: back to back, every session always waiting on the server)."""
    import psutil  # deferred: a test-only dependency, needed by this command only
    if client not in CLIENTS:
        raise ValueError(f"unknown client {client!r}; one of {', '.join(CLIENTS)}")
    proc = None
    if url is None:
        proc, url = _serve(ROOT / "app.py", ROOT)
        server_pid = proc.pid
    server = psutil.Process(server_pid) if server_pid else None
    try:
        result = asyncio.run(_drive(url.rstrip("/"), sessions, seconds, chromium, timeout_s, server, warm,
                                    every_page, client, think))
        if server is not None:
            result["rss_end_mb"] = round(rss(server) / 2**20)
            if after > 0:
                time.sleep(after)  # the sessions have closed: what they uploaded is released by the sweep
                result["rss_after_mb"] = round(rss(server) / 2**20)
                result["after_s"] = after
        result["server_up"] = healthy(url)
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


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("load", help="drive N concurrent sessions (browsers, or Streamlit's websocket "
                                           "protocol) against the app; latency, errors, cross-session leaks, "
                                           "server memory")
    p.add_argument("--sessions", type=positive_int, default=8, help="concurrent sessions")
    p.add_argument("--seconds", type=positive_int, default=60, help="how long each session keeps interacting")
    p.add_argument("--client", choices=CLIENTS, default="browser",
                   help="browser: headless chromium contexts; protocol: Streamlit's websocket protocol spoken "
                        "directly (no browser: the load on the cores is the server's)")
    p.add_argument("--url", default=None, help="a running server (default: start one on a free loopback port)")
    p.add_argument("--server-pid", type=positive_int, default=None, help="with --url: its process, for RSS")
    p.add_argument("--timeout", type=positive_int, default=120, help="seconds one interaction may take")
    p.add_argument("--after", type=float, default=0.0, help="then wait this long and measure RSS again")
    p.add_argument("--cold", action="store_true", help="no warm-up visit before the sessions start")
    p.add_argument("--every-page", action="store_true", help="each session goes on until it opened every page")
    p.add_argument("--think", type=non_negative_float, default=0.0,
                   help="mean seconds a visitor reads between two interactions (0: back to back)")
    p.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=_cmd)


def _cmd(args) -> int:
    res = run(args.sessions, args.seconds, args.url, args.chromium, args.timeout, args.after, args.server_pid,
              not args.cold, args.every_page, args.client, args.think)
    if args.json:
        print(json.dumps(res, indent=1))
    else:
        print(f"{res['sessions']} {res['client']} sessions, {res['seconds']} s: {res['interactions']} interactions, "
              f"p50 {res['p50_s']} s, p95 {res['p95_s']} s, errors {res['errors']}, leaks {res['leaks']}, "
              f"answered {res['answered']}/{res['sessions']}, RSS peak {res['rss_peak_mb']} MB")
        for line in res["error_samples"] + res["leak_samples"]:
            print(f"  {line}", file=sys.stderr)
    return 0 if res["errors"] == 0 and res["leaks"] == 0 else 1
