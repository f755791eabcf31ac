"""The handbook site as a reader meets it: built once, served on localhost, opened in Chromium.

Builds run ``mkdocs build --strict`` in a subprocess (as ``make site`` does) with
KEFU_NO_PDF=1; the shipped content answers the search queries, the fixture in
tests/fixtures/site/basic carries the company overrides and injected markup.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "site"
QUERIES = ["投诉", "回访", "报修", "交接班", "夜值", "三米微笑", "装修"]
#: results a reader looks at before giving up
FIRST_RESULTS = 5
#: open shadow roots, so the test can see the SVG Material puts in a closed one
OPEN_SHADOW = ("const o = Element.prototype.attachShadow;"
               "Element.prototype.attachShadow = function (i) { return o.call(this, {...i, mode: 'open'}); };")


def build(site_dir: Path, content: Path | None = None, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KEFU_NO_PDF": "1", "KEFU_SITE_DIR": str(site_dir), "NO_MKDOCS_2_WARNING": "1"}
    for key, value in (("KEFU_CONTENT", content), ("KEFU_CONFIG", config)):
        if value is not None:
            env[key] = str(value)
        else:
            env.pop(key, None)
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900)


def built(site_dir: Path, **kw: Path) -> Path:
    run = build(site_dir, **kw)
    assert run.returncode == 0, run.stdout + run.stderr
    return site_dir


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory) -> Path:
    return built(tmp_path_factory.mktemp("site-shipped"))


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory) -> Path:
    base = FIXTURE / "basic"
    return built(tmp_path_factory.mktemp("site-fixture"), content=base / "procedures", config=base / "kefu.yaml")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve(directory: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def shipped_url(shipped_site) -> Iterator[str]:
    yield from serve(shipped_site)


@pytest.fixture(scope="session")
def fixture_url(fixture_site) -> Iterator[str]:
    yield from serve(fixture_site)




class Watched:
    """A page that records requests leaving localhost/file:// and console errors."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(OPEN_SHADOW)
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route) -> None:
        url = urlparse(route.request.url)
        if url.scheme in ("file", "data", "blob", "about") or url.hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.close()


def search(page, query: str) -> list[str]:
    """Type a query in the header's search box; the result pages, best first, without repeats."""
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(query)
    page.keyboard.press("End")  # Material searches on keyup
    page.wait_for_selector(".md-search-result__item", timeout=15000)
    hrefs = page.locator(".md-search-result__item > a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")
    out: list[str] = []
    for href in hrefs:
        path = unquote(urlparse(href).path)  # absolute: /procedures/x.html or /tmp/.../x.html
        if path not in out:
            out.append(path)
    return out


def expected_pages(query: str) -> set[str]:
    """Pages about a query, from the model: titles, keywords, role and glossary names."""
    from kefu.lint import lint

    book, _ = lint(REPO / "procedures", REPO / "kefu.yaml")
    out = {f"procedures/{p.id}.html" for p in book.procedures.values() if query in p.title or query in p.keywords}
    out |= {f"roles/{r.id}.html" for r in book.roles.values() if query in r.name or query in r.aliases}
    if any(query in t.term or query in t.aliases for t in book.glossary.values()):
        out.add("glossary.html")
    return out


# --------------------------------------------------------------------------
# Search in Chinese (shipped content)


@pytest.mark.parametrize("query", QUERIES)
def test_chinese_search_finds_the_page_about_it(shipped_url, watched, query):
    expected = expected_pages(query)
    assert expected, f"the shipped content has no page about {query}"
    watched.page.goto(shipped_url + "index.html")
    results = search(watched.page, query)
    top = results[:FIRST_RESULTS]
    assert any(r.endswith("/" + e) for r in top for e in expected), \
        f"{query}: first results {top}, expected one of {sorted(expected)}"
    assert not watched.outside


# --------------------------------------------------------------------------
# Every page, offline


def test_every_page_loads_without_leaving_localhost_or_console_errors(shipped_site, shipped_url, watched):
    pages = sorted(p.relative_to(shipped_site).as_posix() for p in shipped_site.rglob("*.html"))
    assert "sla.html" in pages and "index.html" in pages
    for rel in pages:
        watched.page.goto(shipped_url + rel, wait_until="load")
        assert watched.page.title(), rel
    assert not watched.outside, watched.outside
    assert not watched.errors, watched.errors


