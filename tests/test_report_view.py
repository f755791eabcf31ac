"""The monthly report as the service-centre manager opens it: from disk in Chromium, and printed as a PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlparse

import playwright.sync_api as playwright_api
import pytest

from kefu.load import require
from kefu.report.build import build
from kefu.report.write import write_all
from reportmonth import november

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    book, _ = require(REPO / "procedures", REPO / "kefu.yaml", records_only=True)
    out = tmp_path_factory.mktemp("report")
    write_all(build(book, november(), month="2026-11"), out, with_pdf=True)
    return out




def test_html_opens_from_disk_with_charts_and_chinese_and_no_network(written: Path,
                                                                     browser: playwright_api.Browser) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    requests: list[str] = []
    errors: list[str] = []

    def route(r: playwright_api.Route) -> None:
        requests.append(r.request.url)
        if urlparse(r.request.url).scheme in ("file", "data", "about"):
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((written / "report.html").as_uri())
    page.wait_for_load_state("load")
    assert [u for u in requests if not u.startswith("file://")] == []
    assert errors == []
    # Chinese text is laid out (not tofu boxes: a CJK font is there for it) and visible
    assert page.locator("h2#kpis").inner_text() == "考核指标"
    assert page.evaluate("document.fonts.check('12px \"Noto Sans CJK SC\"', '考核指标')")
    box = page.locator("h2#kpis").bounding_box()
    assert box and box["width"] > 60 and box["height"] > 10
    # three charts, drawn: bars and lines have size, their labels are Chinese text
    charts = page.locator(".chart svg")
    assert charts.count() == 3
    for i in range(3):
        b = charts.nth(i).bounding_box()
        assert b and b["width"] > 300 and b["height"] > 100
    labels = page.locator(".chart svg text").evaluate_all("els => els.map(e => e.textContent.trim())")
    assert "处理完毕后 24 小时内回访" in labels and "报修" in labels and "回访率" in labels
    # green and red against the target
    kpi = page.locator("#kpis + table tr", has_text="回访率").first
    assert "bad" in (kpi.locator("td").nth(1).get_attribute("class") or "")
    page.screenshot(path=str(written / "report.png"), full_page=True)
    context.close()


def test_pdf_is_a4_in_chinese(written: Path) -> None:
    pdf = written / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "595.28 x 841.89" in info or "595.276 x 841.89" in info  # A4 in points
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for words in ("客户服务月报 2026 年 11 月", "考核指标", "回访及时率", "66.7%", "超时最多的事项",
                  "突发事件报品质部"):
        assert words in text, words
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK-SC" in fonts and "Serif" not in fonts  # the report's sans font, not a fallback
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(written / "page")], check=True)
    pages = sorted(written.glob("page-*.png"))
    assert pages and all(p.stat().st_size > 5000 for p in pages)
