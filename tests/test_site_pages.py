"""Unit tests of the site generators (tools/kefu/site/plugin.py) on the small fixture handbook."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

import kefu.site.plugin as site
from kefu.lint import lint

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "site" / "basic"


@pytest.fixture(scope="module")
def book():
    book, findings = lint(FIXTURE / "procedures", FIXTURE / "kefu.yaml")
    assert not [f for f in findings if f.severity == "error"], [f.text() for f in findings]
    return book


@pytest.fixture(scope="module")
def renderer(book):
    return site.Renderer(book, site.company_overrides(FIXTURE / "procedures", FIXTURE / "kefu.yaml"))


def page(book, uri):
    return next(p for p in site.page_plan(book) if p.uri == uri)


def test_plan_has_a_page_for_every_role_procedure_and_form(book):
    uris = {p.uri for p in site.page_plan(book)}
    assert {f"roles/{r}.md" for r in book.roles} <= uris
    assert {f"procedures/{p}.md" for p in book.procedures} <= uris
    assert {f"forms/{f}.md" for f in book.forms} <= uris
    assert {"sla.md", "scripts.md", "glossary.md", "categories.md", "incidents.md", "evaluations.md"} <= uris


def test_nav_titles_are_escaped_because_the_theme_prints_them_raw(book):
    plan = site.page_plan(book)
    flat = repr(site.nav(book, plan))
    assert "<img" not in flat
    assert "&lt;img" in flat


def test_procedure_page_shows_steps_scripts_limits_and_forms(book, renderer):
    text = renderer.render(page(book, "procedures/complaint.md"))
    p = book.procedures["complaint"]
    for n, step in enumerate(p.steps, 1):
        assert f'id="step-{n}"' in text
        assert html.escape(step.action) in text
    assert book.say("visit-greeting") in text and "翠湖花园" in text
    assert 'class="kefu-say__label">说<' in text
    assert 'href="../sla.html#complaint-crm-entry"' in text
    assert 'href="../forms/shift-log.html"' in text
    assert 'href="../print/checklists/complaint.pdf"' in text
    assert p.reviewed in text
    assert '<pre class="mermaid' in text


def test_yaml_text_is_escaped_for_html(book, renderer):
    text = renderer.render(page(book, "procedures/complaint.md"))
    assert "<script>window.__pwned" not in text
    assert "&lt;script&gt;window.__pwned" in text
    title = renderer.render(page(book, "procedures/shift-handover.md"))
    assert "<img src=x" not in title
    # Markdown markup and template braces are inside raw HTML, so they stay as written
    assert "**加粗** | {{ x }}" in title


def test_flowchart_escapes_labels_and_draws_branches(book):
    chart = site.flowchart(book, book.procedures["complaint"])
    assert chart.startswith("flowchart TD")
    assert "s1 --> s2" in chart and "s2 --> s3" in chart
    assert re.search(r's3 -\. ".*" \.-> s1', chart)  # branch back to step 1
    assert "<img" not in chart and "#lt;img" in chart  # the branch box names 交接班 <img ...>


def test_mermaid_label_uses_mermaid_entities():
    assert site.mermaid_label('a "b" <c> #d & e') == "a #quot;b#quot; #lt;c#gt; #35;d #amp; e"


def test_sla_marks_company_overrides_with_the_default(book, renderer):
    text = renderer.render(page(book, "sla.md"))
    for rule_id in book.rules:  # every rule keeps its anchor sla.html#<rule-id> (findings link there)
        assert f'<div id="{rule_id}"' in text
    row = text[text.index('<div id="callback"'):]
    row = row[:row.index('<div id="', 10)] if '<div id="' in row[10:] else row
    assert "<strong>12 小时</strong>" in row and "公司规定" in row and "手册默认 24 小时" in row
    assert "<script" not in text


def test_role_page_has_timetable_procedures_scripts_and_evaluation(book, renderer):
    text = renderer.render(page(book, "roles/cs-assistant.md"))
    assert "我是客服管家" in text
    assert "每班的时间表" in text and "每周" in text
    routine = text[text.index("{#routine}"):text.index("{#procedures}")]
    assert "—" not in routine  # a task of the day without a time is listed, not given a dash
    assert "浏览业主论坛（每三小时）" in html.unescape(routine)
    assert 'href="../procedures/complaint.html"' in text
    assert "接待服务质量" in text and "1–3 分" in text
    assert book.say("callback-ask") in text


def test_a_night_shift_timetable_reads_from_its_start_past_midnight():
    """The shipped night shift: times from roles.yaml, in the order the shift lives them (20:00 first,
    the 08:00 handover last, as 次日), every timed task of the shift a row, and no row without a time."""
    repo = Path(__file__).resolve().parents[1]
    shipped, _ = lint(repo / "procedures", repo / "kefu.yaml")
    r = site.Renderer(shipped, site.Overrides())
    for role in shipped.roles.values():
        day = r.timetable(role.id)
        timed = [t for t in role.routine if t.cadence in site.DAY_CADENCES and site.clock_times(t.when)]
        start = site.day_start(sorted({m for t in timed for m in site.clock_times(t.when)}))
        keys = [min((m - start) % site.MINUTES for m in site.clock_times(t.when)) for _, t in day.rows]
        assert keys == sorted(keys), role.id  # in the order of the role's day
        assert len(day.rows) == len(timed) and all(times for times, _ in day.rows)
    night = r.timetable("night-duty")
    shown = [times[0] for times, _ in night.rows]
    assert shown[0] == "20:00" and shown[-1] == "次日 08:00", shown
    firsts = [site.clock_times(t.when)[0] for _, t in night.rows]
    assert firsts[1:-1] == sorted(firsts[1:-1])  # the rounds of the night in order
    day_shift = r.timetable("duty-officer")
    assert day_shift.rows[0][0][0] == "08:00"
    assert not any(x.startswith("次日") for times, _ in day_shift.rows for x in times)
    text = re.sub(r"<[^>]+>", "", r.render(next(p for p in site.page_plan(shipped) if p.uri == "roles/night-duty.md")))
    table = text[text.index("每班的时间表"):text.index("我要执行的规程")]
    assert "—" not in table and table.index("20:00") < table.index("次日 08:00")


def test_day_start_is_after_the_longest_stretch_without_a_task():
    assert site.day_start(site.clock_times("20:00、22:00、00:00、02:00、08:00")) == 20 * 60
    assert site.day_start(site.clock_times("07:30、09:00、19:30")) == 7 * 60 + 30
    assert site.day_start(site.clock_times("08:00、20:00")) == 8 * 60  # a tie: the morning
    assert site.day_start([]) == 0


def test_forms_page_lists_fields_choices_aliases_and_example(book, renderer):
    text = renderer.render(page(book, "forms/shift-log.md"))
    assert "<code>complaint</code> 投诉" in text
    assert "也可写：维修" in text
    assert "填好的样例" in text and "&lt;b&gt;很大&lt;/b&gt;" in text
    assert 'href="../schemas/records/shift-log.schema.json"' in text
    assert 'href="../print/forms/shift-log.pdf"' in text


def test_scripts_page_has_never_say_with_instead(book, renderer):
    text = renderer.render(page(book, "scripts.md"))
    assert 'id="never-dont-know"' in text
    assert book.say("will-check") in text


def test_home_block_lists_first_week_by_role(book, renderer):
    text = renderer.render_home()
    for role in book.roles.values():
        assert f"我是{role.name}" in text
    assert 'href="procedures/complaint.html"' in text


def test_links_are_relative_to_the_page(book):
    assert site.Links(book, "procedures/complaint.md").rule("callback") == "../sla.html#callback"
    assert site.Links(book, "sla.md").procedure("complaint", 2) == "procedures/complaint.html#step-2"
    assert site.Links(book, "index.md").to("forms/index.md") == "forms/index.html"


def test_redirect_keeps_the_hash():
    page_html = site.redirect_html("../sla.html", "时限一览")
    assert 'location.replace("../sla.html" + location.hash)' in page_html


def test_jieba_words_keep_terms_and_role_names_whole(book):
    words = site.jieba_words(book)
    assert "三米微笑" in words and "夜值" in words and "客服管家" in words
    assert all(" " not in w for w in words)


def test_vendored_scripts_ship_inside_the_package_with_their_licences():
    got = site.vendored()
    assert set(got) == set(site.VENDOR)
    for name, path in got.items():
        assert path.is_relative_to(Path(site.__file__).parent / "vendor")
        assert path.stat().st_size > 1000, name
        assert "MIT" in (path.parent / "LICENSE").read_text(encoding="utf-8")
        assert site.VENDOR[name][0] in (path.parent / "VERSION").read_text(encoding="utf-8")


def test_a_missing_vendored_script_is_a_clear_build_error(tmp_path, monkeypatch):
    monkeypatch.setattr(site, "VENDORED", tmp_path)
    with pytest.raises(PluginError, match=r"installed without its vendored iframe-worker@"):
        site.vendored()


def test_broken_content_raises_plugin_error_with_the_finding(tmp_path):
    import shutil

    content = tmp_path / "procedures"
    shutil.copytree(FIXTURE / "procedures", content)
    shutil.copy(FIXTURE.parent / "broken" / "procedures" / "broken-ref.yaml", content)
    with pytest.raises(PluginError, match=r"broken-ref\.yaml:10: error ref-unknown: .*cs-asistant"):
        site.load_model(content, FIXTURE / "kefu.yaml")


def test_post_build_prints_pdfs_into_site_print_unless_disabled(book, tmp_path, monkeypatch):
    import types

    calls = []
    fake = types.ModuleType("kefu.printing.render")
    fake.print_all = lambda b, out: calls.append((b, out)) or []  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "kefu.printing.render", fake)
    plugin = site.KefuPlugin()
    plugin.book = book
    config = types.SimpleNamespace(site_dir=str(tmp_path))
    monkeypatch.setenv("KEFU_NO_PDF", "1")
    plugin.on_post_build(config)
    assert calls == []
    monkeypatch.delenv("KEFU_NO_PDF")
    plugin.on_post_build(config)
    assert calls == [(book, tmp_path / "print")]


def test_a_page_per_source_document_under_the_sources_nav(book, renderer):
    uris = [p.uri for p in site.page_plan(book)]
    assert "sources/index.md" in uris
    assert {f"sources/{d.id}.md" for d in book.documents.values()} <= set(uris)
    nav = site.nav(book, site.page_plan(book))
    sources = next(e["来源"] for e in nav if isinstance(e, dict) and "来源" in e)
    assert next(iter(sources[0].values())) == "sources/index.md"
    doc = book.document("001")
    text = renderer.render(page(book, f"sources/{doc.id}.md"))
    assert f"《{doc.title}》" in text and "已收入手册" in text
    assert 'href="../procedures/complaint.html"' in text  # the section links the page that carries it
    assert 'id="sec-1"' in text


def test_pages_cite_documents_by_title_and_section_never_by_number(book, renderer):
    text = renderer.render(page(book, "procedures/complaint.md"))
    doc = book.document("001")
    assert f"《{doc.title}》" in text and "种子" not in text
    assert re.search(r'href="\.\./sources/' + doc.id + r'\.html#sec-\d+"', text)


def test_written_scripts_are_shown_as_examples(book, renderer):
    text = renderer.render(page(book, "scripts.md"))
    block = text[text.index('id="callback-ask"'):]
    assert '>示例说法<' in block[:1500]
    plain = text[text.index('id="ask-surname"'):]
    assert 'class="kefu-say__label">说<' in plain[:1500]


def test_a_procedure_past_its_review_shows_the_badge(book):
    import datetime as dt

    p = book.procedures["complaint"]
    later = site.Renderer(book, today=dt.date(2030, 1, 1)).render(page(book, "procedures/complaint.md"))
    assert "待复核" in later and p.reviewed in later
    now = site.Renderer(book, today=dt.date.fromisoformat(p.reviewed)).render(page(book, "procedures/complaint.md"))
    assert "待复核" not in now
    index = site.Renderer(book, today=dt.date(2030, 1, 1)).render(page(book, "procedures/index.md"))
    assert "待复核" in index


def test_incidents_page_names_whom_each_office_calls(book, renderer):
    text = renderer.render(page(book, "incidents.md"))
    assert "在公司通知谁" in text and "在管理处通知谁" in text


def test_time_limit_page_shows_the_company_and_estate_limits_and_checked_rules():
    """A company file with its own limit and an estate's own: the page shows what is in force."""
    repo = Path(__file__).resolve().parents[1]
    config = repo / "tests" / "contracts" / "examples" / "company" / "estate-limit" / "kefu.yaml"
    book, _ = lint(repo / "procedures", config)
    renderer = site.Renderer(book, site.company_overrides(repo / "procedures", config))
    text = re.sub(r"<[^>]+>", "", renderer.render(page(book, "sla.md")))
    rule = book.rules["complaint-crm-entry"]
    start = text.index(rule.heading())
    card = text[start:start + 400]
    assert rule.limit.zh() in card and "公司规定" in card
    estate, own = next((e, r["complaint-crm-entry"]) for e, r in book.estate_rules.items()
                       if "complaint-crm-entry" in r)
    assert f"{estate}：{own.limit.zh()}" in card
    assert rule.checked and "记录检查" in card
    proc, _n = book.steps_using("rules", rule.id)[0]
    step_page = re.sub(r"<[^>]+>", "", renderer.render(page(book, f"procedures/{proc.id}.md")))
    assert f"{estate}：{own.limit.zh()}" in step_page


