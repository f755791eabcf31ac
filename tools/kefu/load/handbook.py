"""The handbook: every content file of ``procedures/`` plus the company file, as one model.

This is the one place that decides which content folder and company file a
command reads (:func:`locate`), reads them into a :class:`~kefu.model.Handbook`
with the company's overrides applied (:func:`load_handbook`), and refuses a
broken one with a clear message (:func:`require`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kefu.findings import Finding, did_you_mean
from kefu.load import cache, rules
from kefu.load.yamlio import LineList, LineMap, LoadError, plain, read_yaml
from kefu.model import KINDS, Company, CompanyFile, Handbook, ShapeError, from_data

CONFIG_NAME = "kefu.yaml"


def _json_path_line(data: Any, path: Iterable[Any]) -> int | None:
    """Line of the value at a jsonschema error path inside LineMap/LineList data."""
    line = getattr(data, "line", None)
    node = data
    for step in path:
        in_map = isinstance(node, LineMap) and step in node
        in_list = isinstance(node, LineList) and isinstance(step, int) and step < len(node)
        if in_map or in_list:
            line = node.line_of(step)
            node = node[step]
        else:
            break
    return line


def _schema_findings(validator: Any, data: Any, path: str) -> tuple[list[Finding], set[tuple[Any, ...]]]:
    """Schema errors as findings with lines, and the (kind, index) of each item they are about."""
    out = []
    items: set[tuple[Any, ...]] = set()
    for err in sorted(validator.iter_errors(plain(data)), key=lambda e: list(map(str, e.absolute_path))):
        items.add(tuple(err.absolute_path)[:2])
        where = "/".join(str(p) for p in err.absolute_path)
        line = _json_path_line(data, err.absolute_path)
        message = err.message
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            known = list(err.schema.get("properties", {}))
            extra = [k for k in err.instance if k not in known]
            if extra:
                key = extra[0]
                node = data
                for step in err.absolute_path:
                    node = node[step]
                line = node.key_lines.get(key, line) if isinstance(node, LineMap) else line
                message = f"unknown key '{key}'{did_you_mean(key, known, 'en')}"
        out.append(Finding(path, line, "error", "schema", f"{where}: {message}" if where else message))
    return out, items


def _validator(schema: dict[str, Any]) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema)


def content_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


#: the handbook shipped with kefu: package data of the wheel, the repository's procedures/ in a checkout
#: (tools/kefu/procedures is a symbolic link to it there)
SHIPPED = (Path(__file__).resolve().parents[1] / "procedures").resolve()
#: how findings and pages name a file of the shipped handbook when a company's folder is layered over it
SHIPPED_PREFIX = "kefu:"


def layers(root: Path, cfg: Path | None) -> list[Path]:
    """The content folders to read, lowest first: the shipped handbook under a company's (``base: shipped``)."""
    if cfg is None or not cfg.is_file() or root.resolve() == SHIPPED:
        return [root]
    try:
        data = read_yaml(cfg, os.path.relpath(cfg))
    except LoadError:
        return [root]  # _apply_company reports the unreadable company file
    if isinstance(data, LineMap) and data.get("base") == "shipped":
        return [SHIPPED, root]
    return [root]


def is_shipped(path: str) -> bool:
    """Whether a finding's or item's path is a file of the shipped handbook under a company's layer."""
    return path.startswith(SHIPPED_PREFIX)


def find_config(root: Path, config: str | Path | None) -> Path | None:
    """The company file: --config, else kefu.yaml beside procedures/, else none."""
    if config:
        return Path(config)
    candidate = root.resolve().parent / CONFIG_NAME
    return candidate if candidate.is_file() else None


