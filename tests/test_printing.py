"""The printed paper, checked the way a trainer would: open the PDFs and read them.

All PDFs of the small fixture handbook (tests/fixtures/print/) are made once per
session through ``kefu print``; poppler's tools then read fonts, text, page size
and pixels.  Expected text comes from the model, never from literals here.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kefu.lint import lint
from kefu.load import load_handbook, plain, read_yaml
from kefu.model import Handbook, Limit
from kefu.present import reader_copy
from kefu.printing.render import (
    CACHE_NAME,
    INSPECTION_FORM,
    PACK_ID,
    UnknownId,
    checklist_html,
    codes,
    form_html,
    pack_html,
    print_all,
    render,
    rule_rows,
)

FIXTURE = Path(__file__).parent / "fixtures" / "print"
CONTENT = FIXTURE / "procedures"
CONFIG = FIXTURE / "kefu.yaml"
REPO = Path(__file__).resolve().parents[1]
A4 = (595.28, 841.89)
MARGIN_LR_PT = 15 / 25.4 * 72  # print.css: 15 mm left and right
LANDSCAPE_MARGIN_PT = 12 / 25.4 * 72  # print.css @page wide: 12 mm


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300)


def kefu(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "-m", "kefu.cli", *args)


def flat(text: str) -> str:
    """Text without any whitespace: pdftotext breaks lines where the page does."""
    return re.sub(r"\s+", "", text)


def text_of(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    result = run("pdftotext", "-raw", *pages, pdf, "-")
    assert result.returncode == 0, result.stderr
    return result.stdout


def pages_of(pdf: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", pdf).stdout, re.M).group(1))  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def book() -> Handbook:
    book, findings = lint(CONTENT, CONFIG)
    assert not [f for f in findings if f.severity == "error"], [f.text() for f in findings]
    return reader_copy(book)  # the text paper shows: record keys in prose become their labels


@pytest.fixture(scope="session")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("print")
    result = kefu("print", "--content", CONTENT, "--config", CONFIG, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def pdfs(printed: Path) -> list[Path]:
    return sorted(printed.rglob("*.pdf"))


def test_one_pdf_per_procedure_and_form_and_the_pack(book: Handbook, printed: Path, pdfs: list[Path]) -> None:
    expected = ({f"checklists/{p}.pdf" for p in book.procedures} | {f"forms/{f}.pdf" for f in book.forms}
                | {f"{PACK_ID}.pdf"}
                | {f"{PACK_ID}s/{r.id}.pdf" for r in book.roles.values() if r.first_week}
                | {f"cards/{r.id}.pdf" for r in book.roles.values() if book.procedures_of(r.id)}
                | {f"forms/{INSPECTION_FORM}/{r.id}.pdf" for r in book.roles.values() if book.evaluation_of(r.id)})
    assert {p.relative_to(printed).as_posix() for p in pdfs} == expected


def test_every_font_is_embedded_and_subset_and_one_is_cjk(pdfs: list[Path]) -> None:
    for pdf in pdfs:
        rows = run("pdffonts", pdf).stdout.splitlines()[2:]
        assert rows, f"{pdf.name}: no fonts"
        for row in rows:
            # name type... emb sub uni object gen: read the three yes/no columns from the right
            emb, sub, uni = row.split()[-5:-2]
            assert (emb, sub, uni) == ("yes", "yes", "yes"), f"{pdf.name}: {row}"
            assert re.match(r"^[A-Z]{6}\+", row), f"{pdf.name}: font not subset: {row}"
        assert any("CJK" in row for row in rows), f"{pdf.name}: no CJK font: {rows}"


def test_checklists_show_steps_words_and_limits_from_the_model(book: Handbook, printed: Path) -> None:
    for proc in book.procedures.values():
        text = flat(text_of(printed / "checklists" / f"{proc.id}.pdf"))
        assert flat(proc.title) in text
        assert flat(book.company.estate) in text
        for n, step in enumerate(proc.steps, 1):
            assert flat(step.action) in text, f"{proc.id} step {n}"
            for script in step.say:
                assert flat(book.say(script)) in text, f"{proc.id} step {n} says {script}"
            for rule_id in step.rules:
                rule = book.rules[rule_id]
                if rule.limit:
                    assert flat(rule.limit.zh()) in text, f"{proc.id} step {n} limit of {rule_id}"
                elif rule.target:
                    assert flat(rule.target) in text
        for blank in ("学员", "带教", "日期", "签字"):
            assert blank in text


def test_company_overrides_reach_the_paper(book: Handbook, printed: Path) -> None:
    """The fixture company file sets its own callback limit: the checklist prints that one."""
    overrides = plain(read_yaml(CONFIG))["rules"]
    assert overrides
    for rule_id, override in overrides.items():
        limit = Limit(**override["limit"])
        assert book.rules[rule_id].limit == limit
        for proc, _ in book.steps_using("rules", rule_id):
            assert flat(limit.zh()) in flat(text_of(printed / "checklists" / f"{proc.id}.pdf"))


def _gray_page(pdf: Path, tmp_path: Path) -> tuple[int, int, bytes]:
    """Page 1 at 50 dpi as 8-bit grey (PGM: a header and raw bytes)."""
    stem = tmp_path / pdf.stem
    result = run("pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-gray", pdf, stem)
    assert result.returncode == 0, result.stderr
    data = next(tmp_path.glob(f"{pdf.stem}*.pgm")).read_bytes()
    match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert match, "not a binary PGM"
    width, height = int(match.group(1)), int(match.group(2))
    return width, height, data[match.end():match.end() + width * height]


def test_page_one_is_drawn_and_not_blank(pdfs: list[Path], tmp_path: Path) -> None:
    for pdf in pdfs:
        width, height, pixels = _gray_page(pdf, tmp_path)
        assert len(pixels) == width * height
        ratio = min(width, height) / max(width, height)
        assert abs(ratio - A4[0] / A4[1]) < 0.01
        ink = sum(1 for p in pixels if p < 128) / len(pixels)
        assert 0.001 < ink < 0.5, f"{pdf.name}: {ink:.3%} of page 1 is ink"  # a cover is mostly paper


def test_every_page_is_a4(pdfs: list[Path]) -> None:
    for pdf in pdfs:
        info = run("pdfinfo", "-f", "1", "-l", str(pages_of(pdf)), pdf).stdout
        sizes = re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts", info)
        assert len(sizes) == pages_of(pdf)
        for w, h in sizes:  # portrait, or landscape for a wide record table
            assert sorted((float(w), float(h))) == pytest.approx(A4, abs=0.05), f"{pdf.name}: {w} x {h}"


def test_nothing_runs_off_the_page(pdfs: list[Path]) -> None:
    for pdf in pdfs:
        layout = run("pdftotext", "-bbox", pdf, "-").stdout
        pages = re.findall(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', layout, re.S)
        assert pages
        for width, body in pages:
            margin = MARGIN_LR_PT if float(width) < A4[1] - 1 else LANDSCAPE_MARGIN_PT
            for x_min, x_max in re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', body):
                assert float(x_min) >= margin - 1 and float(x_max) <= float(width) - margin + 1, pdf.name


def test_a_long_procedure_breaks_across_pages_between_steps(book: Handbook, printed: Path) -> None:
    proc = max(book.procedures.values(), key=lambda p: len(p.steps))
    pdf = printed / "checklists" / f"{proc.id}.pdf"
    assert pages_of(pdf) > 1
    last = flat(proc.steps[-1].action)
    assert last in flat(text_of(pdf, pages_of(pdf), pages_of(pdf)))
    pages = [flat(text_of(pdf, page, page)) for page in range(1, pages_of(pdf) + 1)]
    for n, step in enumerate(proc.steps, 1):  # a step split by a page break is whole on no page
        assert any(flat(step.action) in page for page in pages), f"step {n} split across pages"


def test_form_header_names_company_and_the_fixture_estate(book: Handbook, printed: Path) -> None:
    assert book.company.estate == "翠柳湾测试苑"  # from tests/fixtures/print/kefu.yaml, not the default
    for form in book.forms.values():
        first = flat(text_of(printed / "forms" / f"{form.id}.pdf", 1, 1))
        assert flat(book.company.estate) in first and flat(book.company.name) in first, form.id
        assert flat(form.title) in first


def test_form_fields_labels_and_choices_are_printed(book: Handbook, printed: Path) -> None:
    for form in book.forms.values():
        text = flat(text_of(printed / "forms" / f"{form.id}.pdf"))
        for field in form.fields:
            assert flat(field.label) in text, f"{form.id}.{field.key}"
            if (form.evaluation or form.id == INSPECTION_FORM) and field.type == "table":
                continue  # an inspection sheet prints the scheme in this table (tested below)
            for sub in field.fields:
                if not sub.paper:  # kept in record files only (tested with the duty log)
                    continue
                assert flat(sub.label) in text, f"{form.id}.{field.key}.{sub.key}"
                for choice in sub.choices:
                    assert flat(choice.label) in text
            for choice in field.choices:
                assert flat(choice.label) in text, f"{form.id}.{field.key}: {choice.label}"


def _long_tables(book: Handbook) -> list[tuple[str, list[str]]]:
    """(form id, column labels) of tables with more rows than fit on one page."""
    return [(form.id, [c.label for c in f.fields if c.paper]) for form in book.forms.values() for f in form.fields
            if f.type == "table" and f.rows >= 20 and not form.evaluation and form.id != INSPECTION_FORM]


def test_table_header_repeats_on_page_two(book: Handbook, printed: Path) -> None:
    tables = _long_tables(book)
    assert tables, "the fixture needs a long table"
    for form_id, labels in tables:
        pdf = printed / "forms" / f"{form_id}.pdf"
        assert pages_of(pdf) >= 2
        second = flat(text_of(pdf, 2, 2))
        for label in labels:
            assert flat(label) in second, f"{form_id}: header {label} not on page 2"


def test_inspection_sheet_per_scheme_with_components_maxima_and_levels(book: Handbook, printed: Path) -> None:
    sheets = {INSPECTION_FORM: list(book.evaluations.values())}
    sheets.update({f.id: [book.evaluations[f.evaluation]] for f in book.forms.values() if f.evaluation})
    for form_id, schemes in sheets.items():
        pdf = printed / "forms" / f"{form_id}.pdf"
        assert pages_of(pdf) >= len(schemes)
        for page, ev in enumerate(schemes, 1):
            text = flat(text_of(pdf, page, page)) if form_id == INSPECTION_FORM else flat(text_of(pdf))
            assert flat(ev.title) in text
            for c in ev.components:
                assert flat(c.name) in text and str(c.max) in text
            for lv in ev.levels:
                assert flat(lv.label) in text and f"{lv.min}–{lv.max}" in text
            assert str(sum(c.max for c in ev.components)) in text


def _checklist_starts(pdf: Path) -> list[tuple[int, str]]:
    """(page, title) of every checklist's first page in a pack: its kind line, then its title."""
    out = []
    for page in range(1, pages_of(pdf) + 1):
        text = text_of(pdf, page, page)
        match = re.search(r"上岗带教检查表\n(.+)\n", text)
        if match:
            out.append((page, match.group(1).strip()))
    return out


