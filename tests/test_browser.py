"""The real browser flow: Debian's chromium, driven by Playwright, against `streamlit run app.py`.

Screenshots are kept under test-artifacts/ as artifacts of the run.
"""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, proc: subprocess.Popen, log: str, seconds: float = 90) -> str:
    """The server's URL once ``/_stcore/health`` answers; the test fails (server killed) after ``seconds``."""
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail(f"the Streamlit server did not become healthy within {seconds:.0f} s; see {log}")


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = open(ARTIFACTS.mkdir(exist_ok=True) or ARTIFACTS / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = wait_healthy(port, proc, "test-artifacts/server.log")
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    assert Path(CHROMIUM).exists(), f"Debian's chromium is needed at {CHROMIUM} (apt-get install chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app && app.getAttribute('data-test-script-state');
  return !document.querySelector('[data-testid="stStatusWidget"]')
    && !(state && ['running', 'rerunRequested'].includes(state))
    && !document.querySelector('[data-stale="true"]')
    && !document.querySelector('[data-testid="stMain"] [data-testid^="stSkeleton"]');
}"""


def _wait_idle(page, timeout=120_000):
    """Wait until Streamlit has finished the current run and drawn it: no 'running' indicator, no element
    still marked stale, no placeholder where a chart or table is still loading."""
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE_JS, timeout=timeout)


def _image_srcs(page) -> list[str]:
    return page.eval_on_selector_all('[data-testid="stMain"] [data-testid="stImage"] img', "els => els.map(e => e.src)")


def test_open_choose_image_change_layer(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    t0 = time.monotonic()
    page.goto(server, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Token Lab").wait_for(timeout=120_000)
    _wait_idle(page)
    cold_home = time.monotonic() - t0

    # choose an image from the gallery in the shared sidebar (the default is a synthetic scene)
    sidebar = page.locator('[data-testid="stSidebar"]')
    side_img = sidebar.locator('[data-testid="stImage"] img').first
    first_src = side_img.get_attribute("src")
    sidebar.get_by_text("Gallery", exact=True).click()
    page.wait_for_function(
        "(old) => { const i = document.querySelector('[data-testid=\"stSidebar\"] [data-testid=\"stImage\"] img'); return i && i.src !== old; }",
        arg=first_src, timeout=60_000)
    _wait_idle(page)
    first_src = side_img.get_attribute("src")
    sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="Sample photo").click()
    page.get_by_role("option", name=re.compile("coffee", re.I)).click()
    page.wait_for_function(
        "(old) => { const i = document.querySelector('[data-testid=\"stSidebar\"] [data-testid=\"stImage\"] img'); return i && i.src !== old; }",
        arg=first_src, timeout=60_000)
    _wait_idle(page)

    # open the Attention page
    t0 = time.monotonic()
    sidebar.get_by_role("link", name=re.compile("Attention")).click()
    page.get_by_role("heading", name=re.compile("Attention: where")).wait_for(timeout=120_000)
    page.locator('[data-testid="stMain"] [data-testid="stImage"] img').nth(1).wait_for(timeout=120_000)
    _wait_idle(page)
    cold_attention = time.monotonic() - t0
    before = _image_srcs(page)
    assert len(before) >= 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "attention_before.png"), full_page=True)

    # change the layer with the keyboard on the slider
    thumb = page.locator('input[type="range"][aria-label="Layer"]')
    last = int(thumb.get_attribute("max"))
    assert thumb.input_value() == str(last)
    target = last - 2
    thumb.focus()
    t0 = time.monotonic()
    for _ in range(2):
        page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "(v) => document.querySelector('input[type=\"range\"][aria-label=\"Layer\"]').value === String(v)",
        arg=target)
    page.wait_for_function(
        "(old) => { const s = Array.from(document.querySelectorAll('[data-testid=\"stMain\"] [data-testid=\"stImage\"] img')).map(e => e.src); return s.length >= 2 && s[1] !== old[1]; }",
        arg=before, timeout=60_000)
    _wait_idle(page)
    layer_change = time.monotonic() - t0
    after = _image_srcs(page)
    assert after[1] != before[1], "the attention overlay did not change with the layer"
    assert page.get_by_text(re.compile(rf"Layer {target}\b")).count() >= 1
    page.screenshot(path=str(ARTIFACTS / "attention_layer_change.png"), full_page=False)
    body = page.inner_text("body")
    assert "Traceback" not in body
    assert not errors, errors
    (ARTIFACTS / "browser_timings.txt").write_text(
        f"cold home {cold_home:.2f} s\ncold attention page {cold_attention:.2f} s\nlayer change {layer_change:.2f} s\n")


SIGNATURE_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return '';
  const imgs = Array.from(main.querySelectorAll('img')).map(e => e.src).join('|');
  return imgs + '#' + main.innerText;
}"""

