"""safety: a part read straight from a zip's central directory, or None (ask zipfile)."""
import glob
import os
import zipfile
from pathlib import Path

import pytest

from kpi_workbook.safety import peek_members

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
NAMES = ("docProps/core.xml", "meta.xml", "xl/workbook.xml")


def _zip(path, members, **kw):
    with zipfile.ZipFile(path, "w", kw.pop("compression", zipfile.ZIP_DEFLATED), **kw) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_peeked_parts_are_what_zipfile_reads(tmp_path):
    plain = _zip(tmp_path / "a.xlsx", {"docProps/core.xml": b"<x>" * 500, "xl/a.xml": b"a", "meta.xml": b"m"})
    assert peek_members(plain, NAMES) == {"docProps/core.xml": b"<x>" * 500, "meta.xml": b"m"}
    stored = _zip(tmp_path / "s.xlsx", {"meta.xml": b"m" * 10}, compression=zipfile.ZIP_STORED)
    assert peek_members(stored, NAMES) == {"meta.xml": b"m" * 10}
    assert peek_members(_zip(tmp_path / "n.xlsx", {"x.xml": b"x"}), NAMES) == {}
    checked = 0
    for path in sorted(glob.glob(str(CORPUS / "**" / "*.*"), recursive=True)):
        parts = peek_members(path, NAMES)
        if parts is not None:
            with zipfile.ZipFile(path) as z:
                assert parts == {name: z.read(name) for name in NAMES if name in z.namelist()}, path
            checked += 1
    assert checked > 100 or not CORPUS.exists()


def test_anything_but_a_plain_zip_is_left_to_zipfile(tmp_path):
    plain = _zip(tmp_path / "a.xlsx", {"docProps/core.xml": b"<core/>" * 50})
    data = plain.read_bytes()
    cases = {"prefixed": b"MZ" + data, "not a zip": b"<html></html>", "empty": b""}
    start = data.index(b"PK\x01\x02")
    flipped = bytearray(data)
    flipped[start + 16] ^= 0xFF  # the CRC the central directory records
    cases["bad crc"] = bytes(flipped)
    encrypted = bytearray(data)
    encrypted[start + 8] |= 1  # the "encrypted" flag
    cases["encrypted"] = bytes(encrypted)
    cases["truncated directory"] = data[:start + 20] + data[-22:]
    for name, content in cases.items():
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(content)
        assert peek_members(path, NAMES) is None, name
    big = _zip(tmp_path / "big.xlsx", {"docProps/core.xml": b"0" * 5000})
    assert peek_members(big, NAMES, limit=4000) is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_or_device_is_refused_without_waiting(tmp_path):
    """Opening a FIFO for reading waits for a writer: it must be refused, not read."""
    import time

    from kpi_workbook.check import check_workbook
    from kpi_workbook.consolidate import discover
    fifo = tmp_path / "R01_pipe.xlsx"
    os.mkfifo(fifo)
    start = time.monotonic()
    for path in (fifo, Path(os.devnull)):
        assert [f.code for f in check_workbook(path).findings] == ["FILE_NOT_REGULAR"]
    assert time.monotonic() - start < 5
    files, notes = discover(tmp_path)
    assert files == [] and [n.code for n in notes] == ["FILE_SKIPPED"]
