"""A round is a folder: ``round.toml`` says, once, what every command of the round needs.

``kpi-workbook init DIR [--from LAST_ROUND_DIR]`` writes it (:func:`init_round`): the
definition (a copy in the folder, from last round's with its version and round bumped,
or from an installed one), the round's name, the roster, last round's CSV folder, the
deadline and contact, and where each command writes.  Every command run in DIR (or given
``--round-dir DIR``) takes its options from it (:func:`command_defaults`); options given
on the command line win.  Paths in it are relative to the folder.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from .atomic import atomic_path
from .definition_schema import SCHEMA_PATH, closest
from .definition_source import read_toml
from .errors import DefinitionError, OutputError
from .survey import load_survey, resolve

FILE = "round.toml"
# round.toml key -> its meaning (the file's own comments say the same)
KEYS = {
    "survey": "調査の定義（このフォルダの .toml、またはインストール済みの定義の名前）",
    "round": "調査回の名前（例：令和9年度調査）",
    "roster": "圏域の名簿",
    "previous": "前回の集計結果のCSVフォルダ（前回の調査票の内容を引き継ぎ、見直し状況を比べる）",
    "deadline": "提出期限（記入要領に表示）",
    "contact": "問い合わせ先（記入要領に表示）",
    "definitions": "前回までの調査の定義を置いたフォルダ（提出ファイルの版に合う定義を探す）",
    "workbooks": "generate が調査票を書き出すフォルダ",
    "returns": "提出された調査票を集めるフォルダ（consolidate が読む）",
    "summary": "consolidate の集計結果（.xlsx）",
    "csv": "consolidate --csv のフォルダ（次の回の previous になる）",
    "site": "publish のウェブ報告のフォルダ",
}
PATHS = ("roster", "previous", "definitions", "workbooks", "returns", "summary", "csv", "site")
# each command's options, from round.toml's keys (option name -> key)
COMMANDS = {
    "generate": {"roster": "roster", "survey": "survey", "out_dir": "workbooks", "deadline": "deadline",
                 "contact": "contact", "round_": "round", "previous": "previous"},
    "check": {"survey": "survey", "round_": "round", "roster": "roster", "definitions": "definitions"},
    "consolidate": {"folder": "returns", "roster": "roster", "output": "summary", "survey": "survey",
                    "definitions": "definitions", "csv_dir": "csv", "round_": "round", "previous": "previous"},
    "publish": {"csv_dir": "csv", "out_dir": "site", "survey": "survey", "previous": "previous",
                "definitions": "definitions"},
}


def find(start=None) -> Path | None:
    """The round folder: *start* (``--round-dir``), else the working folder when it has a round.toml."""
    if start is not None:
        if not (Path(start) / FILE).is_file():
            raise DefinitionError(f"{Path(start) / FILE} がありません。kpi-workbook init {start} で作成してください。")
        return Path(start)
    return Path.cwd() if (Path.cwd() / FILE).is_file() else None


def read_settings(folder: Path) -> dict:
    """round.toml's settings, paths made relative to where the command runs."""
    path = folder / FILE
    data = read_toml(path)
    for key, value in data.items():
        if key not in KEYS:
            close = closest(key, KEYS)
            hint = f"「{close}」ではありませんか。" if close else f"使えるキー：{', '.join(KEYS)}"
            raise DefinitionError(f"{path}: {key}: 不明なキーです。{hint}")
        if not isinstance(value, str):
            raise DefinitionError(f"{path}: {key}: 文字列にしてください")
    out = dict(data)
    for key in PATHS:
        if out.get(key):
            out[key] = _relative(folder / out[key])
    survey = out.get("survey")
    if survey and (survey.endswith(".toml") or "/" in survey or "\\" in survey):
        out["survey"] = _relative(folder / survey)
    return {key: value for key, value in out.items() if value != ""}


def command_defaults(folder: Path) -> dict:
    """click's ``default_map``: each command's options from the round folder's settings."""
    settings = read_settings(folder)
    return {command: {option: settings[key] for option, key in options.items() if key in settings}
            for command, options in COMMANDS.items()}


def _relative(path: Path, start=None) -> str:
    """*path* relative to *start* (default: the working folder); absolute on another drive (Windows)."""
    try:
        return os.path.relpath(path, start)
    except ValueError:
        return str(Path(path).resolve())


# ------------------------------------------------------------------------ init

