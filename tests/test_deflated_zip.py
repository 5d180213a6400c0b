"""deflated_zip: members with rows deflated ahead read back as the bytes they stand for."""
import os
import random
import zipfile
import zlib

import pytest

from kpi_workbook.xlsx import deflated_zip
from kpi_workbook.xlsx.deflated_zip import DeflatedZip, Rows, crc32_combine


def test_crc32_combine_is_the_crc_of_the_joined_bytes():
    rng = random.Random(5)
    for length_a, length_b in [(0, 0), (0, 7), (7, 0), (1, 1), (100, 3), (5000, 70_001), (3, 1 << 20)]:
        a, b = rng.randbytes(length_a), rng.randbytes(length_b)
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def _deflated_rows(path, chunks) -> Rows:
    """What a RowSheet's row file holds: chunks deflated in one stream, ended by a sync flush."""
    deflate, crc, size = zlib.compressobj(3, zlib.DEFLATED, -15), 0, 0
    with open(path, "wb") as fh:
        for chunk in chunks:
            crc, size = zlib.crc32(chunk, crc), size + len(chunk)
            fh.write(deflate.compress(chunk))
        fh.write(deflate.flush(zlib.Z_SYNC_FLUSH))
    return Rows(0, str(path), crc, size)


@pytest.mark.parametrize("at", [0, 5, 21])
def test_rows_go_into_their_member_at_their_place(tmp_path, at):
    sheet = tmp_path / "sheet.xml"
    sheet.write_bytes(b"<sheet><sheetData></sheetData></sheet>"[:21] + b"</sheetData></sheet>")
    head = sheet.read_bytes()
    chunks = [f'<row r="{n}"><c><v>{n}</v></c></row>'.encode() for n in range(1, 3000)] + [b"", "円".encode()]
    rows = _deflated_rows(tmp_path / "rows", chunks)._replace(at=at)
    other = tmp_path / "other.xml"
    other.write_bytes(os.urandom(3000) + b"x" * 3_000_000)
    out = tmp_path / "out.xlsx"
    package = DeflatedZip(str(out), "w", rows={str(sheet): rows}, compresslevel=3)
    package.write(str(other), "docProps/app.xml")
    package.write(str(sheet), "xl/worksheets/sheet1.xml")
    package.write(str(other), "xl/名前.xml")
    package.close()
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        assert z.read("xl/worksheets/sheet1.xml") == head[:at] + b"".join(chunks) + head[at:]
        assert z.read("docProps/app.xml") == z.read("xl/名前.xml") == other.read_bytes()
        assert [i.compress_type for i in z.infolist()] == [zipfile.ZIP_DEFLATED] * 3
        assert z.getinfo("xl/名前.xml").flag_bits & 0x800  # a UTF-8 name says so
    assert not os.path.exists(rows.path)  # copied in, then removed


def test_a_member_past_the_classic_zip_limits_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(deflated_zip, "ZIP64_LIMIT", 1000)
    part = tmp_path / "part.xml"
    part.write_bytes(b"a" * 2000)
    package = DeflatedZip(str(tmp_path / "big.xlsx"), "w", rows={})
    with pytest.raises(zipfile.LargeZipFile):
        package.write(str(part), "xl/part.xml")
    assert package.fh.closed