def test_role_page_spreads_the_first_week_over_days_and_groups_procedures_by_cadence():
    repo = Path(__file__).resolve().parents[1]
    book, _ = lint(repo / "procedures", repo / "kefu.yaml")
    renderer = site.Renderer(book, site.Overrides())
    role = max(book.roles.values(), key=lambda r: len(r.first_week))
    text = re.sub(r"<[^>]+>", "", renderer.render(page(book, f"roles/{role.id}.md")))
    week = text[text.index("第一周怎么学"):]
    assert "第 1 天" in week and "第 5 天" in week
    for pid in role.first_week:  # every first-week procedure on one of the days
        assert book.procedures[pid].title in week
    cadences = {t.cadence for t in role.routine if t.procedure}
    for cadence in cadences:
        assert f"{site.CADENCE_ZH[cadence]}：" in text
    assert "2–2 分" not in text


def test_codes_page_lists_every_catalogue_code_and_every_checked_rule(book, renderer):
    from kefu import codes

    text = renderer.render(page(book, "codes.md"))
    catalogue = codes.load_all()
    shown = [c for c in catalogue.values() if c.group != "internal"]
    assert {"unreadable", "schema", "ref-unknown", "replaces-shipped", "no-source"} <= {c.id for c in shown}
    for code in shown:
        assert f'<tr id="{code.id}">' in text, code.id
        assert code.about in html.unescape(text)
    # an example message per template, rendered from the code's example parameters
    assert codes.example(catalogue["unreadable"], "syntax-colon") in html.unescape(text)
    assert "规程 “complaint” 第 2 步的执行岗位 “cs-asistant” 不存在" in html.unescape(text)
    for rule in book.rules.values():
        assert (f'id="rule-{rule.id}"' in text) == rule.checked
    nav = site.nav(book, site.page_plan(book))
    assert {"给主管": [{"提示代码一览": "codes.md"}]} in nav