def test_whole_trainer_pack_prints_each_checklist_once_with_contents_page_numbers(
        book: Handbook, printed: Path) -> None:
    pdf = printed / f"{PACK_ID}.pdf"
    wanted = list(dict.fromkeys(p for r in book.roles.values() for p in r.first_week if p in book.procedures))
    assert len(wanted) < sum(len(r.first_week) for r in book.roles.values()), "the fixture shares a checklist"
    starts = _checklist_starts(pdf)
    assert [flat(t) for _p, t in starts] == [flat(book.procedures[p].title) for p in wanted]
    contents = text_of(pdf, 1, 1)
    for page, title in starts:
        match = re.search(re.escape(title) + r"\s*(\d+)", contents)
        assert match and int(match.group(1)) == page, f"contents: {title} is on page {page}"
    roles_page = flat(text_of(pdf, 2, 2))
    for role in book.roles.values():
        assert flat(role.name) in roles_page


def test_trainer_pack_per_role_has_its_days_and_only_its_checklists(book: Handbook, printed: Path) -> None:
    for role in book.roles.values():
        pdf = printed / f"{PACK_ID}s" / f"{role.id}.pdf"
        starts = _checklist_starts(pdf)
        assert [flat(t) for _p, t in starts] == [flat(book.procedures[p].title) for p in role.first_week]
        week = flat(text_of(pdf, 2, 2))
        assert "第1天" in week and flat(role.name) in week
        for pid in role.first_week:
            assert flat(book.procedures[pid].title) in week


