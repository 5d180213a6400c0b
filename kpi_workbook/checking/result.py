"""A checked return as records: what ``check`` gives every later stage.

A :class:`ReturnResult` holds the return's identity, its :class:`Record` s by sheet (each
value with its cell) and its findings, at most :data:`MAX_FINDINGS` of them worded.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..core import findings as F
from ..core.filenames import shown
from ..core.survey import Survey

MAX_FINDINGS = 1_000  # per file; past it they are counted in one FINDINGS_TRUNCATED


@dataclass
class Record:
    sheet: str        # sheet key
    row: int          # 1-based row in the workbook
    values: dict      # column key -> Value
    cells: dict | CellRefs  # column key -> "B7"


class CellRefs:
    """A table record's cells ("B7" by column key), each made when asked for."""

    __slots__ = ("letters", "number")

    def __init__(self, letters: dict, number: str) -> None:
        self.letters, self.number = letters, number  # letters: shared by the sheet's records

    def get(self, key, default=None):
        letter = self.letters.get(key)
        return default if letter is None else letter + self.number

    def __getitem__(self, key) -> str:
        return self.letters[key] + self.number

    def __contains__(self, key) -> bool:
        return key in self.letters

    def keys(self):
        return self.letters.keys()

    def __iter__(self):
        return iter(self.letters)

    def __len__(self) -> int:
        return len(self.letters)

    def __eq__(self, other) -> bool:
        return dict(self) == dict(other) if hasattr(other, "keys") else NotImplemented

    def __repr__(self) -> str:
        return repr(dict(self))


@dataclass
class ReturnResult:
    file: str
    survey: Survey | None = None
    meta: dict = field(default_factory=dict)
    region_code: str = ""
    region_name: str = ""
    records: dict = field(default_factory=dict)   # sheet key -> [Record]
    findings: list = field(default_factory=list)
    readable: bool = False
    annotated: str = ""  # path of the annotated copy, when one was written
    kind: str = ""  # its format as the reader told it (reading/formats.py), "" when unreadable
    strict: bool = False  # Strict OOXML (.xlsx): openpyxl cannot edit it faithfully
    dropped: dict = field(default_factory=dict)  # severity -> findings past MAX_FINDINGS, counted
    previous_latest: dict = field(default_factory=dict)  # KPI number -> (last round's latest figure, its time)
    last_round: object = None  # the RegionPrevious its workbook carried (a rebuilt annotated copy carries it on)

    def add(self, finding) -> None:
        """Keep *finding*, or only count it once the file has MAX_FINDINGS of them."""
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)
        else:
            self.dropped[finding.severity] = self.dropped.get(finding.severity, 0) + 1

    @property
    def ok(self) -> bool:
        return self.readable and not F.has_errors(self.findings)

    def to_dict(self) -> dict:
        return {"file": shown(self.file), "survey": self.survey.id if self.survey else "",
                "region_code": self.region_code, "region_name": self.region_name,
                "readable": self.readable, "meta": self.meta, "annotated": self.annotated,
                "findings": [f.to_dict() for f in self.findings],
                "records": {k: [_record_dict(r) for r in v] for k, v in self.records.items()}}


def _record_dict(record: Record) -> dict:
    out: dict = {"row": record.row}
    for key, value in record.values.items():
        normalized = value.value.to_dict() if hasattr(value.value, "to_dict") else value.value
        out[key] = {"typed": value.typed, "value": normalized, "cell": record.cells.get(key, "")}
        if value.unit:
            out[key]["unit"] = value.unit
    return out