def test_procedure_flowchart_is_rendered_as_svg(shipped_url, watched):
    watched.page.goto(shipped_url + "procedures/complaint.html")
    svg = watched.page.locator("div.mermaid svg")
    svg.first.wait_for(timeout=15000)
    assert svg.count() == 1
    assert watched.page.locator("div.mermaid svg .node").count() >= 2
    assert not watched.errors and not watched.outside


def test_internal_links_resolve(shipped_site):
    """Links in raw HTML are not checked by mkdocs --strict, so check them here."""
    import re

    broken = []
    for page in shipped_site.rglob("*.html"):
        for href in re.findall(r'href="([^"#:?]+)(?:#[^"]*)?"', page.read_text(encoding="utf-8")):
            if href.startswith("print/") or "/print/" in href or href.endswith(".pdf"):
                continue  # PDFs are skipped with KEFU_NO_PDF=1
            base = shipped_site if href.startswith("/") else page.parent  # 404.html links from the root
            target = (base / href.lstrip("/")).resolve()
            if not target.exists():
                broken.append(f"{page.relative_to(shipped_site)} -> {href}")
    assert not broken, broken[:20]


# --------------------------------------------------------------------------
# The SLA page: addresses kefu check prints must never move


def test_every_contract_rule_has_its_anchor(shipped_site, shipped_url, watched):
    from kefu.check.contract import CONTRACT_RULES

    text = (shipped_site / "sla.html").read_text(encoding="utf-8")
    missing = [r for r in CONTRACT_RULES if f'id="{r}"' not in text]
    assert not missing
    for rule_id in ("callback", "incident-report-time", "inspection-total"):
        watched.page.goto(f"{shipped_url}sla/#{rule_id}")
        watched.page.wait_for_url(f"**/sla.html#{rule_id}")
        assert watched.page.locator(f"#{rule_id}").is_visible()


def test_sla_addresses_work_from_file(shipped_site, watched):
    url = (shipped_site / "sla" / "index.html").as_uri() + "#callback"
    watched.page.goto(url)
    watched.page.wait_for_url("**/sla.html#callback")
    assert watched.page.locator("#callback").is_visible()


# --------------------------------------------------------------------------
# Fixture content: company file, injected markup, broken references


def test_company_file_changes_greeting_and_limit(fixture_url, watched):
    page = watched.page
    page.goto(fixture_url + "procedures/complaint.html")
    assert "您好！欢迎来到翠湖花园客服中心！" in page.locator(".kefu-say__text").all_inner_texts()[0]
    assert "测试物业管理有限公司" in page.title()
    page.goto(fixture_url + "sla.html")
    row = page.locator("#callback")
    assert "12" in row.inner_text() and "公司规定" in row.inner_text()
    assert "样例" not in page.title()  # the fixture's company file names its company
    assert "手册默认 24 小时" in row.inner_text()


def test_kpi_page_shows_the_company_target_and_what_it_builds_on(fixture_url, watched):
    """A supervisor opens 考核指标 from the nav: the company's 95 % over the handbook's 100 %, the rule it
    is measured on (with the company's 12 hours), and the complaint page leads there."""
    page = watched.page
    page.goto(fixture_url + "sla.html")
    nav = page.locator("nav.md-nav--primary").inner_text()
    assert nav.index("时限一览") < nav.index("考核指标")
    page.locator("nav.md-nav--primary a", has_text="考核指标").first.click()
    page.wait_for_url("**/kpis.html")
    kpi = page.locator(".kefu-kpi", has_text="回访及时率")
    text = kpi.inner_text()
    assert "95%" in text and "公司规定" in text and "手册默认 ≥ 100%" in text
    assert "按时回访的比例" in text  # what it counts, in words
    assert "《东湖湾项目贴心服务内容》" in text  # the source, by document title
    kpi.locator("a", has_text="12 小时").click()
    page.wait_for_url("**/sla.html#callback")
    assert page.locator("#callback").is_visible()
    page.goto(fixture_url + "procedures/complaint.html")
    page.locator("#kpis ~ ul a", has_text="回访及时率").click()
    page.wait_for_url("**/kpis.html#callback-timeliness")
    assert not watched.outside and not watched.errors


