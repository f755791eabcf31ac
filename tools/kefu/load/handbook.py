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

from kefu import codes
from kefu.codes import Text
from kefu.findings import Finding, hint, make
from kefu.load import cache, rules
from kefu.load.yamlio import LineList, LineMap, LoadError, plain, read_yaml
from kefu.model import KINDS, Company, CompanyFile, Handbook, ShapeError, from_data

CONFIG_NAME = "kefu.yaml"

#: a content kind in words (kefu.model.KINDS)
KIND = {
    "roles": Text("岗位", "role"), "procedures": Text("规程", "procedure"), "scripts": Text("话术", "script"),
    "rules": Text("时限", "rule"), "forms": Text("表单", "form"), "evaluations": Text("考评", "evaluation"),
    "categories": Text("服务类别", "category"), "incident_classes": Text("突发事件分类", "incident class"),
    "glossary": Text("术语", "term"), "phrases": Text("话术", "phrase"),
}

codes.declare(
    "schema", "error",
    "内容不符合手册的格式：多了或少了键、值的类型或取值不对。按提示改好这一项；这一项在改好前不进手册。",
    group="lint",
    example={"where": "procedures/0/steps/2", "key": "actr",
             "hint": Text("（是不是 actor？）", " (did you mean actor?)"),
             "detail": Text("应为列表", "expected a list"), "label": Text("规程 'complaint'", "procedure 'complaint'"),
             "value": "13:61", "allowed": "daily, weekly", "name": "Asia/Shangai"},
    _=("{where}：{detail}", "{where}: {detail}"),
    unknown_key=("{where}：没有键 “{key}”{hint}", "{where}: unknown key '{key}'{hint}"),
    missing_key=("{where}：缺少必填的键 “{key}”", "{where}: '{key}' is a required property"),
    bad_value=("{where}：“{value}” 不是允许的值（{allowed}）", "{where}: '{value}' is not one of {allowed}"),
    not_mapping=("内容文件应是按类别分组的映射（roles:、procedures: ……）",
                 "a content file is a mapping of kinds (roles:, procedures: ...)"),
    company_not_mapping=("公司文件应是映射（company:、rules: ……）",
                         "the company file is a mapping (company:, rules: ...)"),
    level=("{label}：下限 {value} 大于上限 {allowed}", "{label}: min {value} > max {allowed}"),
    reason=("{label}：company_set: true 需要写 company_set_reason（为什么是这个默认值）",
            "{label}: company_set: true needs company_set_reason"),
    timezone=("公司时区 “{name}” 不是已知的时区（例如 Asia/Shanghai）",
              "company timezone '{name}' is not a known time zone (e.g. Asia/Shanghai)"),
    date=("公司 {key}：“{value}” 不是日期 YYYY-MM-DD", "company {key}: '{value}' is not a date YYYY-MM-DD"),
    site_url=("公司 site_url “{value}” 要以 / 结尾（检查结果链接到 site_url + 'sla/#id'）",
              "company site_url '{value}' must end with '/' (findings link to site_url + 'sla/#id')"),
)
codes.declare(
    "duplicate-id", "error", "同一类内容里两项用了同一个 id：id 是引用和网址的依据，必须唯一。改掉后一项的 id。",
    group="lint", example={"kind": KIND["procedures"], "id": "complaint", "first": "procedures/complaint.yaml:3",
                           "label": Text("考评 'cs-monthly'", "evaluation 'cs-monthly'")},
    _=("{kind} id “{id}” 已在 {first} 用过", "{kind} id '{id}' is already used at {first}"),
    phrase=("话术 id “{id}” 已是手册自带的话术", "phrase id '{id}' is already a shipped script"),
    kpi=("指标 id “{id}” 已是手册自带的指标：要改它写在 kpis: 下", "KPI id '{id}' is already a shipped KPI; change it under kpis:"),
    component=("{label} 有两项 “{id}”", "{label} has component '{id}' twice"),
)
codes.declare(
    "ref-unknown", "error",
    "引用了不存在的 id（岗位、规程、话术、时限、表单……）：多半是拼写错误，按提示改成已有的 id。",
    group="lint",
    example={"what": Text("规程 “complaint” 第 2 步的执行岗位", "procedure 'complaint' step 2 names role"),
             "target": "cs-asistant", "hint": Text("（是不是 cs-assistant？）",
                                                                            " (did you mean cs-assistant?)"),
             "step": 7, "steps": 5},
    _=("{what} “{target}” 不存在{hint}", "{what} \"{target}\", which does not exist{hint}"),
    step=("{what}转到第 {step} 步，但只有 {steps} 步", "{what} branches to step {step}, but it has {steps} steps"),
)
codes.declare(
    "replaces-shipped", "warning", "公司内容文件夹里的一项与 kefu 自带手册的一项 id 相同，替换了自带的那一项。"
    "是有意的就不用改；否则换一个新 id。", group="lint",
    example={"kind": KIND["scripts"], "id": "phone-greeting", "first": "kefu:scripts/phone.yaml:3"},
    _=("{kind} “{id}” 替换了自带手册的同一项（{first}）", "{kind} id '{id}' replaces the shipped one ({first})"),
)


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
        at: Any = where or Text("文件顶层", "top level")
        finding = make("schema", path, line, where=at, detail=_detail(err))
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            known = list(err.schema.get("properties", {}))
            extra = [k for k in err.instance if k not in known]
            if extra:
                key = extra[0]
                node = data
                for step in err.absolute_path:
                    node = node[step]
                line = node.key_lines.get(key, line) if isinstance(node, LineMap) else line
                finding = make("schema", path, line, "unknown-key", where=at, key=key, hint=hint(key, known))
        elif err.validator == "required" and isinstance(err.instance, dict):
            missing = [k for k in err.validator_value if k not in err.instance]
            finding = make("schema", path, line, "missing-key", where=at, key=missing[0] if missing else "?")
        elif err.validator == "enum":
            finding = make("schema", path, line, "bad-value", where=at, value=err.instance,
                           allowed=", ".join(map(str, err.validator_value)))
        out.append(finding)
    return out, items


