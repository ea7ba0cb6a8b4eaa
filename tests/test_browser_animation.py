"""The animation player in a real browser (chromium against ``streamlit run app.py``): it plays by itself,
pauses, steps, and its Download menu hands over a GIF with one frame per layer."""
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from tests.test_browser import ARTIFACTS, _wait_idle, browser, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_token_fate_plays_pauses_steps_and_downloads(server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    errors, requests = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/dynamicvit", wait_until="domcontentloaded")
    page.get_by_role("heading", name=re.compile("DynamicViT")).first.wait_for(timeout=120_000)
    _wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("Animate layer by layer").click()
    _wait_idle(page)
    player = page.frame_locator('[data-testid="stMain"] iframe').first
    count = player.locator("#tl-count")
    count.wait_for(timeout=60_000)
    total = int(count.inner_text().split("/")[1])
    assert total >= 2
    page.on("request", lambda r: requests.append(r.url))
    # it plays by itself, in the browser: the frame moves on with no request to the server
    seen = set()
    for _ in range(12):
        seen.add(count.inner_text())
        page.wait_for_timeout(350)
    assert len(seen) >= 3, seen
    assert not [u for u in requests if "/_stcore/" not in u and "data:" not in u], requests
    player.locator("#tl-play").click()  # pause
    paused = count.inner_text()
    page.wait_for_timeout(1200)
    assert count.inner_text() == paused
    player.locator("#tl-next").click()
    assert int(count.inner_text().split("/")[0]) == int(paused.split("/")[0]) % total + 1
    assert player.locator("#tl-caption").inner_text().startswith("Layer ")
    page.screenshot(path=str(ARTIFACTS / "animation_player.png"), full_page=False)
    # the GIF from the animation's Download menu: one frame per layer
    menu = main.locator('[data-testid="stPopover"] button', has_text="GIF")
    menu.first.click()
    button = page.locator('[data-testid="stPopoverBody"]').get_by_role("button", name=re.compile("Download GIF"))
    with page.expect_download(timeout=60_000) as info:
        button.click()
    gif = Image.open(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert gif.format == "GIF" and gif.n_frames == total
    assert not errors, errors
    page.close()