def test_injected_markup_shows_as_text(fixture_url, watched):
    page = watched.page
    page.goto(fixture_url + "procedures/complaint.html")
    page.wait_for_timeout(500)
    assert "<script>window.__pwned = 1</script>" in page.locator(".kefu-step__note").inner_text()
    page.goto(fixture_url + "procedures/shift-handover.html")
    page.wait_for_timeout(500)
    h1 = page.locator("article h1").inner_text()
    assert h1 == '交接班 <img src=x onerror="window.__pwned=2"> **加粗** | {{ x }}'
    assert page.locator("article strong", has_text="加粗").count() == 0
    assert page.evaluate("window.__pwned") is None
    page.goto(fixture_url + "sla.html")
    assert "注意 | 竖线、**不加粗**、{{ x }} 原样显示" in page.locator("#smile-distance").inner_text()
    assert page.evaluate("window.__pwned") is None
    assert not watched.outside


def test_print_stylesheet_keeps_steps_and_drops_navigation(fixture_url, watched):
    page = watched.page
    page.goto(fixture_url + "procedures/complaint.html")
    page.emulate_media(media="print")
    assert not page.locator(".md-header").is_visible()
    assert not page.locator(".md-sidebar--primary").is_visible()
    assert page.locator(".kefu-say").first.is_visible()
    assert page.locator(".kefu-limit").first.is_visible()
    assert page.locator(".kefu-step").first.evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_site_opens_from_file_with_navigation_and_search(fixture_site, watched):
    page = watched.page
    page.goto((fixture_site / "index.html").as_uri())
    page.locator("nav.md-nav--primary a", has_text="时限一览").first.click()
    page.wait_for_url("**/sla.html")
    assert page.locator("#callback").count() == 1
    results = search(page, "投诉")
    assert any(r.endswith("procedures/complaint.html") for r in results), results
    assert not watched.outside


def test_broken_reference_fails_the_build_with_the_finding(tmp_path):
    content = tmp_path / "procedures"
    shutil.copytree(FIXTURE / "basic" / "procedures", content)
    shutil.copy(FIXTURE / "broken" / "procedures" / "broken-ref.yaml", content)
    run = build(tmp_path / "site", content=content, config=FIXTURE / "basic" / "kefu.yaml")
    out = run.stdout + run.stderr
    assert run.returncode != 0
    assert "broken-ref.yaml:10: error ref-unknown" in out and "cs-asistant" in out
    assert "Traceback" not in out


# --------------------------------------------------------------------------
# What a new employee reads: people's words, the first script in view, the time-limit page


READER_PAGES = ("procedures/", "roles/", "sla.html", "scripts.html", "categories.html", "incidents.html",
                "glossary.html", "evaluations.html", "index.html")
#: what a visible text may not show: record keys, rule and procedure ids, command and file names
VISIBLE_TEXT = """() => {
  const main = document.querySelector("article");
  const copy = main.cloneNode(true);
  copy.querySelectorAll("[lang=en], .mermaid, script, style").forEach(e => e.remove());
  return copy.innerText;
}"""


def machine_words() -> set[str]:
    from kefu.lint import lint

    book, _ = lint(REPO / "procedures", REPO / "kefu.yaml")
    words = {"kefu", "yaml", "YYYY", "HH:MM", "JSON", "Schema"}
    words |= set(book.rules) | {p for p in book.procedures if "-" in p}
    for form in book.forms.values():
        if form.kind != "record":
            continue
        stack = list(form.fields)
        while stack:
            f = stack.pop()
            stack += f.fields
            if "_" in f.key or len(f.key) > 4:
                words.add(f.key)
            words |= {c.value for c in f.choices if len(c.value) > 3 and c.value.isascii() and c.value.islower()}
    return words


def test_reader_pages_show_no_record_keys_ids_or_commands(shipped_site, shipped_url, watched):
    forbidden = machine_words()
    assert {"done_at", "complaint-crm-entry", "kefu"} <= forbidden
    pages = sorted(p.relative_to(shipped_site).as_posix() for p in shipped_site.rglob("*.html")
                   if p.relative_to(shipped_site).as_posix().startswith(READER_PAGES))
    assert len(pages) > 50
    found = []
    for rel in pages:
        watched.page.goto(shipped_url + rel, wait_until="domcontentloaded")
        text = watched.page.evaluate(VISIBLE_TEXT)
        for token in re.findall(r"[A-Za-z][A-Za-z0-9_:.-]*[A-Za-z0-9]", text):
            if token in forbidden or token.strip(".:") in forbidden:
                found.append(f"{rel}: {token}")
        for seed in re.findall(r"种子\s*\d{3}", text):
            found.append(f"{rel}: {seed}")
    assert not found, found[:20]


