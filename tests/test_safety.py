"""safety: a part read straight from a zip's central directory, or None (ask zipfile)."""
import glob
import os
import zipfile
from pathlib import Path

import pytest

from kpi_workbook.reading.safety import peek_members

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


@pytest.mark.parametrize("comment", [b"", b"c" * 5000, b"x" * 60_000 + b"PK\x05\x06" + b"y" * 100])
def test_the_end_record_is_found_behind_any_comment(tmp_path, comment):
    """The last 4 KB are looked at first: a comment longer than that (or one holding the end
    record's signature) is searched as before, through the whole window."""
    from kpi_workbook.reading.safety import Refusal, directory_limits
    path = _zip(tmp_path / "c.xlsx", {"docProps/core.xml": b"<c/>"})
    with zipfile.ZipFile(path, "a") as z:
        z.comment = comment
    if b"PK\x05\x06" in comment:  # the signature in the comment is taken (as zipfile's own search would)
        assert peek_members(path, NAMES) is None
        with pytest.raises(Refusal):
            directory_limits(path)
    else:
        assert peek_members(path, NAMES) == {"docProps/core.xml": b"<c/>"}
        directory_limits(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_or_device_is_refused_without_waiting(tmp_path):
    """Opening a FIFO for reading waits for a writer: it must be refused, not read."""
    import time

    from kpi_workbook.checking.check import check_workbook
    from kpi_workbook.consolidation.discover import discover
    fifo = tmp_path / "R01_pipe.xlsx"
    os.mkfifo(fifo)
    start = time.monotonic()
    for path in (fifo, Path(os.devnull)):
        assert [f.code for f in check_workbook(path).findings] == ["FILE_NOT_REGULAR"]
    assert time.monotonic() - start < 5
    files, notes = discover(tmp_path)
    assert files == [] and [n.code for n in notes] == ["FILE_SKIPPED"]


# ---- the whole prologue, and the zip directory before anyone parses it

import struct  # noqa: E402
import time  # noqa: E402

from kpi_workbook.checking.check import check_workbook  # noqa: E402

from .conftest import FIXTURES  # noqa: E402

DTD = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _with_part(src, dst, name, data):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != name:
                zout.writestr(info, zin.read(info.filename))
        zout.writestr(name, data)
    return dst


@pytest.mark.parametrize("name", ["xl/worksheets/sheet1.xml", "docProps/app.xml", "xl/drawings/vmlDrawing1.vml",
                                  "xl/sharedStrings.xml", "customXml/item1.xml"])
def test_a_dtd_after_a_long_comment_is_refused_in_any_part(tmp_path, name):
    src = FIXTURES / "xlsx-hostile" / "control_valid.xlsx"
    with zipfile.ZipFile(src) as zf:
        original = zf.read(name) if name in zf.namelist() else b"<root/>"
    body = original.split(b"?>", 1)[-1] if original.startswith(b"<?xml") else original
    data = b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- ' + b"x" * 5000 + b" -->\n" + DTD + body
    result = check_workbook(_with_part(src, tmp_path / "dtd.xlsx", name, data))
    assert [f.code for f in result.findings] == ["FILE_UNSAFE"], name


def test_a_long_comment_alone_is_still_read(tmp_path):
    src = FIXTURES / "xlsx-hostile" / "control_valid.xlsx"
    with zipfile.ZipFile(src) as zf:
        strings = zf.read("xl/sharedStrings.xml")
    data = strings.replace(b"?>", b"?><!-- " + b"x" * 200_000 + b" -->", 1)
    result = check_workbook(_with_part(src, tmp_path / "ok.xlsx", "xl/sharedStrings.xml", data))
    assert [f.code for f in result.findings] == [f.code for f in check_workbook(src).findings]


def _lying_end_record(path, entries=None, cd_size=None):
    data = bytearray((FIXTURES / "xlsx-hostile" / "control_valid.xlsx").read_bytes())
    end = data.rfind(b"PK\x05\x06")
    sig, disk, disk_cd, here, total, size, offset, comment = struct.unpack_from("<4s4H2LH", data, end)
    if entries is not None:
        here = total = entries
    struct.pack_into("<4s4H2LH", data, end, sig, disk, disk_cd, here, total, size if cd_size is None else cd_size,
                     offset, comment)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("case", ["entries", "sparse"])
def test_a_directory_beyond_the_limits_is_refused_unread(tmp_path, case):
    from kpi_workbook.consolidation.discover import workbook_modified
    if case == "entries":
        path = _lying_end_record(tmp_path / "many.xlsx", entries=60_000)
    else:  # 8 KB on disk, a 1.2 GB directory claimed
        path = _lying_end_record(tmp_path / "sparse.xlsx", cd_size=1_200_000_000)
    start = time.monotonic()
    codes = [f.code for f in check_workbook(path).findings]
    assert codes in (["FILE_TOO_LARGE"], ["FILE_CORRUPT"]), codes
    assert workbook_modified(path)  # the file's own time, without parsing the directory
    assert time.monotonic() - start < 5


def test_the_end_record_is_read_before_any_directory_is_parsed(tmp_path, monkeypatch):
    import kpi_workbook.reading.safety as S

    def no_zipfile(*args, **kwargs):
        raise AssertionError("zipfile parsed a directory the end record already refuses")
    monkeypatch.setattr(S.zipfile, "ZipFile", no_zipfile)
    for path in (_lying_end_record(tmp_path / "many.xlsx", entries=60_000),
                 _lying_end_record(tmp_path / "sparse.xlsx", cd_size=1_200_000_000)):
        with pytest.raises(S.Refusal) as refusal:
            S.sniff(path)
        assert refusal.value.code in ("FILE_TOO_LARGE", "FILE_CORRUPT")
