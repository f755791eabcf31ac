"""The ``kefu`` command: a thin click layer over plain functions.

Each command parses options, calls one function of a module named for what
it does, and renders findings.  Exit codes: 0 clean, 1 findings, 2 an
unreadable input or a bad command line (click's own usage errors are 2 too).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from kefu.findings import Finding, errors
from kefu.load import HandbookError, locate, require
from kefu.model import Handbook

REPO = Path(__file__).resolve().parents[2]


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr and a distinct exit code; never a traceback."""
    click.echo(f"kefu: {message}", err=True)
    sys.exit(code)


def render(findings: list[Finding], fmt: str, out: Any = None, lang: str = "zh") -> None:
    if fmt == "json":
        data = [{"path": f.path, **f.as_json(lang)} for f in findings]
        import json

        click.echo(json.dumps(data, ensure_ascii=False, indent=2), file=out)
    else:
        for f in findings:
            click.echo(f.text(lang), file=out)


def lint_summary(findings: list[Finding], lang: str) -> str:
    n_err = errors(findings)
    if lang == "en":
        return (f"{len(findings)} finding(s): {n_err} error(s), {len(findings) - n_err} warning(s)"
                if findings else "no findings")
    return f"共 {len(findings)} 条：{n_err} 个错误，{len(findings) - n_err} 个警告" if findings else "没有发现问题"


def load_book(content: str | None, config: str | None, records_only: bool = False) -> Handbook:
    """The resolved model, or exit 2 with the reason (kefu.load.require decides what is broken)."""
    try:
        book, _ = require(content, config, records_only=records_only)
    except HandbookError as exc:
        fail(str(exc))
    return book


content_option = click.option("--content", type=click.Path(), default=None,
                              help="folder of handbook YAML (default: ./procedures or the shipped one)")
config_option = click.option("--config", type=click.Path(), default=None,
                             help="company file (default: ./kefu.yaml)")


class Command(click.Command):
    """A kefu subcommand: its usage line speaks Chinese like its errors (kefu.cliio)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class Group(click.Group):
    command_class = Command


@click.group(cls=Group, options_metavar="[选项]", subcommand_metavar="子命令 [参数]...",
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kefu")
def cli() -> None:
    """kefu: the property customer-service handbook, as code."""


def main(args: list[str] | None = None) -> NoReturn:
    """The ``kefu`` command: click's own run, with kefu's edges (cliio) around it.

    A reader that stops early (``| head -1``) does not change the exit code and
    prints no traceback; an output that cannot be written is one line, exit 2.
    """
    from kefu.cliio import OutputError, install

    install()
    code: int | str | None = 0
    try:
        cli.main(args=args, prog_name="kefu")
    except SystemExit as exc:
        code = exc.code
    except OutputError as exc:
        click.echo(f"kefu: {exc}", err=True)
        code = 2
    try:
        sys.stdout.flush()
    except OutputError as exc:
        click.echo(f"kefu: {exc}", err=True)
        code = 2
    sys.exit(code)


@cli.command("lint")
@content_option
@config_option
@click.option("--strict", is_flag=True, help="also list values the company must decide (company_set)")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="language of the messages")
def lint_command(content: str | None, config: str | None, strict: bool, fmt: str, lang: str) -> None:
    """Check the handbook content: schema, ids, references, the contract's rules."""
    from kefu.lint import lint

    root, cfg = locate(content, config)
    if cfg is not None and not cfg.is_file():
        fail(f"{cfg}：公司文件不存在")
    _, findings = lint(root, cfg, strict=strict)
    render(findings, fmt, lang=lang)
    if fmt == "text":
        click.echo(lint_summary(findings, lang), err=True)
    if any(f.rule == "unreadable" for f in findings):
        sys.exit(2)
    counted = findings if strict else [f for f in findings if f.severity == "error"]
    sys.exit(1 if counted else 0)


@cli.command("export")
@content_option
@config_option
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json")
def export_command(content: str | None, config: str | None, fmt: str) -> None:
    """Print the whole resolved model (company overrides applied) as JSON."""
    from kefu.export import export

    book = load_book(content, config)
    import json

    click.echo(json.dumps(export(book), ensure_ascii=False, indent=2))


