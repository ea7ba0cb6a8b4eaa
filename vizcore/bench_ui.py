"""Browser benchmark of the app's pages against a trivial Streamlit page, measured in one run.

``python -m vizcore bench-ui --json`` starts the app and a one-slider page on free ports, drives Debian's
chromium with Playwright, and reports per page:
- cold: the first render of the page's first visit in the run (a fresh browser context opening its URL
  until it has settled), and "reopen", the median of two more such opens (the server has its pictures);
- warm: the p50 of one control moved back and forth until the page has settled, and for sliders "fresh",
  the p50 of a slider dragged through values the app has not seen;
each warm move comes right after one on the trivial page, so both series see the same machine load.
"Settled": Streamlit's run has finished and the time is that of the last DOM change, so charts drawn after
the run and late images count. Not a test: it prints numbers.
"""
from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
TRIVIAL_APP = """import streamlit as st
value = st.slider("Value", 0, 100, 50)
choice = st.radio("Choice", ["a", "b"], horizontal=True)
st.write(f"The value is {value}, the choice {choice}")
"""
# url path -> the control changed for a warm interaction: a slider (by aria-label prefix) moved one step,
# or the n-th radio group of the page toggled between its first two options
PAGE_ACTIONS = {
    "attention": ("slider", "Layer"),
    "wukong": ("radio", 0),
    "t2t": ("slider", "kernel k"),
    "poolformer": ("radio", 0),
    "dynamicvit": ("slider", "Keep ratio ρ"),
    "compare": ("slider", "Keep ratio ρ (pruners)"),
    "tradeoffs": ("radio", 1),
}
SIGNATURE_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  return Array.from(main.querySelectorAll('img')).map(e => e.src).join('|') + '#' + main.innerText;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(script: Path, cwd: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false"], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit did not start for {script}")