def locate(content: str | Path | None = None, config: str | Path | None = None) -> tuple[Path, Path | None]:
    """The content folder and company file a command reads, decided in one place.

    Content: ``--content``, else ``KEFU_CONTENT``, else ``./procedures``, else the
    shipped handbook.  Company file: ``--config``, else ``KEFU_CONFIG``, else
    ``kefu.yaml`` beside the content folder, else ``./kefu.yaml``, else none.
    """
    if content:
        root = Path(content)
    elif os.environ.get("KEFU_CONTENT"):
        root = Path(os.environ["KEFU_CONTENT"])
    elif Path("procedures").is_dir():
        root = Path("procedures")
    else:
        root = SHIPPED
    chosen = config or os.environ.get("KEFU_CONFIG") or None
    cfg = find_config(root, chosen)
    if cfg is None and Path(CONFIG_NAME).is_file():
        cfg = Path(CONFIG_NAME)
    return root, cfg


class HandbookError(Exception):
    """The handbook or company file cannot be used: one message for the user, exit code 2."""


def require(content: str | Path | None = None, config: str | Path | None = None, *,
            records_only: bool = False) -> tuple[Handbook, list[Finding]]:
    """Load and lint the handbook; raise :class:`HandbookError` when it is broken.

    Every command goes through here.  ``records_only`` is for ``kefu check`` and
    ``kefu new``: a supervisor checking logs is stopped only by what the checker
    needs (a company file lint rejects, the record forms and contract rules), not
    by an unrelated mistake elsewhere in ``procedures/``, which is ``kefu lint``'s business.
    """
    from kefu.check.contract import CONTRACT_RULES, RECORD_FORMS
    from kefu.lint import lint

    root, cfg = locate(content, config)
    if cfg is not None and not cfg.is_file():
        raise HandbookError(f"{cfg}: company file not found")
    if not root.is_dir():
        raise HandbookError(f"{root}: content folder not found")
    book, findings = cache.cached(cache.key(root, cfg, content_files(root)), lambda: lint(root, cfg))
    bad = [f for f in findings if f.severity == "error"]
    if records_only:
        company = os.path.relpath(cfg) if cfg is not None else None
        bad = [f for f in bad if f.path == company]
        if bad:
            raise HandbookError("; ".join(f.text() for f in bad[:5]))
        missing = [f for f in RECORD_FORMS if f not in book.forms or book.forms[f].kind != "record"]
        missing += [r for r in CONTRACT_RULES if r not in book.rules]
        if missing:
            raise HandbookError(f"the handbook in {root} lacks {', '.join(missing)}; run `kefu lint`")
        return book, findings
    if bad:
        lines = [f.text() for f in bad[:50]]
        more = f"\n... and {len(bad) - 50} more" if len(bad) > 50 else ""
        raise HandbookError(f"the handbook content has {len(bad)} error(s); fix them (kefu lint):\n"
                            + "\n".join(lines) + more)
    return book, findings


def load_handbook(root: str | Path = "procedures",
                  config: str | Path | None = None) -> tuple[Handbook, list[Finding]]:
    """Read every content file and the company file into one resolved :class:`Handbook`.

    Problems are returned as findings (never raised), so ``kefu lint`` can list
    them all in one run; items that do not fit their schema are left out.
    """
    from kefu.schema import company_schema, content_file_schema

    root = Path(root)
    findings: list[Finding] = []
    book = Handbook(company=Company())
    if not root.is_dir():
        findings.append(Finding(str(root), None, "error", "unreadable", "content folder not found"))
        return book, findings
    validator = _validator(content_file_schema())
    cfg = find_config(root, config)
    stack = layers(root, cfg)
    files = [(folder, file) for folder in stack for file in content_files(folder)]
    for folder, file in files:
        under = len(stack) > 1 and folder == SHIPPED
        shown = SHIPPED_PREFIX + file.relative_to(SHIPPED).as_posix() if under else os.path.relpath(file)
        try:
            data = read_yaml(file, shown)
        except LoadError as exc:
            findings.append(Finding(shown, exc.line, "error", "unreadable", exc.en))
            continue
        if not isinstance(data, LineMap):
            findings.append(Finding(shown, getattr(data, "line", 1), "error", "schema",
                                    "a content file is a mapping of kinds (roles:, procedures: ...)"))
            continue
        bad, bad_items = _schema_findings(validator, data, shown)
        findings += bad
        for kind, items in data.items():
            cls = KINDS.get(kind)
            if cls is None or not isinstance(items, LineList):
                continue
            target = book.kind(kind)
            for i, raw in enumerate(items):
                if (kind, i) in bad_items or not isinstance(raw, LineMap):
                    continue
                try:
                    item = from_data(cls, raw, items.line_of(i), shown)
                except ShapeError as exc:
                    findings.append(Finding(shown, exc.line, "error", "schema", exc.message))
                    continue
                if item.id in target and is_shipped(target[item.id].path) and not under:
                    first = target[item.id]
                    findings.append(Finding(shown, item.line, "warning", "replaces-shipped",
                                            f"{kind} id '{item.id}' replaces the shipped one "
                                            f"({first.path}:{first.line})"))
                elif item.id in target:
                    first = target[item.id]
                    findings.append(Finding(shown, item.line, "error", "duplicate-id",
                                            f"{kind} id '{item.id}' is already used at {first.path}:{first.line}"))
                    continue
                target[item.id] = item
    if cfg is not None:
        findings += _apply_company(book, cfg, _validator(company_schema()))
    else:
        findings += rules.apply(book, None, "")
    return book, findings


