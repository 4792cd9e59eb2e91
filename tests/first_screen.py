"""``first_screen``: where report.html puts its first section's answers and chart on a 1280 px wide
screen, measured by headless Chromium (tests/test_report.py, tests/test_first_screen.py).

A script added to a copy of the page writes, once everything has loaded (the embedded charts too),
the page coordinates of each item of the list after the first ``h2`` (the Summary's answers) and of
the image in the paragraph after that list (the hero chart) into a data attribute; ``--dump-dom``
returns it. Chromium's ``--dump-dom`` viewport is shorter than ``--window-size`` (713 px of 800), so
the coordinates are the page's, not the viewport's: they are what a 1280 x 800 window shows as long
as the first screen's layout does not depend on the window's height (no ``vh`` in report.html's
style, which :func:`first_screen` checks).
"""
from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import pytest

_MEASURE = """<script>addEventListener("load", () => {
  let found;
  try {
    const box = e => { const b = e.getBoundingClientRect();
                       return {top: b.top + scrollY, bottom: b.bottom + scrollY, height: b.height}; };
    const list = document.querySelector("h2").nextElementSibling;
    const chart = list.tagName === "UL" ? list.nextElementSibling.querySelector("img") : null;
    found = {width: innerWidth, scroll_width: document.documentElement.scrollWidth, list: list.tagName,
             answers: [...list.children].map(li => ({text: li.textContent, ...box(li)})),
             chart: chart && {...box(chart), loaded: chart.complete && chart.naturalHeight > 0}};
  } catch (e) { found = {error: String(e)}; }
  document.body.setAttribute("data-first-screen", JSON.stringify(found));
});</script>"""


def first_screen(report_html: Path, tmp_path: Path) -> dict:
    """``{"width", "scroll_width", "list", "answers": [{"text", "top", "bottom", "height"}], "chart":
    {"top", "bottom", "height", "loaded"} or None}`` of ``report_html`` at 1280 x 800, in CSS pixels
    from the top of the page (``scroll_width``: how wide the page is); skips the test when Chromium
    renders nothing."""
    text = report_html.read_text(encoding="utf-8")
    style = re.search(r"<style>(.*?)</style>", text, flags=re.S).group(1)
    assert not re.search(r"[\d.]vh\b", style), "the first screen's layout depends on the window's height"
    page = tmp_path / "first-screen.html"
    page.write_text(text.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    out = subprocess.run(["chromium", "--headless", "--no-sandbox", "--hide-scrollbars", "--window-size=1280,800",
                          "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    found = re.search(r'data-first-screen="([^"]*)"', out.stdout)
    if found is None:
        pytest.skip(f"chromium did not render the page: {out.stderr[-300:]}")
    measured = json.loads(html.unescape(found.group(1)))
    assert "error" not in measured, measured
    assert measured["width"] == 1280, measured["width"]
    return measured
