"""A minimal zip writer whose members may include data deflated ahead of time.

The summary's long sheets are ~120 MB of XML.  Deflating them while the package is
stored kept one core busy for about a second at the end of a run, with nothing else left
to do.  :class:`~kpi_workbook.xlsx.fast_writer.RowSheet` instead deflates its rows as they are
written (while the returns are still being checked) and notes where they go in the
sheet's XML (:class:`Rows`).  :class:`DeflatedZip` writes the package: each member is
deflated as usual, except that a noted member's rows are copied in as they are.

Raw deflate streams join: the part before the rows is deflated and ended with a sync
flush (byte-aligned, not final), the rows were too, and the part after them ends the
stream.  Their CRC-32s join with :func:`crc32_combine` (zlib's, not exposed by Python).

Only the classic zip format is written (no ZIP64): a member or a package past 2 GiB
raises :class:`zipfile.LargeZipFile`, as xlsxwriter's own ZipFile does by default.
"""
from __future__ import annotations

import os
import struct
import zlib
from typing import NamedTuple
from zipfile import ZIP64_LIMIT, LargeZipFile

_CHUNK = 1 << 20
_DOS_DATE = (0 << 9) | (1 << 5) | 31  # 1980-01-31, the date xlsxwriter gives its parts
_DOS_TIME = 0
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_FILE_MODE = 0o100644 << 16


class Rows(NamedTuple):
    """Rows deflated ahead, to go into a member at byte *at* of its file."""

    at: int
    path: str   # the raw deflate stream, ended by a sync flush (removed once copied)
    crc: int    # CRC-32 and length of the rows before deflating
    size: int


def _gf2_times(matrix: list, vector: int) -> int:
    total, index = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[index]
        vector >>= 1
        index += 1
    return total


def _gf2_square(matrix: list) -> list:
    return [_gf2_times(matrix, row) for row in matrix]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from crc32(A), crc32(B) and len(B) (zlib's crc32_combine)."""
    if length2 <= 0:
        return crc1
    operator = [0xEDB88320] + [1 << n for n in range(31)]  # appends one zero bit to a CRC
    operator = _gf2_square(_gf2_square(operator))  # four zero bits
    while length2:  # squared: one zero byte, then 2, 4, 8... applied per bit of length2
        operator = _gf2_square(operator)
        if length2 & 1:
            crc1 = _gf2_times(operator, crc1)
        length2 >>= 1
    return crc1 ^ crc2


class DeflatedZip:
    """``DeflatedZip(path, rows={file: Rows}, compresslevel=6)``: a zip file with the
    part of the :class:`zipfile.ZipFile` interface xlsxwriter uses to store a package on
    disk (:meth:`write` a file under a name, :meth:`close`).  *rows* may be filled
    until the file it names is written."""

    def __init__(self, filename, mode: str = "w", compression=None, allowZip64: bool = False,  # noqa: N803
                 *, rows: dict, compresslevel: int = 6) -> None:
        if mode != "w":
            raise ValueError("DeflatedZip only writes")
        self.rows, self.level = rows, compresslevel
        self.fh = open(filename, "wb")  # noqa: SIM115 - closed in close()
        self.entries: list = []

    def write(self, filename: str, arcname: str) -> None:
        """Add the file *filename* as *arcname*, deflated (rows noted for it copied in)."""
        name = arcname.encode("utf-8")
        flags = 0 if arcname.isascii() else 0x800  # bit 11: the name is UTF-8
        offset = self.fh.tell()
        self.fh.write(_LOCAL.pack(0x04034B50, 20, flags, 8, _DOS_TIME, _DOS_DATE, 0, 0, 0, len(name), 0) + name)
        start = self.fh.tell()
        try:
            crc, size = self._deflate(filename)
            end = self.fh.tell()
            if max(size, end - start, offset) > ZIP64_LIMIT:
                raise LargeZipFile("Filesize would require ZIP64 extensions")
        except BaseException:
            self.fh.close()  # the package is not finished: xlsxwriter reports why
            raise
        self.fh.seek(offset + 14)
        self.fh.write(struct.pack("<III", crc, end - start, size))
        self.fh.seek(end)
        self.entries.append((name, flags, crc, end - start, size, offset))

    def _deflate(self, filename: str) -> tuple[int, int]:
        """Write *filename* deflated; returns (crc, size) of what it holds, rows included."""
        rows = self.rows.pop(filename, None)
        with open(filename, "rb") as source:
            if rows is None:
                return self._stream(source, None, 0, 0, zlib.Z_FINISH)
            crc, size = self._stream(source, rows.at, 0, 0, zlib.Z_SYNC_FLUSH)
            with open(rows.path, "rb") as deflated:
                while chunk := deflated.read(_CHUNK):
                    self.fh.write(chunk)
            os.remove(rows.path)
            return self._stream(source, None, crc32_combine(crc, rows.crc, rows.size),
                                size + rows.size, zlib.Z_FINISH)

    def _stream(self, source, limit: int | None, crc: int, size: int, ending: int) -> tuple[int, int]:
        """Deflate *source* (up to byte *limit* of it) as a stream of its own, ended by
        *ending*; *crc* and *size* go on from what came before."""
        deflate = zlib.compressobj(self.level, zlib.DEFLATED, -15)
        left = limit
        while chunk := source.read(_CHUNK if left is None else min(_CHUNK, left)):
            crc, size = zlib.crc32(chunk, crc), size + len(chunk)
            if left is not None:
                left -= len(chunk)
            self.fh.write(deflate.compress(chunk))
        self.fh.write(deflate.flush(ending))
        return crc, size

    def close(self) -> None:
        if self.fh.closed:
            return
        start = self.fh.tell()
        for name, flags, crc, compressed, size, offset in self.entries:
            self.fh.write(_CENTRAL.pack(0x02014B50, (3 << 8) | 20, 20, flags, 8, _DOS_TIME, _DOS_DATE,
                                        crc, compressed, size, len(name), 0, 0, 0, 0, _FILE_MODE, offset) + name)
        end = self.fh.tell()
        if len(self.entries) > 0xFFFF or end > ZIP64_LIMIT:
            self.fh.close()
            raise LargeZipFile("Filesize would require ZIP64 extensions")
        self.fh.write(_END.pack(0x06054B50, 0, 0, len(self.entries), len(self.entries), end - start, start, 0))
        self.fh.close()