#: installed in every page before its scripts: the time of the latest DOM change (performance.now() clock)
OBSERVER_JS = """(() => {
  window.__lastChange = performance.now();
  const watch = () => new MutationObserver(() => { window.__lastChange = performance.now(); })
    .observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
  if (document.documentElement) watch(); else document.addEventListener('DOMContentLoaded', watch);
})()"""
#: Streamlit has finished the run: the app says so and no element is still marked stale
RUN_DONE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app && app.getAttribute('data-test-script-state');
  return state && !['running', 'rerunRequested', 'initial'].includes(state)
    && !document.querySelector('[data-stale="true"]');
}"""
QUIET_MS = 300


def _settled(page, t0_ms: float, timeout=180_000) -> float:
    """Seconds from ``t0_ms`` (the page's performance clock) until the page settled: the run has finished
    and nothing in the DOM changed for QUIET_MS; the time is that of the last change, so charts that draw
    after the run (plotly) and images that load late are counted, the quiet wait is not."""
    page.wait_for_function(RUN_DONE_JS, timeout=timeout)
    page.wait_for_function(f"() => performance.now() - window.__lastChange > {QUIET_MS}", timeout=timeout,
                           polling=50)
    last = page.evaluate("window.__lastChange")
    return max(0.0, (last - t0_ms) / 1000)


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(OBSERVER_JS)
    return context, context.new_page()


def _open(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    heading = '[data-testid="stMain"] h1, [data-testid="stMain"] [data-testid="stMarkdownContainer"]'
    page.locator(heading).first.wait_for(timeout=180_000)


def _cold(browser, url: str) -> float:
    """A fresh browser context opens ``url``: seconds from navigation start until the page settled."""
    context, page = _new_page(browser)
    _open(page, url)
    elapsed = _settled(page, 0.0)  # performance.now() counts from the navigation's start
    context.close()
    return elapsed


class _Control:
    """One page open in its own browser context, with the control a warm interaction changes: a slider (by
    aria-label prefix) moved one step, or the n-th radio group toggled between its first two options."""

    def __init__(self, browser, url: str, action: tuple[str, str | int | None], timeout: float = 60_000):
        self.context, self.page = _new_page(browser)
        self.kind, self.timeout = action[0], timeout
        _open(self.page, url)
        _settled(self.page, 0.0)
        if self.kind == "slider":
            label = action[1]
            sel = (f'[data-testid="stMain"] input[type="range"][aria-label^="{label}"]' if label
                   else '[data-testid="stMain"] input[type="range"]')
            self.thumb = self.page.locator(sel).first
        else:
            self.group = self.page.locator('[data-testid="stMain"] [data-testid="stRadio"]').nth(action[1])
        self.moves = 0

    def at_minimum(self) -> bool:
        return self.kind == "slider" and self.thumb.get_attribute("value") == self.thumb.get_attribute("min")

    def move(self, fresh: bool = False) -> float:
        """Seconds from the key press until the page has settled (waiting first for the main area's images
        or text to change, so the run has begun). Back and forth between two values (the pictures of both
        are cached after the first visit), or with ``fresh`` a slider moved one step down, as a user
        dragging it: each value is new to the app."""
        page = self.page
        before = page.evaluate(SIGNATURE_JS)
        # both kinds by keyboard on a focused control, as the trivial page's floor: a mouse click would add
        # Playwright's own actionability checks (scrolling, waiting for stable layout) to the time
        if self.kind == "slider":
            self.thumb.focus()
        else:
            self.group.locator("input[type=radio]:checked").focus()
        t0 = page.evaluate("performance.now()")
        forward = fresh or self.moves % 2 == 0
        if self.kind == "slider":
            page.keyboard.press("ArrowLeft" if forward else "ArrowRight")
        else:
            page.keyboard.press("ArrowRight" if forward else "ArrowLeft")
        self.moves += 1
        page.wait_for_function(f"(old) => ({SIGNATURE_JS})() !== old", arg=before, timeout=self.timeout)
        return _settled(page, t0, self.timeout)

    def close(self) -> None:
        self.context.close()


def _paired(browser, url: str, action, floor_url: str, floor_action, repeats: int,
            fresh: bool = False) -> tuple[list[float], list[float]]:
    """``repeats`` interactions on ``url``, each right after one on the trivial page (same kind of control):
    the two series see the same machine load, so their ratio holds even when the load drifts during a run.
    With ``fresh``, every value is new to the app (the first step, known from the back-and-forth moves, is
    not timed), and it stops when the slider reaches its minimum."""
    page = _Control(browser, url, action)
    try:
        floor = _Control(browser, floor_url, floor_action)
    except Exception:
        page.close()
        raise
    times, floor_times = [], []
    try:
        if fresh:  # the first step left was visited by the back-and-forth moves: start one further
            floor.move(fresh)
            page.move(fresh)
        for _ in range(repeats):
            if fresh and page.at_minimum():
                break
            if fresh and floor.at_minimum():  # the trivial slider (0..100) has room for far more steps
                break
            floor_times.append(floor.move(fresh))
            times.append(page.move(fresh))
    finally:
        page.close()
        floor.close()
    return times, floor_times


def _median_ratio(times: list[float], floor: list[float]) -> float:
    return round(statistics.median(times) / statistics.median(floor), 2)


def run(pages: list[str], repeats: int = 5, chromium: str = "/usr/bin/chromium") -> dict:
    """Per page: cold open, warm interaction p50 and, for sliders, dragging to new values, each warm series
    paired move by move with the trivial page's (its ``floor_*`` figures); plus the trivial page's own
    cold open."""
    from playwright.sync_api import sync_playwright  # deferred: a test-only dependency, needed by this command only
    with tempfile.TemporaryDirectory() as tmp:
        trivial = Path(tmp) / "trivial.py"
        trivial.write_text(TRIVIAL_APP)
        app_proc, app_url = _serve(ROOT / "app.py", ROOT)
        triv_proc, triv_url = _serve(trivial, Path(tmp))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                # the server's first import of torch/timm is not a page's cost: Home starts the warm-up, and a
                # model page (every page but Home waits for it) returns once it is done; Trade-offs loads no
                # model (it keeps only its table of configurations cached)
                _cold(browser, app_url)
                _cold(browser, f"{app_url}/tradeoffs")
                floor_cold = statistics.median(_cold(browser, triv_url) for _ in range(3))
                all_floor = {"slider": [], "radio": [], "fresh": []}
                rows = {}
                for name in pages:
                    url = f"{app_url}/{name}"
                    action = PAGE_ACTIONS.get(name, ("slider", None))
                    floor_action = ("slider", None) if action[0] == "slider" else ("radio", 0)
                    try:
                        cold = _cold(browser, url)  # the page's first visit: nothing of it cached yet
                        reopen = statistics.median(_cold(browser, url) for _ in range(2))
                        warm, floor = _paired(browser, url, action, triv_url, floor_action, repeats)
                        fresh, floor_fresh = (_paired(browser, url, action, triv_url, floor_action, repeats, fresh=True)
                                              if action[0] == "slider" else ([], []))
                    except Exception as err:  # a page that never updates is a finding, not the end of the run
                        rows[name] = {"error": f"{type(err).__name__}: {str(err).splitlines()[0]}"}
                        print(f"{name}: {rows[name]['error']}", file=sys.stderr)
                        continue
                    all_floor[floor_action[0]] += floor
                    all_floor["fresh"] += floor_fresh
                    print(f"{name}: cold {cold:.2f} s, warm p50 {statistics.median(warm):.3f} s "
                          f"({_median_ratio(warm, floor)}x)", file=sys.stderr)
                    rows[name] = {"cold_s": round(cold, 3), "reopen_s": round(reopen, 3),
                                  "warm_p50_s": round(statistics.median(warm), 3),
                                  "warm_s": [round(t, 3) for t in warm],
                                  "floor_p50_s": round(statistics.median(floor), 3),
                                  "warm_over_floor": _median_ratio(warm, floor),
                                  "floor": "trivial slider" if action[0] == "slider" else "trivial radio"}
                    if fresh:
                        rows[name].update({"fresh_p50_s": round(statistics.median(fresh), 3), "fresh_n": len(fresh),
                                           "floor_fresh_p50_s": round(statistics.median(floor_fresh), 3),
                                           "fresh_over_floor": _median_ratio(fresh, floor_fresh)})
                browser.close()
        finally:
            for proc in (app_proc, triv_proc):
                proc.terminate()
    med = {k: round(statistics.median(v), 3) if v else None for k, v in all_floor.items()}
    return {"trivial_cold_s": round(floor_cold, 3), "trivial_warm_p50_s": med["slider"],
            "trivial_radio_p50_s": med["radio"], "trivial_fresh_p50_s": med["fresh"],
            "pages": rows, "repeats": repeats, "loadavg_1m": round(os.getloadavg()[0], 2)}


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("bench-ui", help="time every page in chromium against a trivial Streamlit page")
    p.add_argument("--pages", default=",".join(PAGE_ACTIONS), help="comma-separated url paths")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd)


def _cmd(args) -> int:
    res = run([p for p in args.pages.split(",") if p], args.repeats, args.chromium)
    if args.json:
        print(json.dumps(res, indent=1))
    else:
        print(f"trivial page: cold {res['trivial_cold_s']} s, warm p50 settled {res['trivial_warm_p50_s']} s (slider), "
              f"{res['trivial_radio_p50_s']} s (radio)")
        for name, r in res["pages"].items():
            if "error" in r:
                print(f"{name:12s} {r['error']}")
                continue
            print(f"{name:12s} cold {r['cold_s']:.2f} s  warm p50 {r['warm_p50_s']:.3f} s settled "
                  f"({r['warm_over_floor']}x the trivial page)"
                  + (f"; new values {r['fresh_p50_s']:.3f} s ({r['fresh_over_floor']}x)" if "fresh_p50_s" in r else ""))
    return 0
