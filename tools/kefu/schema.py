"""JSON Schemas generated from the model: never written by hand twice.

Content schemas come from the dataclass type hints of :mod:`kefu.model`;
record schemas come from the record forms defined in ``procedures/forms/``.
``kefu schema`` writes them into ``schemas/`` (committed, so editors and
other tools can use them); a test fails when the committed files are stale.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union

from kefu import model
from kefu.model import Form, FormField, Handbook

DRAFT = "https://json-schema.org/draft/2020-12/schema"
TIME = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
DATETIME = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?$"


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        inner = _type_schema(args[0], defs)
        return {"anyOf": [inner, {"type": "null"}]}
    if origin is Literal:
        return {"enum": list(typing.get_args(tp))}
    if origin is list:
        return {"type": "array", "items": _type_schema(typing.get_args(tp)[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(typing.get_args(tp)[1], defs)}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion (FormField.fields)
            defs[name] = dataclass_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    if tp is Any:
        return {}
    return {
        str: {"type": "string"},
        int: {"type": "integer"},
        float: {"type": "number"},
        bool: {"type": "boolean"},
    }[tp]


def dataclass_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    """Object schema of a dataclass: its public fields, their docs, required ones."""
    hints = model.type_hints(cls)
    props: dict[str, Any] = {}
    required = []
    for f in model.fields_of(cls):
        sub = dict(_type_schema(hints[f.name], defs))
        meta = dict(f.metadata)
        text = meta.pop("doc", None)
        if text:
            sub["description"] = text
        for key in ("pattern", "minimum", "minItems"):
            if key in meta:
                target = sub
                if "anyOf" in sub:
                    target = sub["anyOf"][0]
                target[key] = meta[key]
        props[f.name] = sub
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if cls.__doc__:
        out["description"] = cls.__doc__.strip().splitlines()[0]
    if required:
        out["required"] = required
    return out


def item_schema(cls: type) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    root = dataclass_schema(cls, defs)
    defs.pop(cls.__name__, None)
    return {"$schema": DRAFT, "$id": f"kefu/content/{cls.__name__}", "title": cls.__name__, **root,
            "$defs": defs}


def content_file_schema() -> dict[str, Any]:
    """A content file: top-level kinds, each a list of items."""
    defs: dict[str, Any] = {}
    props = {kind: {"type": "array", "items": _type_schema(cls, defs)} for kind, cls in model.KINDS.items()}
    return {"$schema": DRAFT, "$id": "kefu/content-file", "title": "kefu content file",
            "description": "A YAML file in procedures/: top-level keys are content kinds.",
            "type": "object", "properties": props, "additionalProperties": False, "minProperties": 1,
            "$defs": defs}


def company_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    root = dataclass_schema(model.CompanyFile, defs)
    defs.pop("CompanyFile", None)
    return {"$schema": DRAFT, "$id": "kefu/company", "title": "kefu company file (kefu.yaml)", **root,
            "$defs": defs}


# --------------------------------------------------------------------------
# Records


def _choice_values(f: FormField) -> list[str]:
    out: list[str] = []
    for c in f.choices:
        out += [c.value, c.label, *c.aliases]
    return list(dict.fromkeys(out))


def field_schema(f: FormField) -> dict[str, Any]:
    """Schema of one record field; Chinese labels and aliases are valid enum values."""
    t = f.type
    if t in ("string", "text"):
        out: dict[str, Any] = {"type": ["string", "number"]}
    elif t == "integer":
        out = {"type": "integer"}
    elif t in ("number", "score"):
        out = {"type": "number"}
    elif t == "boolean":
        out = {"type": "boolean"}
    elif t == "time":
        out = {"type": "string", "anyOf": [{"pattern": TIME}, {"pattern": DATETIME}]}
    elif t == "date":
        out = {"type": "string", "pattern": DATE}
    elif t == "datetime":
        out = {"type": "string", "anyOf": [{"pattern": DATETIME}, {"pattern": DATE}, {"pattern": TIME}]}
    elif t == "enum":
        out = {"enum": _choice_values(f)}
    elif t == "list":
        item = FormField(key="item", label="", type=f.items or "string", choices=f.choices)
        out = {"type": "array", "items": field_schema(item)}
        if f.min_items:
            out["minItems"] = f.min_items
    elif t == "table":
        out = {"type": "array", "items": _object(f.fields)}
    else:  # mapping
        out = _object(f.fields)
    out["title"] = f.label
    if f.help:
        out["description"] = f.help
    return out


def _object(fields: list[FormField]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {f.key: field_schema(f) for f in fields},
        "required": [f.key for f in fields if f.required],
        "additionalProperties": False,
    }


def record_schema(form: Form) -> dict[str, Any]:
    out = {"$schema": DRAFT, "$id": f"kefu/records/{form.id}", "title": form.title,
           "description": form.purpose, **_object(form.fields)}
    form_field = out["properties"].get("form")
    if form_field is not None:
        form_field["const"] = form.id
    return out


def all_schemas(handbook: Handbook | None) -> dict[str, dict[str, Any]]:
    """Relative path under schemas/ -> schema."""
    out = {"content-file.schema.json": content_file_schema(), "company.schema.json": company_schema()}
    for kind, cls in model.KINDS.items():
        out[f"content/{kind}.schema.json"] = item_schema(cls)
    if handbook is not None:
        for form in handbook.forms.values():
            if form.kind == "record":
                out[f"records/{form.id}.schema.json"] = record_schema(form)
    return out


def dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def write(handbook: Handbook, outdir: Path) -> list[Path]:
    """Write every schema; remove stale generated files so renamed forms do not linger."""
    wanted = all_schemas(handbook)
    written = []
    for rel, schema in wanted.items():
        target = outdir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        text = dump(schema)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        written.append(target)
    for old in outdir.rglob("*.schema.json"):
        if old.relative_to(outdir).as_posix() not in wanted:
            old.unlink()
    return written


def stale(handbook: Handbook, outdir: Path) -> list[str]:
    """Schema files that differ from what the model generates (for tests and lint)."""
    wanted = all_schemas(handbook)
    out = []
    for rel, schema in wanted.items():
        target = outdir / rel
        if not target.exists() or target.read_text(encoding="utf-8") != dump(schema):
            out.append(rel)
    for old in outdir.rglob("*.schema.json") if outdir.exists() else []:
        if old.relative_to(outdir).as_posix() not in wanted:
            out.append(old.relative_to(outdir).as_posix())
    return sorted(out)
