"""A survey definition's text: TOML read, ``extends`` merged, and where each key was written.

A definition may start from another (``extends = "renkei.toml"``): tables merge key by
key; arrays of tables that carry a ``key`` (``[[sheet]]`` and their ``column`` / ``field``
entries) merge entry by entry on it — an entry of a known key changes it, a new one is
added (after the entry named in ``after``, else last), and ``drop = true`` leaves one out;
any other array replaces the inherited one whole.  So next year's definition can say only
what changed.

:func:`key_lines` finds the line each key path was written on, for messages that point
at it (tomllib keeps no positions).
"""
from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path

from .errors import DefinitionError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MAX_BYTES = 4 << 20  # a definition is a few tens of kilobytes
DEFINITION_FILE = "definition.json"  # the definition a round's CSV folder was written with (consolidate --csv)


def read_definition(path: Path, installed: Path | None = None, seen: tuple = ()) -> tuple[dict, list]:
    """``(data, files)``: the definition at *path* with what it extends merged in, and the
    files read (the definition first, then what it extends).  ``extends`` names a file
    beside it (``renkei.toml``) or, without ``.toml``, an *installed* definition (``renkei``)."""
    if path in seen:
        raise DefinitionError(f"{path.name}: extends が循環しています")
    if path.suffix == ".json":  # a round's CSV folder carries its definition, merged (DEFINITION_FILE)
        return read_json(path), [path]
    data = read_toml(path)
    base_name = data.pop("extends", None)
    if base_name is None:
        return data, [path]
    if not isinstance(base_name, str):
        raise DefinitionError(f"{path.name}: extends: 定義ファイルの名前（文字列）にしてください")
    base_path = path.parent / base_name
    if not base_name.endswith(".toml") and installed is not None:
        base_path = installed / f"{base_name}.toml"
    if not base_path.is_file():
        raise DefinitionError(f"{path.name}: extends の「{base_name}」が見つかりません")
    base, files = read_definition(base_path, installed, seen + (path,))
    return merge(base, data, path.name), [path, *files]


def read_toml(path: Path) -> dict:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise DefinitionError(f"{path.name}: 調査の定義としては大きすぎます")
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"{path.name}: TOMLの書式に誤りがあります（{exc}）") from exc
    except UnicodeDecodeError as exc:
        raise DefinitionError(f"{path.name}: UTF-8 で保存してください（{exc.reason}）") from exc
    except OSError as exc:
        raise DefinitionError(f"{path}: 読み込めません（{exc.strerror}）") from exc


def read_json(path: Path) -> dict:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise DefinitionError(f"{path.name}: 調査の定義としては大きすぎます")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise DefinitionError(f"{path}: 調査の定義として読み込めません（{getattr(exc, 'strerror', None) or exc}）") from None
    if not isinstance(data, dict):
        raise DefinitionError(f"{path.name}: 調査の定義ではありません")
    return data


def merge(base: dict, over: dict, source: str = "") -> dict:
    """*over* on *base*: tables key by key, keyed arrays of tables entry by entry, the rest replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = merge(base[key], value, source)
        elif _keyed(value) and _keyed(base.get(key)):
            out[key] = _merge_entries(base[key], value, source, key)
        else:
            out[key] = value
    return out


def _keyed(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "key" in v for v in value)


def _merge_entries(base: list, over: list, source: str, where: str) -> list:
    out = [dict(entry) for entry in base]
    for entry in over:
        entry = dict(entry)
        index = next((i for i, old in enumerate(out) if old.get("key") == entry["key"]), None)
        if entry.pop("drop", False):
            if index is None:
                raise DefinitionError(f"{source}: {where}: drop する「{entry['key']}」が元の定義にありません")
            del out[index]
            continue
        after = entry.pop("after", None)
        if index is not None:
            out[index] = merge(out[index], entry, source)
            continue
        position = len(out)
        if after is not None:
            position = next((i + 1 for i, old in enumerate(out) if old.get("key") == after), -1)
            if position < 0:
                raise DefinitionError(f"{source}: {where}({entry['key']}).after: 「{after}」が元の定義にありません")
        out.insert(position, entry)
    return out


# ------------------------------------------------------------------------ key lines

@functools.cache
def _patterns():
    """A TOML table-array header, a table header, a ``key =`` (compiled when a message needs a line)."""
    return (re.compile(r"^\[\[\s*(.+?)\s*\]\]"), re.compile(r"^\[\s*(.+?)\s*\]"),
            re.compile(r"^((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="))


def key_lines(text: str) -> dict:
    """``{key path: line}`` of a TOML text: each table header and each ``key =``, with
    the indexes of arrays of tables (``("sheet", 3, "column", 7, "type")``)."""
    array_header, header, assign = _patterns()
    lines: dict = {}
    arrays: dict = {}  # the path of an array of tables -> its current index
    current: tuple = ()
    depth = 0  # open brackets of a value that spans lines
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if depth > 0:
            depth += _balance(line)
            continue
        if not line or line.startswith("#"):
            continue
        match = array_header.match(line)
        if match:
            path = _resolve(_parts(match[1]), arrays)
            arrays[path] = arrays.get(path, -1) + 1
            current = path + (arrays[path],)
            lines.setdefault(current, number)
            continue
        match = header.match(line)
        if match:
            current = _resolve(_parts(match[1]), arrays)
            lines.setdefault(current, number)
            continue
        match = assign.match(line)
        if match:
            lines.setdefault(current + tuple(_parts(match[1])), number)
            depth = _balance(line[match.end():])
    return lines


def line_of(lines: dict, path) -> int | None:
    """The line of *path*, or of its nearest enclosing key that has one."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


def _parts(dotted: str) -> list:
    return [part.strip().strip("\"'") for part in re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", dotted)]


def _resolve(parts: list, arrays: dict) -> tuple:
    out: tuple = ()
    for i, part in enumerate(parts):
        out += (part,)
        if out in arrays and i < len(parts) - 1:
            out += (arrays[out],)
    return out


def _balance(text: str) -> int:
    """Open minus closed brackets and braces in *text*, outside strings and comments."""
    depth, quote = 0, ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth
