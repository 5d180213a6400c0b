"""Which survey, round and region a return belongs to: its hidden metadata sheet, its
圏域情報 and the roster, each disagreement a finding."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ..core import findings as F
from ..core import meta_sheet as metadata
from ..core.filenames import shown
from ..core.survey import Survey, definitions, find_definition, load_survey
from ..core.values import ERAS, clean, kanji_numerals
from ..reading.last_round import SHEET as PREVIOUS_SHEET
from ..reading.roster import split_names
from .result import ReturnResult


def wanted_sheets(survey, folder=None) -> list:
    names = {metadata.SHEET, PREVIOUS_SHEET}
    for definition in ([survey if isinstance(survey, Survey) else load_survey(survey)] if survey is not None
                       else definitions(folder)):
        names.update(s.name for s in definition.sheets)
    return sorted(names)


def pick_survey(survey, meta, workbook, folder=None) -> Survey | None:
    """The definition to check a return with: *survey* when given; else the one its
    metadata names (survey id and version) among the installed definitions and *folder*
    (None when none has them: the caller says which to pass); else, for a workbook
    without metadata, the one whose sheets it has most of."""
    if isinstance(survey, Survey):
        return survey
    if survey:
        return load_survey(survey)
    if meta:
        return find_definition(meta.get("survey_id", ""), meta.get("survey_version", ""), folder)
    candidates = definitions(folder)
    return max(candidates, key=lambda d: sum(s.name in workbook.sheets for s in d.sheets))


def not_found(result: ReturnResult, meta: dict, folder=None) -> None:
    """DEFINITION_NOT_FOUND: which survey and version the file needs, and what to pass."""
    same = [d for d in definitions(folder) if d.id == meta.get("survey_id")]
    result.findings.append(F.make(
        "DEFINITION_NOT_FOUND", file=result.file, value=same[0].title if same else meta.get("survey_id", ""),
        version=meta.get("survey_version", ""), round=meta.get("survey_round", ""),
        available="、".join(f"{d.name} {d.version}" for d in definitions(folder))))


def identify(result: ReturnResult, survey: Survey, meta, secret) -> None:
    name = result.file
    if meta is None:
        result.findings.append(F.make("META_MISSING", file=name))
        return
    result.region_code = meta.get("region_code", "")
    result.region_name = meta.get("region_name", "")
    if meta.get("survey_id") != survey.id:
        other = next((d for d in definitions() if d.id == meta.get("survey_id")), None)
        result.findings.append(F.make("META_SURVEY_MISMATCH", file=name, value=other.title if other else
                                      meta.get("survey_id", ""), expected=survey.title))
        return
    round_, version = meta.get("survey_round", ""), meta.get("survey_version", "")
    if round_ and round_ != survey.round:  # another round's workbook: last round's, or a later one's
        later = _later(round_, survey.round, version, survey.version)
        result.findings.append(F.make("META_LATER_ROUND" if later else "META_PREVIOUS_ROUND", file=name,
                                      value=round_, expected=survey.round))
    elif version != survey.version:  # this round, another version of its workbook
        older = _version(version) < _version(survey.version)
        result.findings.append(F.make("META_PREVIOUS_ROUND" if older else "META_VERSION_MISMATCH", file=name,
                                      value=version, expected=survey.version))
    elif meta.get("layout_fingerprint") != survey.fingerprint:  # same version, the definition edited since
        result.findings.append(F.make("DEFINITION_CHANGED", file=name, survey=survey.title, version=version))
    key = metadata.secret_from(secret)
    if key:
        if not meta.get("signature"):
            result.findings.append(F.make("SIGNATURE_MISSING", file=name))
        elif not metadata.verify(meta, key):
            result.findings.append(F.make("SIGNATURE_INVALID", file=name))


# an era and its year (the eras the value parser knows; a letter era not inside a word), or a 西暦 year
_YEAR = re.compile(r"(?<![A-Za-z])(" + "|".join(sorted(ERAS, key=len, reverse=True))
                   + r")\s*(\d{1,2}|元)(?!\d)\s*年?|((?:19|20)\d\d)")


def round_year(name: str) -> int | None:
    """The year a round's name says (令和9年度調査 → 2027), or None."""
    match = _YEAR.search(kanji_numerals(clean(name)))
    if not match:
        return None
    if match[3]:
        return int(match[3])
    return ERAS[match[1]] + (1 if match[2] == "元" else int(match[2]))


def _later(round_: str, this_round: str, version: str, this_version: str) -> bool:
    """A workbook of a round after this one: by the years the rounds' names say, else by version."""
    year, this_year = round_year(round_), round_year(this_round)
    if year is not None and this_year is not None and year != this_year:
        return year > this_year
    return _version(version) > _version(this_version)


def _version(text: str) -> tuple:
    """"2026.1" -> (2026, 1); what does not parse sorts first (an older, odd workbook)."""
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return ()


def check_region(result: ReturnResult, survey: Survey, roster) -> None:
    records = result.records.get("region") or []
    if not records or any(f.code == "META_SURVEY_MISMATCH" for f in result.findings):
        return  # another survey's workbook: its region is not this roster's business
    values = records[0].values
    typed_code = values.get("region_code")
    code = typed_code.value if typed_code else None
    sheet = survey.sheet("region")
    if result.region_code and code and code != result.region_code:
        result.findings.append(F.make("REGION_MISMATCH", file=result.file, sheet=sheet.name,
                                      cell=records[0].cells.get("region_code", ""),
                                      label=sheet.column("region_code").label, value=code,
                                      expected=result.region_code))
    result.region_code = result.region_code or (code or "")
    if not result.region_name and values.get("region_name"):
        result.region_name = values["region_name"].value or ""
    if roster is None:
        return
    by_code = roster if isinstance(roster, dict) else {r.code: r for r in roster}
    region = by_code.get(result.region_code)
    if region is None:
        result.findings.append(F.make("REGION_NOT_IN_ROSTER", file=result.file,
                                      value=result.region_code))
        return
    typed_name = values.get("region_name")
    if typed_name and typed_name.value and typed_name.value != region.name:
        result.findings.append(F.make("REGION_MISMATCH", file=result.file, sheet=sheet.name,
                                      cell=records[0].cells.get("region_name", ""),
                                      label=sheet.column("region_name").label,
                                      value=typed_name.value, expected=region.name))
    result.region_name = region.name
    _check_borrowed(result, survey, region, by_code)


def _check_borrowed(result: ReturnResult, survey: Survey, region, by_code: dict) -> None:
    """A workbook of region B filled with region A's answers: its file name (generate's
    ``<code>_…``) or its 実施市町村 point at A while its metadata and 圏域情報 say B."""
    def conflict(where: str, other) -> None:
        result.findings.append(F.make("REGION_CONFLICT", file=result.file, where=where,
                                      value=f"{other.code} {other.name}", expected=f"{region.code} {region.name}"))
    head = Path(shown(result.file)).stem.split("_", 1)[0]  # "R01_熊本….xlsx", "R01.xlsx"
    if head in by_code and head != region.code:
        conflict("ファイル名", by_code[head])
        return
    named = [n for record in result.records.get("projects", ())
             for n in split_names(_text(record.values.get("municipalities")))]
    if not named or any(n in region.members for n in named):
        return
    elsewhere = Counter(r.code for n in named for r in by_code.values() if n in r.members)
    if elsewhere:
        conflict("実施市町村", by_code[elsewhere.most_common(1)[0][0]])


def _text(value) -> str:
    return value.typed if value is not None and isinstance(value.typed, str) else ""
