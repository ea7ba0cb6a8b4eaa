"""No traceback reaches a visitor (issue 17), in a real browser: a bad server path typed in the sidebar and a
self-containing checkpoint uploaded give one-line messages; the test fails on any traceback text."""
import io
import re

import pytest
import torch

from tests.test_browser import ARTIFACTS, _wait_idle, browser, server  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

#: text that only a traceback or a raw exception puts on a page
TRACEBACK = re.compile(r"Traceback|File \"|Errno|RuntimeError|OSError|line \d+, in ")


def _assert_no_traceback(page) -> str:
    body = page.inner_text("body")
    found = TRACEBACK.search(body)
    assert not found, f"traceback text on the page: {body[max(0, found.start() - 200):found.end() + 200]}"
    assert not page.locator('[data-testid="stException"]').count()
    return body


def test_bad_path_and_looping_checkpoint_give_messages_not_tracebacks(server, browser, tmp_path):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Token Lab").wait_for(timeout=120_000)
    _wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("checkpoint file", exact=True).click()
    _wait_idle(page)

    box = sidebar.get_by_label("Checkpoint path on this machine")
    for text, words in (("~nosuchuser/x.pth", "home directory"), ("c" * 300 + ".pth", "too long")):
        box.fill(text)
        box.press("Enter")
        _wait_idle(page)
        sidebar.get_by_text(words).first.wait_for(timeout=30_000)
        _assert_no_traceback(page)
    box.fill("")
    box.press("Enter")
    _wait_idle(page)

    loop = {"epoch": 1}
    loop["model"] = loop
    path = tmp_path / "loop.pth"
    torch.save(loop, path)
    sidebar.locator('[data-testid="stFileUploader"] input[type="file"]').last.set_input_files(str(path))
    _wait_idle(page)
    sidebar.get_by_role("link", name=re.compile("Attention")).click()
    page.get_by_text("contains itself").first.wait_for(timeout=120_000)
    _wait_idle(page)
    body = _assert_no_traceback(page)
    assert "'loop.pth'" in body
    page.screenshot(path=str(ARTIFACTS / "errors_looping_checkpoint.png"))
    page.close()
