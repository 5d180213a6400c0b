"""The third stage of ``consolidate``: one return per region.

The newest return of a region (by the workbook's own modified time, as an instant) is
used; the region's others are superseded, each told which file replaced it.  A file held
for attention (another region's workbook, last round's) takes no part; a region with no
return is reported missing, and two workbooks naming different regions under one code
are reported too.
"""
from __future__ import annotations

from dataclasses import replace

from ..core import findings as F
from ..core.kinds import Status
from .submission import instant


def select_returns(submissions: list, regions: list) -> list:
    """One return per region: the newest wins; the rest are superseded or failed.  A
    file held for attention (another region's workbook, last round's) takes no part."""
    out = []
    by_region: dict = {}
    for sub in submissions:
        if sub.status == Status.FAILED:
            continue
        if not sub.readable or not sub.region_code:
            sub.status = Status.FAILED
            continue
        if any(f.code in F.HOLDS for f in sub.findings):
            sub.status = Status.HELD
            continue
        by_region.setdefault(sub.region_code, []).append(sub)
    roster_codes = {r.code for r in regions}
    for code, subs in sorted(by_region.items()):
        subs.sort(key=lambda s: (instant(s.modified), s.relative), reverse=True)
        winner = subs[0]
        winner.status = Status.USED if code in roster_codes else Status.FAILED
        names = {s.claimed_name for s in subs if s.claimed_name}
        if len(names) > 1:
            out.append(F.make("REGION_CLAIMED_TWICE", file=winner.relative, value=code,
                              detail="、".join(sorted(names))))
        note = None
        for other in subs[1:]:
            other.status = Status.SUPERSEDED
            other.rows_at = other.summary_at = None  # never read: drop where they are
            # one message per region, shared by its superseded files (rounds of resubmissions)
            note = F.make("RETURN_SUPERSEDED", file=other.relative, value=winner.relative) if note is None \
                else replace(note, file=other.relative)
            other.findings += (note,)
    for region in regions:
        if region.code not in by_region:
            out.append(F.make("REGION_NOT_RETURNED", value=f"{region.code} {region.name}"))
    return out