@cli.command("schema")
@content_option
@click.option("--out", type=click.Path(), default=None, help="folder (default: schemas/ of the repository)")
@click.option("--check", "check_only", is_flag=True, help="exit 1 when the files are stale, write nothing")
def schema_command(content: str | None, out: str | None, check_only: bool) -> None:
    """Write the JSON Schemas of the content kinds and the record forms."""
    from kefu import schema

    book = load_book(content, None)
    # a checkout's schemas/ (committed, checked by pre-commit); elsewhere ./schemas
    target = Path(out) if out else REPO / "schemas" if (REPO / "pyproject.toml").is_file() else Path("schemas")
    if check_only:
        stale = schema.stale(book, target)
        for rel in stale:
            click.echo(f"{target / rel}: stale; run `kefu schema`")
        sys.exit(1 if stale else 0)
    try:
        written = schema.write(book, target)
    except OSError as exc:
        fail(f"{target}: cannot write: {exc.strerror}")
    click.echo(f"{len(written)} schema(s) in {target}")


@cli.command("init")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--name", default="示例物业服务有限公司", show_default=True, help="company name")
@click.option("--estate", default="示例小区", show_default=True, help="the first estate's name")
@click.option("--timezone", default="Asia/Shanghai", show_default=True)
def init_command(folder: str, name: str, estate: str, timezone: str) -> None:
    """Create a company's handbook repository: kefu.yaml, procedures/ over the shipped handbook, mkdocs.yml."""
    from kefu.init import InitError, init

    try:
        written = init(Path(folder), name, estate, timezone)
    except InitError as exc:
        fail(str(exc))
    click.echo(f"已建立 {folder}（{len(written)} 个文件）。下一步：")
    click.echo(f"  cd {folder} && kefu lint && mkdocs build --strict")


# --- check (kefu.check) -----------------------------------------------------
@cli.command("check")
@click.argument("paths", nargs=-1, metavar="记录文件或文件夹...")
@content_option
@config_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="language of the messages")
@click.option("--as-of", "as_of", default=None, metavar='"YYYY-MM-DD HH:MM"',
              help="check deadlines as of this local time (default: end of the shift)")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="worker processes (default: all cores)")
def check_command(paths: tuple[str, ...], content: str | None, config: str | None, fmt: str, lang: str,
                  as_of: str | None, jobs: int | None) -> None:
    """Check filled-in records (shift logs, incident reports, inspection sheets) against the handbook."""
    import kefu.check.engine as check
    from kefu.check.workdays import zone

    if not paths:
        raise click.UsageError("缺少要检查的记录：写出一个或多个值班记录、事件报告、巡检表的文件或文件夹",
                               click.get_current_context())
    book = load_book(content, config, records_only=True)
    root, cfg = locate(content, config)
    try:
        moment = check.parse_as_of(as_of, zone(book.company.timezone)) if as_of is not None else None
    except check.SetupError as exc:
        fail(str(exc))
    state = check.State.build(book, check.Settings(lang=lang, as_of=moment, fmt=fmt))
    # sys.stdout is kefu.cliio.SafeStdout: `| head` drops the rest, the code stays the check's
    code = check.run(list(paths), state, sys.stdout, root, cfg, jobs)
    sys.exit(code)


# --- new (kefu.check) -------------------------------------------------------
@cli.command("new")
@click.argument("form_id", metavar="shift-log|incident-report|inspection")
@content_option
@config_option
@click.option("--date", default=None, metavar="YYYY-MM-DD", help="pre-fill the date")
@click.option("--shift", default=None, help="pre-fill the shift, e.g. 白班 / 夜班 (and its usual times)")
@click.option("--role", default=None, help="inspection: pre-fill the components of this role's scheme")
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsx"]), default="yaml",
              help="yaml (default) or an Excel workbook with drop-down lists")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="write to this file (xlsx: required unless standard output is redirected)")
def new_command(form_id: str, content: str | None, config: str | None, date: str | None,
                shift: str | None, role: str | None, fmt: str, out: str | None) -> None:
    """Print a blank record to fill in, with Chinese comments, generated from the form."""
    from kefu.check import new
    from kefu.check.workdays import TimeError, parse_date
    from kefu.findings import did_you_mean

    book = load_book(content, config, records_only=True)
    form = book.forms.get(form_id)
    if form is None or form.kind != "record":
        records = [f.id for f in book.forms.values() if f.kind == "record"]
        fail(f"unknown record form '{form_id}'{did_you_mean(form_id, records, 'en')}; "
             f"one of: {', '.join(records)}")
    if date is not None:
        try:
            ok = parse_date(date) is not None
        except TimeError:
            ok = False
        if not ok:
            fail(f"--date: expected YYYY-MM-DD, got {date!r}")
    if role is not None and book.role_named(role) is None:
        fail(f"--role: no role named {role!r}{did_you_mean(role, [r.name for r in book.roles.values()], 'en')}")
    if fmt == "xlsx":
        from kefu.check.new_xlsx import workbook

        data = workbook(book, form, date=date, shift=shift, role=role)
    else:
        data = new.blank(book, form, date=date, shift=shift, role=role).encode("utf-8")
    if out is not None:
        try:
            Path(out).write_bytes(data)
        except OSError as exc:
            fail(f"{out}: cannot write: {exc.strerror}")
        click.echo(f"{out}", err=True)
        return
    if fmt == "xlsx" and sys.stdout.isatty():
        fail("an Excel workbook is not printed to a terminal: use --out FILE.xlsx or redirect "
             "(kefu new shift-log --format xlsx > 值班记录.xlsx)")
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:  # `kefu new shift-log | head`
        sys.stderr.close()
    except OSError as exc:  # a full disk, /dev/full
        fail(f"standard output: cannot write: {exc.strerror}")