def test_time_limit_table_flags_company_set_values_and_explains_working_days(book: Handbook, printed: Path) -> None:
    pdf = printed / f"{PACK_ID}.pdf"
    first = next(n for n in range(2, pages_of(pdf) + 1) if "时限和规定一览" in flat(text_of(pdf, n, n)))
    table = flat(text_of(pdf, first, pages_of(pdf)))  # the table, however many pages it takes
    assert "工作日" in table and "日历时间" in table
    flagged = [r for r in book.rules.values() if r.company_set]
    assert flagged, "the fixture needs a value the company must confirm"
    for row in rule_rows(book):
        assert flat(row.title) in table and flat(row.limit) in table
    assert table.count("待公司确认") >= len(flagged) + 1  # each flagged row, and the note explaining it
    for rule in flagged:  # the same mark beside the step on the checklist
        for proc, _n in book.steps_using("rules", rule.id):
            assert "待公司确认" in flat(text_of(printed / "checklists" / f"{proc.id}.pdf"))


def test_harfbuzz_subsets_the_fonts_and_keeps_checklists_small(printed: Path) -> None:
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    assert harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0)
    for pdf in (printed / "checklists").glob("*.pdf"):
        assert pdf.stat().st_size < 300_000, f"{pdf.name}: {pdf.stat().st_size} bytes"


