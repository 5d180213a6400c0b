"""Which survey and round a folder of returns is, when the coordinator did not say.

Every generated workbook names its survey, version and round in its metadata sheet.
``consolidate`` without ``--survey`` reads that sheet (only) from the first
:data:`SAMPLE` returns and takes the definition they name among the installed ones and
the coordinator's definitions folder; without ``--round`` it takes the round they carry
when the definition's own is not among them.  What was taken is said (``chosen``), and a
folder whose returns name no known definition is refused with the survey id and version
they need and the option to pass; one where no return names any is checked with the
default definition, and said so.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..core import meta_sheet as metadata
from ..core.errors import DefinitionError
from ..core.survey import Survey, definitions, find_definition, load_survey
from ..reading.reader import read_workbook
from .discover import discover

DEFAULT = "renkei"  # the installed definition taken when no return names one
SAMPLE = 5  # returns whose metadata is read to tell the survey and round (a read of one small sheet each)


def named_by_returns(folder: Path, survey, round_: str | None, folder_of_definitions=None,
                     files: list | None = None) -> tuple[Survey, str]:
    """``(definition for this run, what was taken from the returns: "" when nothing)``;
    *files*: the returns under *folder* (:func:`~.discover.discover`), when already listed."""
    given = survey if isinstance(survey, Survey) else load_survey(survey) if survey else None
    if given is not None and round_:
        return given.for_round(round_), ""
    named = Counter(_names(discover(folder)[0] if files is None else files))
    if given is None:
        if not named:  # nothing to tell it by: the default survey, said (each file is reported as it is)
            given = load_survey(DEFAULT)
            return given.for_round(round_), (f"調査：{given.title}（版 {given.version}。提出ファイルの管理情報から判定"
                                             "できないため既定の定義。別の調査なら --survey を指定）")
        (survey_id, version, _), _ = named.most_common(1)[0]
        given = find_definition(survey_id, version, folder_of_definitions)
        if given is None:
            known = "、".join(f"{d.name}（{d.id} {d.version}）" for d in definitions(folder_of_definitions))
            raise DefinitionError(f"{folder}: 提出ファイルは調査「{survey_id}」の版 {version} のものですが、その定義が"
                                  f"見つかりません（使える定義：{known}）。定義ファイルを --survey で指定するか、"
                                  "定義を置いたフォルダを --definitions で指定してください。")
    rounds: Counter = Counter()
    for (survey_id, _, round_name), n in named.items():
        if survey_id == given.id and round_name:
            rounds[round_name] += n
    said = []
    if not survey:
        said.append(f"調査：{given.title}（版 {given.version}。提出ファイルの管理情報から判定）")
    if not round_ and rounds and given.round not in rounds:
        round_ = rounds.most_common(1)[0][0]
        said.append(f"調査回：{round_}（提出ファイルの管理情報から判定。別の回を集計するには --round を指定）")
    return given.for_round(round_), "\n".join(said)


def _names(files: list) -> list:
    """(survey id, version, round) of the first :data:`SAMPLE` of *files* that have metadata."""
    out = []
    for path in files:
        workbook, _ = read_workbook(path, sheets=[metadata.SHEET])
        sheet = workbook.sheets.get(metadata.SHEET) if workbook else None
        meta = metadata.parse(sheet.rows) if sheet else None
        if meta:
            out.append((meta.get("survey_id", ""), meta.get("survey_version", ""), meta.get("survey_round", "")))
        if len(out) >= SAMPLE:
            break
    return out