# --- report (kefu.report) --------------------------------------------------
@cli.command("report")
@click.argument("paths", nargs=-1)
@click.option("--from", "from_json", is_flag=True,
              help="PATHS are outputs of `kefu check --format json` (several shards are merged)")
@click.option("--month", default=None, metavar="YYYY-MM", help="the month (default: the month most records are about)")
@click.option("--project", default=None, help="only this project (estate)")
@click.option("--out", type=click.Path(file_okay=False), default="report", show_default=True,
              help="folder for report.html, report.pdf, report.xlsx and the CSV files")
@click.option("--no-pdf", is_flag=True, help="skip the PDF")
@content_option
@config_option
@click.option("--as-of", "as_of", default=None, metavar='"YYYY-MM-DD HH:MM"', help="check deadlines as of this time")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="worker processes for the check")
def report_command(paths: tuple[str, ...], from_json: bool, month: str | None, project: str | None, out: str,
                   no_pdf: bool, content: str | None, config: str | None, as_of: str | None,
                   jobs: int | None) -> None:
    """A month of shift logs, incident reports and inspections as KPIs, tables and charts."""
    import re

    from kefu.report import data
    from kefu.report.build import build
    from kefu.report.write import write_all

    if not paths:
        fail("nothing to report on: kefu report PATH... (records, or --from check outputs)")
    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        fail(f"--month: expected YYYY-MM, got {month!r}")
    progress = sys.stderr.isatty()
    try:
        if from_json:
            doc = data.merge([data.load_json(p) for p in paths])
        else:
            doc = data.run_check(list(paths), content, config, as_of, jobs, progress)
    except data.ReportError as exc:
        fail(str(exc))
    book = load_book(content, config, records_only=True)
    report = build(book, doc, month=month, project=project)
    bar = data.Progress(3 + (0 if no_pdf else 1) + 5, "写出报告") if progress else None
    try:
        written = write_all(report, Path(out), with_pdf=not no_pdf, progress=(lambda _: bar.tick()) if bar else None)
    except OSError as exc:
        fail(f"{exc.filename or out}: cannot write: {exc.strerror or exc}")
    if bar:
        bar.done()
    s = doc.get("summary", {})
    for u in report.unreadable[:10]:
        click.echo(f"{u['path']}{':' + str(u['line']) if u['line'] else ''}: 无法读取：{u['message']}", err=True)
    if len(report.unreadable) > 10:
        click.echo(f"……另有 {len(report.unreadable) - 10} 个文件无法读取，见 report.html", err=True)
    click.echo(f"{report.month}：{report.counts['items']} 件事项，{report.counts['errors']} 个错误，"
               f"{report.counts['warnings']} 个提醒；{len(written)} 个文件写入 {out}/", err=True)
    sys.exit(2 if s.get("unreadable") else 0)


# --- print (kefu.printing) --------------------------------------------------
@cli.command("print")
@content_option
@config_option
@click.option("--out", type=click.Path(), default="site/print", show_default=True,
              help="folder for checklists/, forms/ and trainer-pack.pdf")
@click.option("--force", is_flag=True, help="render every PDF even when its HTML has not changed")
@click.argument("ids", nargs=-1)
def print_command(content: str | None, config: str | None, out: str, force: bool, ids: tuple[str, ...]) -> None:
    """Write A4 PDFs: a checklist per procedure, a blank form per form, the trainer pack.

    With IDs (procedure ids, form ids, trainer-pack), only those.
    """
    from kefu.printing.render import PrintError, render

    book = load_book(content, config)
    target = Path(out)
    try:
        report = render(book, target, list(ids) if ids else None, force=force)
    except PrintError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or target}: cannot write: {exc.strerror or exc}")
    click.echo(f"{len(report.paths)} PDF(s) in {target} ({len(report.rendered)} rendered, "
               f"{len(report.paths) - len(report.rendered)} unchanged)")


if __name__ == "__main__":  # pragma: no cover
    main()