_TYPE_ZH = {"string": "文字", "integer": "整数", "number": "数字", "boolean": "true 或 false", "array": "列表",
            "object": "映射（键: 值）", "null": "空"}


def _detail(err: Any) -> Text:
    """A jsonschema error in both languages: the common validators in words, the rest as jsonschema says."""
    if err.validator == "type":
        wanted = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        return Text("应为" + " 或 ".join(_TYPE_ZH.get(str(w), str(w)) for w in wanted), err.message)
    if err.validator == "pattern":
        return Text(f"“{err.instance}” 的写法不对（应符合 {err.validator_value}）", err.message)
    if err.validator in ("minItems", "minLength"):
        return Text("不能为空", err.message)
    return Text(f"不符合格式（{err.message}）", err.message)


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
        raise HandbookError(f"{cfg}：公司文件不存在")
    if not root.is_dir():
        raise HandbookError(f"{root}：内容文件夹不存在")
    inputs = [file for folder in layers(root, cfg) for file in content_files(folder)]
    book, findings = cache.cached(cache.key(root, cfg, inputs), lambda: lint(root, cfg))
    bad = [f for f in findings if f.severity == "error"]
    if records_only:
        company = os.path.relpath(cfg) if cfg is not None else None
        bad = [f for f in bad if f.path == company]
        if bad:
            raise HandbookError("; ".join(f.text() for f in bad[:5]))
        missing = [f for f in RECORD_FORMS if f not in book.forms or book.forms[f].kind != "record"]
        missing += [r for r in CONTRACT_RULES if r not in book.rules]
        if missing:
            raise HandbookError(f"{root} 的手册缺少 {', '.join(missing)}；请运行 kefu lint")
        return book, findings
    if bad:
        lines = [f.text() for f in bad[:50]]
        more = f"\n……另有 {len(bad) - 50} 个" if len(bad) > 50 else ""
        raise HandbookError(f"手册内容有 {len(bad)} 个错误，请先改好（kefu lint）：\n" + "\n".join(lines) + more)
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
        findings.append(make("unreadable", str(root), None, "io-folder"))
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
            findings.append(make("unreadable", shown, exc.line, exc.variant, **exc.params))
            continue
        if not isinstance(data, LineMap):
            findings.append(make("schema", shown, getattr(data, "line", 1), "not-mapping"))
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
                    findings.append(make("schema", shown, exc.line, where=f"{kind}/{i}",
                                         detail=Text(exc.message, exc.message)))
                    continue
                if item.id in target and is_shipped(target[item.id].path) and not under:
                    first = target[item.id]
                    findings.append(make("replaces-shipped", shown, item.line, kind=KIND[kind], id=item.id,
                                         first=f"{first.path}:{first.line}"))
                elif item.id in target:
                    first = target[item.id]
                    findings.append(make("duplicate-id", shown, item.line, kind=KIND[kind], id=item.id,
                                         first=f"{first.path}:{first.line}"))
                    continue
                target[item.id] = item
    if cfg is not None:
        findings += _apply_company(book, cfg, _validator(company_schema()))
    else:
        findings += rules.apply(book, None, "")
    return book, findings


def _unknown(path: str, line: int, what: Text, name: str, known: Iterable[str]) -> Finding:
    """An override naming something that does not exist, with the nearest id."""
    return make("ref-unknown", path, line, what=what, target=name, hint=hint(name, known))


def _apply_company(book: Handbook, cfg: Path, validator: Any) -> list[Finding]:
    """Apply the company file's settings and overrides; unknown ids are errors."""
    shown = os.path.relpath(cfg)
    try:
        data = read_yaml(cfg, shown)
    except LoadError as exc:
        return [make("unreadable", shown, exc.line, exc.variant, **exc.params), *rules.apply(book, None, "")]
    if not isinstance(data, LineMap):
        return [make("schema", shown, 1, "company-not-mapping"), *rules.apply(book, None, "")]
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
            findings.append(_unknown(shown, s.line, Text("公司文件改写的话术", "override of script"), script_id,
                                     book.scripts))
            continue
        if s.text is not None:
            script.text = s.text
        if s.en is not None:
            script.en = s.en
    findings += _apply_kpis(book, parsed, shown)
    for phrase in parsed.phrases:
        if phrase.id in book.scripts:
            findings.append(make("duplicate-id", shown, phrase.line, "phrase", id=phrase.id))
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
            findings.append(_unknown(shown, override.line, Text("公司文件改写的指标", "override of KPI"), kpi_id,
                                     book.kpis))
            continue
        if override.target is not None:
            kpi.target = override.target
        if override.enabled is not None:
            kpi.enabled = override.enabled
        kpi.company_set = False
    for kpi in parsed.add_kpis:
        if kpi.id in book.kpis:
            findings.append(make("duplicate-id", shown, kpi.line, "kpi", id=kpi.id))
            continue
        kpi.path = shown
        book.kpis[kpi.id] = kpi
    return findings
