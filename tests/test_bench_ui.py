"""bench-ui's own parts: the rounds' order, a page's row, and the settle clock that counts canvas drawing."""
import pytest

from tests.test_browser import browser  # noqa: F401  (fixture)
from vizcore import bench_ui


def test_each_app_moves_once_per_round_and_leads_in_turn():
    rounds = [bench_ui.interleaved_order(3, i) for i in range(6)]
    assert all(sorted(r) == [0, 1, 2] for r in rounds)
    assert [r[0] for r in rounds] == [0, 1, 2, 0, 1, 2]
    assert bench_ui.interleaved_order(1, 5) == [0]


def test_a_row_has_medians_ratios_and_what_changed_last():
    row = bench_ui._page_row(2.0, 1.0, [0.2, 0.4, 0.3], [0.1, 0.1, 0.2], "trivial radio", [], [],
                             ["stVegaLiteChart (canvas)", "stCaptionContainer", "stVegaLiteChart (canvas)"])
    assert row["warm_p50_s"] == 0.3 and row["warm_over_floor"] == 3.0 and "fresh_p50_s" not in row
    assert row["last_change"] == {"stVegaLiteChart (canvas)": 2, "stCaptionContainer": 1}
    assert list(row["last_change"]) == ["stVegaLiteChart (canvas)", "stCaptionContainer"]  # most frequent first


def test_paired_ratios_are_taken_round_by_round():
    r = bench_ui.paired_ratios([0.2, 0.3, 0.1, 0.5], [0.1, 0.3, 0.2, 0.25])  # ratios 2, 1, 0.5, 2
    assert r["over_against"] == 1.5 and r["faster_rounds"] == "1/4"
    assert r["over_against_iqr"][0] <= 1.5 <= r["over_against_iqr"][1]


PAGE = """<html><body><div data-testid="stCaption">a</div><div data-testid="stChart"><canvas width="40"
height="20"></canvas></div><script>
window.__drawnAt = null;
setTimeout(() => {
  document.querySelector('[data-testid="stCaption"]').textContent = 'b';
  window.__captionAt = performance.now();
}, 50);
setTimeout(() => {
  const g = document.querySelector('canvas').getContext('2d');
  g.clearRect(0, 0, 40, 20); g.fillRect(0, 0, 10, 10); g.fillText('x', 2, 12);
  window.__drawnAt = performance.now();
}, %d);
</script></body></html>"""


@pytest.mark.browser
@pytest.mark.parametrize("draw_ms", [400, None])
def test_the_settle_clock_counts_a_canvas_drawn_after_the_last_dom_change(browser, draw_ms):  # noqa: F811
    """A chart on a canvas changes no DOM node: without its drawing calls, the page would read as settled at
    the caption's change, ~350 ms early. Without a drawing, the caption's change is the last."""
    context, page = bench_ui._new_page(browser)
    try:
        html = PAGE % (draw_ms or 10**7)
        page.route("http://bench.test/", lambda route: route.fulfill(body=html, content_type="text/html"))
        page.goto("http://bench.test/")
        page.wait_for_timeout((draw_ms or 0) + 400)
        last, what, drawn, caption = page.evaluate(
            "[window.__lastChange, window.__lastWhat, window.__drawnAt, window.__captionAt]")
        if draw_ms:
            assert drawn is not None and last >= drawn and last - drawn < 50, (last, drawn)
            assert what == "stChart (canvas)"
        else:
            assert drawn is None and what == "stCaption" and 0 <= last - caption < 50, (last, caption)
    finally:
        context.close()