def test_unchanged_html_is_not_rendered_again(book: Handbook, tmp_path: Path) -> None:
    proc = next(iter(book.procedures.values()))
    first = render(book, tmp_path, [proc.id])
    assert first.rendered == first.paths and (tmp_path / CACHE_NAME).is_file()
    stamp = first.paths[0].stat().st_mtime_ns
    again = render(book, tmp_path, [proc.id])
    assert again.rendered == [] and again.paths[0].stat().st_mtime_ns == stamp
    changed = copy.deepcopy(book)
    changed.procedures[proc.id].steps[0].action += "（已修改）"
    assert render(changed, tmp_path, [proc.id]).rendered == first.paths
    assert "（已修改）" in text_of(first.paths[0])
    assert print_all(changed, tmp_path, [proc.id]) == first.paths


def _cjk_faces(pdf: Path) -> int:
    """Embedded CJK font programs in a PDF (pdffonts lists each font object once)."""
    return sum("CJK" in row for row in run("pdffonts", pdf).stdout.splitlines()[2:])


def _bookmarks(pdf: Path) -> list[tuple[str, int]]:
    """(title, 1-based page) of a PDF's top-level bookmarks."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    return [(str(item.title), reader.get_destination_page_number(item) + 1)
            for item in reader.outline if not isinstance(item, list)]


def test_a_pack_is_its_checklists_pages_with_one_face_per_sheet_and_their_bookmarks(
        book: Handbook, printed: Path) -> None:
    """A pack is cut from the pages already laid out: it embeds the CJK face once per worker
    that laid its parts out (not once per checklist), and keeps each checklist's bookmark."""
    from kefu.printing.render import workers

    for pdf in [printed / f"{PACK_ID}.pdf", *sorted((printed / f"{PACK_ID}s").glob("*.pdf"))]:
        starts = _checklist_starts(pdf)
        assert 1 <= _cjk_faces(pdf) <= min(workers(), len(starts) + 2), pdf.name  # front, checklists, table
        marks = _bookmarks(pdf)
        for page, title in starts:
            assert sum(flat(t) == flat(title) for t, _p in marks) == 1, f"{pdf.name}: {title} bookmarked once"
            assert page in [p for t, p in marks if flat(t) == flat(title)], f"{pdf.name}: {title} -> {page}"


