"""The hidden metadata sheet: which survey, which version, which region, which layout.

``generate`` writes it; ``check`` reads it to tell a return of this survey for this region
from a foreign, outdated or altered workbook.  With a secret (``--secret`` or the
``KPI_WORKBOOK_SECRET`` environment variable) the fields are signed with HMAC-SHA256.
The signature proves the metadata was written by someone holding the secret for this
region and has not been edited since; it does not protect the clerk's answers (they are
meant to change), and it is only as safe as the secret.
"""
from __future__ import annotations

import hashlib
import hmac
import os

SHEET = "_kpi_workbook"
# The author of the notes an annotated copy puts on cells, and what separates a clerk's own
# note from them: reading a copy back, the tool's notes are not the clerk's (only what precedes the separator is).
NOTE_AUTHOR = "kpi-workbook"
NOTE_SEPARATOR = "\n――――\n"


def clerks_part(author: str, text: str) -> str:
    """The clerk's own words in a cell note: all of it, or for a note the tool wrote, what
    the clerk had written before the tool's findings were added ("" when nothing)."""
    if author.strip() != NOTE_AUTHOR:
        return text
    return text.split(NOTE_SEPARATOR, 1)[0].strip() if NOTE_SEPARATOR in text else ""
ENV_SECRET = "KPI_WORKBOOK_SECRET"
FIELDS = ("survey_id", "survey_version", "layout_fingerprint", "region_code", "region_name",
          "generated_at", "survey_round", "tool_version", "signature")
SIGNED = FIELDS[:-2]


def secret_from(option: str | None) -> str | None:
    return option or os.environ.get(ENV_SECRET) or None


def sign(meta: dict, secret: str) -> str:
    text = "\x1f".join(str(meta.get(k, "")) for k in SIGNED)
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(meta: dict, secret: str) -> bool:
    given = str(meta.get("signature") or "")
    return bool(given) and hmac.compare_digest(given, sign(meta, secret))


def build(survey, region, generated_at: str, tool_version: str, secret: str | None) -> dict:
    meta = {"survey_id": survey.id, "survey_version": survey.version,
            "layout_fingerprint": survey.fingerprint, "region_code": region.code,
            "region_name": region.name, "generated_at": generated_at, "survey_round": survey.round,
            "tool_version": tool_version, "signature": ""}
    if secret:
        meta["signature"] = sign(meta, secret)
    return meta


def parse(rows) -> dict | None:
    """Read the key/value rows of a metadata sheet; None when it is not one."""
    meta = {}
    for row in rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[0] in FIELDS:
            meta[row[0]] = "" if row[1] is None else str(row[1])
    return meta if "survey_id" in meta else None