def init_round(folder, previous_round=None, survey: str = "renkei", round_: str | None = None,
               roster=None) -> Path:
    """Write a new round's folder: its definition and round.toml; return round.toml's path.

    From *previous_round* (last round's folder): its definition copied with the version
    and the round's year bumped, its roster, and its CSV folder as ``previous``.  Else
    the installed definition *survey* copied as it is.  An existing round.toml is never
    replaced."""
    folder = Path(folder)
    if (folder / FILE).exists():
        raise OutputError(f"{folder / FILE} は既にあります（上書きしません）。")
    settings: dict = {}
    if previous_round is not None:
        last = read_settings_in(Path(previous_round))
        source = Path(previous_round) / last["survey"] if "survey" in last else resolve(survey)
        if not source.is_file():
            source = resolve(last["survey"])
        settings["previous"] = _relative(Path(previous_round) / last.get("csv", "csv"), folder)
        if last.get("roster") and not roster:
            settings["roster"] = _relative(Path(previous_round) / last["roster"], folder)
        text, version, round_name = bumped(source.read_text(encoding="utf-8"), round_)
    else:
        source = resolve(survey)
        text = _installed_extends(source.read_text(encoding="utf-8"))
        definition = load_survey(source)
        version, round_name = definition.version, round_ or definition.round
        if round_:
            text = _set_key(text, "round", round_)
    if roster:
        settings["roster"] = _relative(Path(roster), folder)
    if not text.startswith("#:schema"):  # editors (taplo, VS Code) check it as it is typed
        text = f"#:schema {SCHEMA_PATH.as_uri()}\n" + text
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    if target.exists():
        raise OutputError(f"{target} は既にあります（上書きしません）。")
    with atomic_path(target) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    load_survey(target)  # the copy must load: a definition that does not is said now, not at generate
    (folder / "returns").mkdir(exist_ok=True)
    lines = [f"# {round_name}（調査の定義 {source.name} 版 {version}）: kpi-workbook の各コマンドはこのフォルダで",
             "# 実行するか --round-dir でこのフォルダを指定すると、ここの設定を使います（コマンドの指定が優先）。", ""]
    values = {"survey": source.name, "round": round_name, "roster": settings.get("roster", ""),
              "previous": settings.get("previous", ""), "deadline": "", "contact": "", "definitions": "",
              "workbooks": "workbooks", "returns": "returns", "summary": "summary.xlsx", "csv": "csv", "site": "site"}
    for key, meaning in KEYS.items():
        lines += [f"# {meaning}", f"{key} = {_toml_string(values[key])}"]
    with atomic_path(folder / FILE) as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / FILE


def read_settings_in(folder: Path) -> dict:
    """round.toml of another round's folder, its paths as written (relative to it)."""
    path = folder / FILE
    if not path.is_file():
        raise DefinitionError(f"{path} がありません。前回の回のフォルダ（kpi-workbook init で作成）を指定してください。")
    return read_toml(path)


def bumped(text: str, round_: str | None = None) -> tuple[str, str, str]:
    """A definition's text for the next round: ``version`` bumped (``2026.1`` → ``2027.1``:
    a year-like first part goes up by one, else the last part does) and the round's year
    (令和8年度調査 → 令和9年度調査, or *round_*)."""
    version = _value(text, "version") or "1"
    parts = version.split(".")
    if parts[0].isdigit() and len(parts[0]) == 4:
        new_version = ".".join([str(int(parts[0]) + 1)] + ["1"] * (len(parts) > 1))
    else:
        new_version = ".".join(parts[:-1] + [str(int(parts[-1]) + 1 if parts[-1].isdigit() else 1)])
    old_round = _value(text, "round") or ""
    new_round = round_ or re.sub(r"(令和|平成)(\d+|元)", lambda m: f"{m[1]}{_next(m[2])}", old_round, count=1)
    text = _set_key(_set_key(text, "version", new_version), "round", new_round)
    return text, new_version, new_round


def _next(number: str) -> str:
    return "2" if number == "元" else str(int(number) + 1)


def _value(text: str, key: str) -> str | None:
    match = re.search(rf'^{key}\s*=\s*"([^"]*)"', text, re.MULTILINE)
    return match[1] if match else None


def _set_key(text: str, key: str, value: str) -> str:
    """*text* with [survey]'s ``key = "…"`` set: its first such line, else a line added
    under ``[survey]`` (a definition that extends another may not have one)."""
    if _value(text, key) is not None:
        return re.sub(rf'^({key}\s*=\s*)"[^"]*"', lambda m: m[1] + _toml_string(value), text, count=1,
                      flags=re.MULTILINE)
    line = f"{key} = {_toml_string(value)}"
    if re.search(r"^\[survey\]\s*$", text, re.MULTILINE):
        return re.sub(r"^\[survey\]\s*$", lambda m: m[0] + "\n" + line, text, count=1, flags=re.MULTILINE)
    return text.rstrip("\n") + f"\n\n[survey]\n{line}\n"


def _installed_extends(text: str) -> str:
    """An installed definition's ``extends = "renkei.toml"`` as it reads from another folder: ``"renkei"``."""
    return re.sub(r'^(extends\s*=\s*)"([A-Za-z0-9_-]+)\.toml"', r'\1"\2"', text, count=1, flags=re.MULTILINE)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