def test_one_worker_prints_every_pdf_with_the_face_once(
        book: Handbook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In one process everything is one sheet: every PDF, packs too, embeds the face once,
    and a checklist cut out of the sheet keeps its title, language and page count."""
    monkeypatch.setenv("KEFU_PRINT_WORKERS", "1")
    report = render(book, tmp_path)
    assert report.rendered == report.paths
    for pdf in report.paths:
        assert _cjk_faces(pdf) == 1, pdf.name
    proc = next(iter(book.procedures.values()))
    pdf = tmp_path / "checklists" / f"{proc.id}.pdf"
    info = run("pdfinfo", pdf).stdout
    assert re.search(r"^Title:\s+" + re.escape(proc.title), info, re.M), info
    assert _bookmarks(pdf) == [(proc.title, 1)]
    from pypdf import PdfReader

    assert PdfReader(pdf).root_object.get("/Lang") == "zh-CN"


def test_a_changed_checklist_reprints_itself_and_the_packs_that_hold_it(book: Handbook, tmp_path: Path) -> None:
    """What mkdocs serve does after an edit: the other checklists' PDFs are kept and the packs
    take their pages from them; each pack still lists each of its checklists once."""
    render(book, tmp_path)
    proc = next(p for p in book.procedures.values()
                if sum(p.id in r.first_week for r in book.roles.values()) >= 1)
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.pdf")}
    changed = copy.deepcopy(book)
    changed.procedures[proc.id].steps[0].action += "（已修改）"
    report = render(changed, tmp_path)
    holding = {tmp_path / f"{PACK_ID}.pdf"} | {tmp_path / f"{PACK_ID}s" / f"{r.id}.pdf"
                                                for r in book.roles.values() if proc.id in r.first_week}
    assert set(report.rendered) == {tmp_path / "checklists" / f"{proc.id}.pdf"} | holding
    for pdf, stamp in stamps.items():
        assert (pdf.stat().st_mtime_ns == stamp) == (pdf not in report.rendered), pdf.name
    for pdf in holding:
        assert "（已修改）" in flat(text_of(pdf))
        titles = [flat(t) for _p, t in _checklist_starts(pdf)]
        assert len(titles) == len(set(titles)) and flat(proc.title) in titles


def test_unknown_id_names_the_nearest_one(book: Handbook, tmp_path: Path) -> None:
    proc = next(iter(book.procedures))
    with pytest.raises(UnknownId) as info:
        print_all(book, tmp_path, [proc + "x"])
    assert info.value.hint == proc
    result = kefu("print", "--content", CONTENT, "--config", CONFIG, "--out", tmp_path, proc + "x")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert proc in result.stderr
    assert not list(tmp_path.rglob("*.pdf"))


def test_unwritable_dir_is_one_line_and_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = kefu("print", "--content", CONTENT, "--config", CONFIG, "--out", blocker / "print")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "cannot write" in result.stderr


def test_shipped_content_makes_html_for_every_page() -> None:
    """The content other engineers are writing: every page's HTML builds (strict templates)."""
    shipped, _ = load_handbook(REPO / "procedures", REPO / "kefu.yaml")
    assert shipped.procedures and shipped.forms
    for proc in shipped.procedures.values():
        assert flat(proc.title) in flat(checklist_html(shipped, proc))
    for form in shipped.forms.values():
        assert flat(shipped.company.estate) in flat(form_html(shipped, form))
    assert pack_html(shipped)


def test_checklists_mark_example_scripts_and_a_review_past_due(book: Handbook) -> None:
    import datetime as dt

    from kefu.printing.render import checklist_html, checklist_view

    proc = book.procedures["complaint"]
    view = checklist_view(book, proc, today=dt.date(2030, 1, 1))
    says = [w for s in view.steps for w in s.says]
    assert [w.example for w in says if "满意吗" in w.text] == [True]
    assert not any(w.example for w in says if "请问您需要哪些帮助" in w.text)
    assert view.review_due is not None and view.reviewed == proc.reviewed
    html = checklist_html(book, proc)
    assert "示例说法" in html and "最近审核" in html
    assert checklist_view(book, proc, today=dt.date.fromisoformat(proc.reviewed)).review_due is None


def test_the_sla_table_names_documents_by_title(book: Handbook) -> None:
    rows = rule_rows(book)
    assert rows and all("种子" not in r.source for r in rows)
    assert any("《东湖湾项目贴心服务内容》" in r.source for r in rows)


def _ruled_lines(pdf: Path, page: int, tmp_path: Path) -> int:
    """Horizontal rules across most of the page width on one page: a table's row borders."""
    stem = tmp_path / f"{pdf.stem}-{page}"
    assert run("pdftoppm", "-r", "60", "-f", str(page), "-l", str(page), "-gray", pdf, stem).returncode == 0
    data = next(tmp_path.glob(f"{pdf.stem}-{page}*.pgm")).read_bytes()
    match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert match
    width, height = int(match.group(1)), int(match.group(2))
    pixels = data[match.end():]
    lines, previous = 0, False
    for y in range(height):
        row = pixels[y * width:(y + 1) * width]
        dark = sum(1 for p in row if p < 170) > 0.8 * width * 0.9
        lines += dark and not previous
        previous = dark
    return lines


def test_duty_log_is_landscape_one_line_per_entry_with_codes_and_signed_handover(
        book: Handbook, printed: Path, tmp_path: Path) -> None:
    form = book.forms["shift-log"]
    pdf = printed / "forms" / "shift-log.pdf"
    entries = next(f for f in form.fields if f.type == "table")
    columns = [c for c in entries.fields if c.paper]
    info = run("pdfinfo", pdf).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())  # type: ignore[union-attr]
    assert w > h, "the duty log prints landscape"
    first = text_of(pdf, 1, 1)
    header = next(line for line in first.splitlines() if flat(columns[0].label) in flat(line)
                  and flat(columns[-1].label) in flat(line))
    for c in columns:  # every column on one header line: one line per entry
        assert flat(c.label) in flat(header), c.label
    for c in entries.fields:
        if not c.paper:
            assert flat(c.label) not in flat(header), f"{c.label} is for record files only"
    for c in columns:
        if c.choices:  # coded columns have their legend
            for code, label in codes([x.label for x in c.choices]):
                assert f"{code}＝{label}" in first
    lines = sum(_ruled_lines(pdf, page, tmp_path) for page in range(1, pages_of(pdf) + 1))
    assert lines >= entries.rows, f"{lines} ruled lines for {entries.rows} entries"
    assert pages_of(pdf) <= 2
    last = flat(text_of(pdf, pages_of(pdf), pages_of(pdf)))
    handover = next(f for f in form.fields if f.type == "mapping")
    for part in handover.fields:
        assert flat(part.label) in last
    assert form.signatures
    for who in form.signatures:
        assert f"{who}签字" in last


def test_incident_report_fits_one_page_with_room_and_signatures(book: Handbook, printed: Path) -> None:
    form = book.forms["incident-report"]
    pdf = printed / "forms" / "incident-report.pdf"
    assert pages_of(pdf) == 1
    text = flat(text_of(pdf))
    assert form.signatures
    for who in form.signatures:
        assert f"{who}签字" in text


def test_one_inspection_sheet_per_role_names_the_role_and_only_its_scheme(book: Handbook, printed: Path) -> None:
    for role in book.roles.values():
        ev = book.evaluation_of(role.id)
        if ev is None:
            continue
        pdf = printed / "forms" / INSPECTION_FORM / f"{role.id}.pdf"
        text = flat(text_of(pdf))
        assert flat(role.name) in text
        for c in ev.components:
            assert flat(c.name) in text
        for other in book.evaluations.values():
            if other.id != ev.id and other.title != ev.title:
                assert flat(other.title) not in text


def test_checklist_sign_off_is_on_the_page_of_the_last_step_with_version_and_review(
        book: Handbook, printed: Path) -> None:
    for proc in book.procedures.values():
        pdf = printed / "checklists" / f"{proc.id}.pdf"
        last = flat(text_of(pdf, pages_of(pdf), pages_of(pdf)))
        assert flat(proc.steps[-1].action) in last and "学员签字" in last and "带教签字" in last, proc.id
        assert "版本" in last and (not proc.reviewed or proc.reviewed in last)


def test_paper_has_no_record_keys_or_command_names(book: Handbook, printed: Path, pdfs: list[Path]) -> None:
    keys = {f.key for form in book.forms.values() if form.kind == "record" for f in _all_fields(form.fields)
            if "_" in f.key}
    assert "crm_at" in keys  # the fixture's explain text names it, the paper must not
    for pdf in pdfs:
        text = text_of(pdf)
        for key in keys:
            assert not re.search(rf"\b{key}\b", text), f"{pdf.name}: {key}"
        assert "kefu" not in text and "YYYY" not in text and "HH:MM" not in text, pdf.name


def _all_fields(fields: list) -> list:
    out = []
    for f in fields:
        out += [f, *_all_fields(f.fields)]
    return out


def test_quick_card_is_one_page_with_the_roles_words_and_limits(book: Handbook, printed: Path) -> None:
    for role in book.roles.values():
        if not book.procedures_of(role.id):
            continue
        pdf = printed / "cards" / f"{role.id}.pdf"
        assert pages_of(pdf) == 1
        text = flat(text_of(pdf))
        assert flat(role.name) in text
        scripts = book.scripts_of(role.id)
        if scripts:
            assert flat(book.say(scripts[0].id)) in text


def test_traditional_edition_prints_in_traditional_characters(tmp_path: Path) -> None:
    """The same checklist for a company writing traditional characters (OpenCC at print time)."""
    hant = REPO / "tests" / "fixtures" / "site" / "hant" / "kefu.yaml"
    out = tmp_path / "print"
    res = subprocess.run([sys.executable, "-m", "kefu.cli", "print", "--config", str(hant), "--out", str(out),
                          "complaint"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    pdf = out / "checklists" / "complaint.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "投訴" in text and "投诉" not in text
    assert "頁" in text and "页" not in text, "the stylesheet's page footer is converted too"