def _definition(book, word: str) -> str:
    term = next(t for t in book.glossary.values() if word in (t.term, *t.aliases))
    return "".join(term.definition.split())


def test_a_glossary_term_is_explained_where_it_is_used(shipped_site, shipped_url, browser):
    """Hover a marked term on a procedure page (desktop) or tap it (phone): the glossary's
    explanation shows beside it; each term is marked once a page, never in a 说 box, and the
    search index keeps the page's words and none of the explanations."""
    from kefu.lint import lint

    book, _ = lint(REPO / "procedures", REPO / "kefu.yaml")
    for viewport, phone in (({"width": 1366, "height": 768}, False), ({"width": 390, "height": 844}, True)):
        context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        page = context.new_page()
        page.goto(shipped_url + "procedures/complaint.html")
        terms = page.locator("article abbr")
        assert terms.count() >= 3
        words = terms.all_inner_texts()
        assert len(words) == len({_definition(book, w) for w in words})  # one mark per term
        assert page.locator(".kefu-say abbr, article h1 abbr, article h2 abbr, article a abbr").count() == 0
        term = terms.nth(1)
        term.scroll_into_view_if_needed()
        tip = page.locator(".md-tooltip2--active[role=tooltip]")
        assert tip.count() == 0
        term.tap() if phone else term.hover()
        tip.wait_for(state="visible", timeout=5000)
        assert "".join(tip.inner_text().split()) == _definition(book, words[1])
        box, anchor = tip.locator(".md-tooltip2__inner").bounding_box(), term.bounding_box()
        assert box and anchor and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        assert 0 < box["y"] - anchor["y"] < 120  # right below the term
        context.close()
    index = json.loads((shipped_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(d["text"] for d in index["docs"] if d["location"].startswith("procedures/complaint.html"))
    assert "abbr" not in text and "客户关系管理系统" not in text.replace("\u200b", "")


def test_night_shift_timetable_on_a_phone_reads_in_shift_order(shipped_url, browser):
    """夜值人员 on a phone: the shift's times from 20:00 to the 次日 08:00 handover, each row with a
    time and a task, and the page does not scroll sideways."""
    from kefu.lint import lint

    book, _ = lint(REPO / "procedures", REPO / "kefu.yaml")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(shipped_url + "roles/night-duty.html")
    rows = page.locator("table.kefu-timetable tbody tr")
    times = [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]
    timed = [t for t in book.roles["night-duty"].routine if t.cadence == "shift" and t.when]
    assert len(times) == len(timed) and all(times), times
    assert times[0].startswith("20:00") and times[-1] == "次日 08:00", times
    assert "—" not in page.locator("table.kefu-timetable").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_first_script_is_above_the_fold_on_the_complaint_page(shipped_url, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(shipped_url + "procedures/complaint.html")
    box = page.locator(".kefu-say").first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 768, box
    flow = page.locator("#flowchart").bounding_box()
    steps = page.locator("#step-1").bounding_box()
    assert flow is not None and steps is not None and flow["y"] > steps["y"], "flowchart below the first steps"
    context.close()


def test_time_limit_page_on_a_phone_is_grouped_filtered_and_does_not_scroll_sideways(shipped_url, browser):
    from kefu.lint import lint
    from kefu.present import group_labels, rule_groups

    book, _ = lint(REPO / "procedures", REPO / "kefu.yaml")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(shipped_url + "sla.html")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width} px wide at 390 px"
    headings = page.locator("h2.kefu-sla-group").all_inner_texts()
    used = {rule_groups(book)[r] for r in book.rules}
    assert [h.strip("¶ ") for h in headings] == [label for key, label in group_labels().items() if key in used]
    assert page.locator(".kefu-rule").count() == len(book.rules)
    # 规定 is not a 时限: a rule without a limit is labelled 规定
    plain = next(r for r in book.rules.values() if r.limit is None and not r.variants)
    assert page.locator(f"#{plain.id} .kefu-limit__kind").inner_text() == "规定"
    page.fill("#kefu-sla-filter", "回访")
    shown = page.locator(".kefu-rule:visible")
    assert 0 < shown.count() < len(book.rules)
    assert all("回访" in t for t in shown.all_inner_texts())
    context.close()


def test_a_step_shows_one_deadline_with_its_cases(shipped_url, watched):
    from kefu.lint import lint

    book, _ = lint(REPO / "procedures", REPO / "kefu.yaml")
    proc, n = next((p, i) for p in book.procedures.values() for i, s in enumerate(p.steps, 1)
                   if sum(1 for r in s.rules if r in book.rules and book.rules[r].limit) > 1
                   and any(book.rules[r].variants for r in s.rules if r in book.rules))
    watched.page.goto(f"{shipped_url}procedures/{proc.id}.html")
    step = watched.page.locator(f"#step-{n}")
    assert step.locator(".kefu-limit--deadline").count() == 1
    deadline = step.locator(".kefu-limit--deadline").inner_text()
    rule = next(book.rules[r] for r in proc.steps[n - 1].rules if book.rules[r].limit)
    assert rule.limit.zh().replace(" ", "") in deadline.replace(" ", "")
    for v in rule.variants:  # each case with its own limit: 一般 3 个工作日 / 紧急 1 个工作日
        assert v.limit.zh().replace(" ", "") in deadline.replace(" ", "")


def test_the_shipped_sample_company_is_marked_as_a_sample(shipped_url, watched):
    watched.page.goto(shipped_url + "procedures/complaint.html")
    assert "样例" in watched.page.title()
    assert "样例" in watched.page.locator(".md-banner").inner_text()


def _questions() -> list[tuple[str, str]]:
    lines = (REPO / "tests" / "search_questions.txt").read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]  # type: ignore[misc]


def _first_results(page, questions: list[tuple[str, str]]) -> list[str]:
    misses = []
    for question, expected in questions:
        results = search(page, question)
        page.wait_for_timeout(200)
        results = search(page, question)  # the settled list, not one of a half-typed query
        if not results or not results[0].endswith("/" + expected):
            misses.append(f"{question}: first {results[:3]}, expected {expected}")
    return misses


def test_search_answers_staff_questions_over_http(shipped_url, watched):
    questions = _questions()
    assert len(questions) >= 25
    watched.page.goto(shipped_url + "index.html")
    misses = _first_results(watched.page, questions)
    assert not misses, misses
    assert not watched.outside


def test_the_opened_result_highlights_the_words_of_the_question(shipped_url, watched):
    """快递代收 finds the parcel page, and the page marks 快递 and 代收, not single characters of them."""
    from urllib.parse import parse_qs

    page = watched.page
    page.goto(shipped_url + "index.html")
    results = search(page, "快递代收")
    assert results[0].endswith("/procedures/parcel-storage.html"), results
    page.locator(".md-search-result__item > a").first.click()
    page.wait_for_url("**/parcel-storage.html?h=*")
    assert set(parse_qs(urlparse(page.url).query)["h"][0].split()) == {"快递", "代收"}
    page.locator("article mark").first.wait_for()
    assert set(page.locator("article mark").all_inner_texts()) == {"快递", "代收"}
    assert not watched.outside


def test_search_answers_staff_questions_from_file(shipped_site, watched):
    watched.page.goto((shipped_site / "index.html").as_uri())
    misses = _first_results(watched.page, _questions())
    assert not misses, misses
    assert not watched.outside



# --------------------------------------------------------------------------
# The traditional-Chinese edition (company.variant: zh-Hant)

HANT = FIXTURE / "hant" / "kefu.yaml"


@pytest.fixture(scope="session")
def hant_site(tmp_path_factory) -> Path:
    return built(tmp_path_factory.mktemp("site-hant"), content=REPO / "procedures", config=HANT)


def test_traditional_edition_pages_nav_and_search(hant_site, watched):
    """A company writing traditional characters reads, and searches, its handbook in them."""
    page = watched.page
    page.goto((hant_site / "procedures" / "complaint.html").as_uri())
    text = page.locator("article").inner_text()
    assert "投訴" in text and "投诉" not in text
    assert "東湖灣物業服務有限公司" in page.title() or "東湖灣物業服務有限公司" in page.locator("header").inner_text()
    nav = page.locator("nav.md-nav--primary").inner_text()
    assert "時限" in nav and "时限" not in nav
    index = json.loads((hant_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    words = " ".join(doc["title"] + doc["text"] for doc in index["docs"])
    assert "投訴" in words and "投诉" not in words
    results = search(page, "投訴")
    assert results and results[0].endswith("procedures/complaint.html"), results
    assert not watched.outside