# page title in the sidebar, its heading, and one interaction on it
PAGES = [
    ("Home", "Token Lab", None),
    ("Attention", "Attention: where", ("slider", "Layer")),
    ("WuKong", "WuKong TokenReduction", ("segment", 1)),
    ("T2T soft split", "T2T", ("slider", "kernel k")),
    ("PoolFormer", "PoolFormer", ("segment", 1)),
    ("DynamicViT", "DynamicViT", ("slider", "Keep ratio ρ")),
    ("Compare reducers", "Token reducers side by side", ("slider", "Keep ratio ρ (pruners)")),
    ("Trade-offs", "What each configuration", ("segment", None)),
]


def _interact(page, action):
    kind, arg = action
    if kind == "slider":
        thumb = page.locator(f'[data-testid="stMain"] input[type="range"][aria-label^="{arg}"]').first
        thumb.focus()
        page.keyboard.press("ArrowLeft")
    elif kind == "segment" and arg is not None:
        page.locator('[data-testid="stMain"] [data-testid="stButtonGroup"] button').nth(arg).click()
    else:  # the Trade-offs page: flip the published layer
        page.locator('[data-testid="stMain"] [data-testid="stCheckbox"]').first.click()


@pytest.mark.parametrize("link, heading, action", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_opens_and_answers(server, browser, link, heading, action):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors, outside = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # the app works offline: nothing it loads (icons, fonts, chart scripts) may come from another host
    host = urlparse(server).hostname
    page.on("request", lambda r: outside.append(r.url)
            if urlparse(r.url).scheme in ("http", "https") and urlparse(r.url).hostname != host else None)
    page.goto(server, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Token Lab").wait_for(timeout=120_000)
    _wait_idle(page)
    t0 = time.monotonic()
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=re.compile(re.escape(link))).click()
    page.get_by_role("heading", name=re.compile(re.escape(heading))).first.wait_for(timeout=120_000)
    _wait_idle(page)
    cold = time.monotonic() - t0
    stem = re.sub(r"\W+", "_", link.lower()).strip("_")
    if action is not None:
        before = page.evaluate(SIGNATURE_JS)
        t0 = time.monotonic()
        _interact(page, action)
        page.wait_for_function(f"(old) => ({SIGNATURE_JS})() !== old", arg=before, timeout=120_000)
        _wait_idle(page)
        warm = time.monotonic() - t0
    else:
        warm = float("nan")
    figures = page.locator('[data-testid="stMain"] [data-testid="stImage"]')
    if figures.count():
        figures.first.scroll_into_view_if_needed()
        page.mouse.wheel(0, 250)
        page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"page_{stem}.png"), full_page=False)
    body = page.inner_text("body")
    assert "Traceback" not in body and "Error" not in page.inner_text('[data-testid="stMain"]')
    assert not errors, errors
    assert not outside, outside
    with open(ARTIFACTS / "browser_timings.txt", "a") as f:
        f.write(f"{link}: open {cold:.2f} s, interaction {warm:.2f} s\n")
    page.close()


def test_downloads_from_a_figure_menu(server, browser):
    """A figure's "Download" menu hands over real files: the Compare page's token-fate PNG and its summary
    as CSV and JSON (each made only when its button is clicked)."""
    import csv
    import io
    import json

    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/compare", wait_until="domcontentloaded")
    page.get_by_role("heading", name=re.compile("Token reducers side by side")).first.wait_for(timeout=120_000)
    _wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    menus = main.locator('[data-testid="stPopover"] button')
    assert menus.count() == 3  # token fates, cost per layer, summary

    def fetch(menu: int, label: str) -> bytes:
        menus.nth(menu).click()
        button = page.locator('[data-testid="stPopoverBody"]').get_by_role("button", name=re.compile(label))
        with page.expect_download(timeout=60_000) as info:
            button.click()
        data = Path(info.value.path()).read_bytes()
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        return data

    png = fetch(0, "Download PNG")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    rows = list(csv.DictReader(io.StringIO(fetch(2, "Download CSV").decode())))
    assert {"plain", "dynamicvit", "evit", "tome"} <= {r["method"] for r in rows}
    summary = json.loads(fetch(2, "Download JSON"))
    assert summary["backbone"] == "bundled_vit" and summary["rho"] == 0.7 and len(summary["rows"]) == len(rows)
    assert not errors, errors
    page.close()