def _unknown(path: str, line: int, what: str, name: str, known: Iterable[str]) -> Finding:
    """An override naming something that does not exist, with the nearest id."""
    return Finding(path, line, "error", "ref-unknown",
                   f"{what} '{name}', which does not exist{did_you_mean(name, known, 'en')}")


def _apply_company(book: Handbook, cfg: Path, validator: Any) -> list[Finding]:
    """Apply the company file's settings and overrides; unknown ids are errors."""
    shown = os.path.relpath(cfg)
    try:
        data = read_yaml(cfg, shown)
    except LoadError as exc:
        return [Finding(shown, exc.line, "error", "unreadable", exc.en), *rules.apply(book, None, "")]
    if not isinstance(data, LineMap):
        return [Finding(shown, 1, "error", "schema", "the company file is a mapping (company:, rules: ...)"),
                *rules.apply(book, None, "")]
    findings, _ = _schema_findings(validator, data, shown)
    if findings:
        return findings + rules.apply(book, None, "")
    parsed: CompanyFile = from_data(CompanyFile, data, data.line, shown)
    parsed.company.path = shown
    book.company = parsed.company
    findings += rules.apply(book, parsed, shown)
    for script_id, s in parsed.scripts.items():
        script = book.scripts.get(script_id)
        if script is None:
            findings.append(_unknown(shown, s.line, "override of script", script_id, book.scripts))
            continue
        if s.text is not None:
            script.text = s.text
        if s.en is not None:
            script.en = s.en
    findings += _apply_kpis(book, parsed, shown)
    for phrase in parsed.phrases:
        if phrase.id in book.scripts:
            findings.append(Finding(shown, phrase.line, "error", "duplicate-id",
                                    f"phrase id '{phrase.id}' is already a shipped script"))
            continue
        phrase.path = shown
        book.scripts[phrase.id] = phrase
    return findings


def _apply_kpis(book: Handbook, parsed: CompanyFile, shown: str) -> list[Finding]:
    """A company changes a KPI's target, turns it off, or adds its own (like a rule)."""
    findings = []
    for kpi_id, override in parsed.kpis.items():
        kpi = book.kpis.get(kpi_id)
        if kpi is None:
            findings.append(_unknown(shown, override.line, "override of KPI", kpi_id, book.kpis))
            continue
        if override.target is not None:
            kpi.target = override.target
        if override.enabled is not None:
            kpi.enabled = override.enabled
        kpi.company_set = False
    for kpi in parsed.add_kpis:
        if kpi.id in book.kpis:
            findings.append(Finding(shown, kpi.line, "error", "duplicate-id",
                                    f"KPI id '{kpi.id}' is already a shipped KPI; change it under kpis:"))
            continue
        kpi.path = shown
        book.kpis[kpi.id] = kpi
    return findings
