"""The survey definition's format, as a JSON Schema (``survey.schema.json``, shipped in the
package): the loader validates every definition against it, editors can use it (taplo,
VS Code's TOML support: a ``#:schema`` line), and docs/survey-format.md's reference is
generated from it (:func:`reference_markdown`; ``python -m kpi_workbook.core.definition_schema``).

Validation reports every problem at once, each with the file, the line, the key path and,
for an unknown key or value, the one it most likely meant — as a compiler would.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

from .definition_source import key_lines, line_of
from .errors import DefinitionError

SCHEMA_PATH = Path(__file__).with_name("survey.schema.json")
MAX_MESSAGES = 30  # problems listed; the rest counted


@functools.lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def required(*path: str) -> tuple:
    """The required keys of the schema's object at *path* (e.g. ``"summary", "labels"``)."""
    node = schema()
    for part in path:
        node = node["properties"][part]
    return tuple(node.get("required", ()))


def validate(data: dict, files: list) -> None:
    """DefinitionError listing every way *data* (read from *files*, the first the one
    named) breaks the schema; nothing when it does not."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    problems = sorted(_problems(validator.iter_errors(data), data), key=lambda p: [str(x) for x in p[0]])
    if not problems:
        return
    lines = [(f, key_lines(_text(f))) for f in files]
    out = []
    for path, what in problems:
        where = next(((f, line_of(found, path)) for f, found in lines if line_of(found, path)), (files[0], None))
        place = f"{where[0].name}" + (f" {where[1]}行目" if where[1] else "")
        out.append((where[1] or 0, f"{place}: {dotted(path, data)}: {what}"))
    out.sort(key=lambda item: item[0])
    text = [message for _, message in out[:MAX_MESSAGES]]
    if len(out) > MAX_MESSAGES:
        text.append(f"ほか{len(out) - MAX_MESSAGES}件")
    raise DefinitionError("調査の定義に誤りがあります（{}件）：\n".format(len(out)) + "\n".join(text))


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _problems(errors, data) -> list:
    """(key path, message) for each schema error; an unknown or missing key is one each."""
    out = []
    for error in errors:
        path = list(error.absolute_path)
        kind = error.validator
        if kind == "additionalProperties" and isinstance(error.instance, dict):
            known = sorted(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - set(known)):
                out.append((path + [key], "不明なキーです" + _did_you_mean(key, known)))
        elif kind == "required" and isinstance(error.instance, dict):
            for key in error.validator_value:
                if key not in error.instance:
                    out.append((path + [key], "必須のキーがありません"))
        elif kind in ("enum", "const"):
            allowed = [str(v) for v in (error.validator_value if kind == "enum" else [error.validator_value])]
            out.append((path, f"「{error.instance}」は使えません（使える値：{', '.join(allowed)}）"
                              + _did_you_mean(str(error.instance), allowed)))
        elif kind == "type":
            out.append((path, f"値の型が違います（{_type_name(error.instance)}、期待：{_expected(error.validator_value)}）"))
        elif kind == "not":
            out.append((path, f"「{error.instance}」はこのツールが使う名前のため使えません"))
        elif kind in ("maxLength", "minLength", "pattern"):
            out.append((path, f"「{error.instance}」は使えない形です（{_schema_text(error.schema)}）"))
        elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            out.append((path, f"{error.instance} は範囲外です（{kind} {error.validator_value}）"))
        elif kind == "minItems":
            out.append((path, "空にはできません"))
        elif kind not in ("if", "allOf", "oneOf", "anyOf"):
            out.append((path, error.message))
        else:  # if/then, oneOf...: their own errors say what is wrong
            out += _problems(error.context or [], data) or [(path, error.message)]
    return out


def closest(word: str, candidates) -> str | None:
    """The candidate *word* most likely meant (a typo), or None."""
    import difflib  # only when something is wrong: a command starts without it

    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def _did_you_mean(word: str, candidates: list) -> str:
    close = closest(word, candidates)
    return f"。「{close}」ではありませんか" if close else f"（使えるキー：{', '.join(candidates)}）" if len(candidates) <= 12 else ""


def _type_name(value) -> str:
    return {str: "文字列", int: "整数", float: "数値", bool: "true/false", list: "配列", dict: "テーブル"}.get(
        type(value), type(value).__name__)


def _expected(kind) -> str:
    names = {"string": "文字列", "integer": "整数", "number": "数値", "boolean": "true/false", "array": "配列",
             "object": "テーブル"}
    return "・".join(names.get(str(k), str(k)) for k in (kind if isinstance(kind, list) else [kind]))


def _schema_text(node: dict) -> str:
    return node.get("description", "")[:80]


def dotted(path, data) -> str:
    """``sheet[3](kpis).column[7].type``: a key path as the messages name it."""
    out, node = "", data
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("key"), str):
                out += f"({node['key']})"
        else:
            out += ("." if out else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


# ------------------------------------------------------------------------ the reference

def reference_markdown() -> str:
    """docs/survey-format.md's reference section, from the schema (kept fresh by a test)."""
    root = schema()
    out = ["<!-- generated from kpi_workbook/core/survey.schema.json by "
           "`python -m kpi_workbook.core.definition_schema`; do not edit by hand -->", ""]
    out += _table("Top level", root, root)
    for name in ("survey", "words", "taxonomy", "guide", "progress", "meanings", "rounds", "summary"):
        out += _table(f"`[{name}]`", root["properties"][name], root)
    for name in ("sheet", "column", "node", "example", "national_kpi"):
        title = {"sheet": "`[[sheet]]`", "column": "`[[sheet.column]]` and `[[sheet.field]]`",
                 "node": "`[[taxonomy.node]]`", "example": "`[guide.examples.<sheet key>]`",
                 "national_kpi": "`[[national_kpi]]`"}[name]
        out += _table(title, root["$defs"][name], root)
    return "\n".join(out).rstrip() + "\n"


def _table(title: str, node: dict, root: dict) -> list:
    props = node.get("properties", {})
    needed = set(node.get("required", ()))
    out = [f"### {title}", ""]
    if node.get("description"):
        text = node["description"][0].upper() + node["description"][1:]
        out += [text if text.endswith(".") else text + ".", ""]
    plain = [key for key, spec in props.items() if not spec.get("description") and spec.get("type") == "string"]
    out += ["| key | required | type | meaning |", "| --- | --- | --- | --- |"]
    for key, spec in props.items():
        if key in plain:
            continue
        meaning = spec.get("description", "").replace("|", "\\|").replace("\n", " ")
        out.append(f"| `{key}` | {'yes' if key in needed else ''} | {_kind(spec)} | {meaning} |")
    out.append("")
    if plain:
        listed = ", ".join(f"`{k}`" for k in plain)
        out += [f"Text, {'all required' if set(plain) <= needed else 'optional'}: {listed}.", ""]
    return out


def _kind(spec: dict) -> str:
    if "$ref" in spec:
        return "table"
    if "enum" in spec:
        return " / ".join(f"`{v}`" for v in spec["enum"])
    if "oneOf" in spec:
        return " or ".join(_kind(s) for s in spec["oneOf"])
    kind = spec.get("type", "")
    if kind == "array":
        items = spec.get("items", {})
        return f"array of {'tables' if '$ref' in items else items.get('type', '') + 's'}"
    return {"object": "table", "string": "text", "boolean": "true/false"}.get(kind, kind)


if __name__ == "__main__":  # pragma: no cover - regenerates the docs' reference
    print(reference_markdown(), end="")
