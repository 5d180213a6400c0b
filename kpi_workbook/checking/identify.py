"""Which survey, round and region a return belongs to: its hidden metadata sheet, its
圏域情報 and the roster, each disagreement a finding."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..core import findings as F
from ..core import meta_sheet as metadata
from ..core.filenames import shown
from ..core.survey import Survey, available, load_survey
from ..reading.last_round import SHEET as PREVIOUS_SHEET
from ..reading.roster import split_names
from .result import ReturnResult


def wanted_sheets(survey) -> list:
    names = {metadata.SHEET, PREVIOUS_SHEET}
    for candidate in ([survey] if survey is not None else available()):
        definition = candidate if isinstance(candidate, Survey) else load_survey(candidate)
        names.update(s.name for s in definition.sheets)
    return sorted(names)


def pick_survey(survey, meta, workbook) -> Survey:
    if isinstance(survey, Survey):
        return survey
    if survey:
        return load_survey(survey)
    definitions = [load_survey(n) for n in available()]
    if meta:
        for definition in definitions:
            if definition.id == meta.get("survey_id"):
                return definition
    return max(definitions, key=lambda d: sum(s.name in workbook.sheets for s in d.sheets))


def identify(result: ReturnResult, survey: Survey, meta, secret) -> None:
    name = result.file
    if meta is None:
        result.findings.append(F.make("META_MISSING", file=name))
        return
    result.region_code = meta.get("region_code", "")
    result.region_name = meta.get("region_name", "")
    if meta.get("survey_id") != survey.id:
        other = next((d for d in map(load_survey, available()) if d.id == meta.get("survey_id")), None)
        result.findings.append(F.make("META_SURVEY_MISMATCH", file=name, value=other.title if other else
                                      meta.get("survey_id", ""), expected=survey.title))
        return
    round_, version = meta.get("survey_round", ""), meta.get("survey_version", "")
    if round_ and round_ != survey.round:  # another round's workbook: last round's
        result.findings.append(F.make("META_PREVIOUS_ROUND", file=name, value=round_, expected=survey.round))
    elif version != survey.version:  # this round, another version of its workbook
        older = _version(version) < _version(survey.version)
        result.findings.append(F.make("META_PREVIOUS_ROUND" if older else "META_VERSION_MISMATCH", file=name,
                                      value=version, expected=survey.version))
    if meta.get("layout_fingerprint") != survey.fingerprint:
        result.findings.append(F.make("META_TAMPERED", file=name))
    key = metadata.secret_from(secret)
    if key:
        if not meta.get("signature"):
            result.findings.append(F.make("SIGNATURE_MISSING", file=name))
        elif not metadata.verify(meta, key):
            result.findings.append(F.make("SIGNATURE_INVALID", file=name))


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
