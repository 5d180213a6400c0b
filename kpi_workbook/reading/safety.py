"""Look at a file's bytes before any library parses it.

Decides what a file really is (whatever its extension says), and refuses what must not
reach a parser: zip bombs (judged from the central directory, before inflating), XML
with a DOCTYPE or entities, encodings nobody saves a workbook in, encrypted files,
text and HTML files named .xls/.xlsx.  (The XML parts of an .xlsx that
:mod:`kpi_workbook.reading.xlsx_scan` reads whole, before any parser, are checked there as they
are read: :func:`read_whole_by_scan`.)  Every refusal is a :class:`Refusal` with a
finding code; the caller turns it into a finding naming the file.  :func:`peek_members`
reads one small part of a plain zip without a ZipFile (the modified time of every
return, before the checks start).
"""
from __future__ import annotations

import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 100  # for members over RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 10_000
MAX_DIRECTORY_BYTES = MAX_MEMBERS * 1024  # a central directory larger than this is refused unread
PROLOGUE_BYTES = 4096  # the encoding declaration is looked for here
MAX_PROLOGUE = 16 * 1024 * 1024  # comments and PIs before the root element, at most

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_BIFF_FILEPASS = re.compile(
    rb"\x09\x08[\x08\x10]\x00.{8,40}?\x2f\x00(?:\x04\x00|[\x06-\xff][\x00\x01][\x00\x01]\x00)", re.DOTALL)
_SAFE_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "us-ascii", "ascii"}


class Refusal(Exception):
    """A file that must not (or cannot) be read; *code* is a findings code."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Sniffed:
    kind: str  # a key of :data:`kpi_workbook.reading.formats.FORMATS`
    macros: bool = False


def sniff(path) -> Sniffed:
    """Classify *path* by content, or raise :class:`Refusal`."""
    try:
        # non-blocking: a FIFO opened for reading would wait for a writer for ever
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise Refusal("FILE_NOT_FOUND") from None
    except OSError:
        raise Refusal("FILE_UNREADABLE") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # a device, FIFO, socket, folder
            raise Refusal("FILE_NOT_REGULAR")
        try:
            head = fh.read(PROLOGUE_BYTES)
        except OSError:
            raise Refusal("FILE_UNREADABLE") from None
    if not head:
        raise Refusal("FILE_EMPTY")
    if head.startswith(OLE_MAGIC):
        return _check_ole(path)
    if head.startswith(ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        return _check_zip(path)
    raise Refusal("FILE_NOT_SPREADSHEET", _describe_text(head))


def _describe_text(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")) or b"<table" in text[:1024]:
        return "HTML形式のファイルです"
    if text.startswith(b"<?xml"):
        return "XML形式のファイルです"
    if text.startswith(b"%pdf"):
        return "PDFファイルです"
    printable = sum(1 for b in head if b >= 32 or b in b"\t\r\n")
    if printable / max(len(head), 1) > 0.95:
        if b"," in head or b"\t" in head:
            return "CSV・テキスト形式のファイルです"
        return "テキストファイルです"
    return "形式を判別できません"


def _check_ole(path) -> Sniffed:
    """An OLE2 compound file is either a legacy .xls or an encrypted OOXML package."""
    with open(path, "rb") as fh:
        data = fh.read(2 * 1024 * 1024)
    # Directory entry names are UTF-16LE; an encrypted package carries these streams.
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        raise Refusal("FILE_ENCRYPTED")
    # A password-protected .xls: the BOF record (0x0809) of the workbook globals is
    # followed within a few records by FILEPASS (0x002F): length 4 (BIFF5 XOR) or an
    # encryption type 0/1 (BIFF8 XOR/RC4).
    if _BIFF_FILEPASS.search(data):
        raise Refusal("FILE_ENCRYPTED")
    return Sniffed("xls")


_END_SEARCH = 65_557  # the end record (22 bytes) and the longest comment it may have
_SHORT_TAIL = 4096  # looked at first: a workbook's zip has no comment


def _tail(fh) -> tuple[int, bytes, int]:
    """(file size, its last bytes, where the last end-of-directory signature is in them, or -1).
    The last 4 KB are read first, the whole search window only when the signature (with
    room for a ZIP64 locator before it) is not there: the same is found either way."""
    size = fh.seek(0, 2)
    for window in (_SHORT_TAIL, _END_SEARCH):
        fh.seek(max(0, size - window))
        tail = fh.read(window)
        end = tail.rfind(b"PK\x05\x06")
        if end >= 20 or window >= size:
            break
    return size, tail, end


def directory_limits(path) -> None:
    """Refuse a zip whose end record declares more members, or a larger central
    directory, than the limits, or a directory the file is too short to hold: before
    anything (zipfile included) parses that directory.  A file with no end record is
    left to zipfile, which calls it damaged."""
    with open(path, "rb") as fh:
        size, tail, end = _tail(fh)
        if end < 0 or end + _END_RECORD.size > len(tail):
            return
        _, _, _, _, entries, cd_size, cd_offset, _ = _END_RECORD.unpack_from(tail, end)
        at = size - len(tail) + end
        if 0xFFFF in (entries,) or 0xFFFFFFFF in (cd_size, cd_offset):  # ZIP64: its own end record
            locator = tail[end - 20:end] if end >= 20 else b""
            if locator[:4] == b"PK\x06\x07":
                fh.seek(struct.unpack_from("<Q", locator, 8)[0])
                record = fh.read(56)
                if record[:4] == b"PK\x06\x06" and len(record) == 56:
                    entries, cd_size, cd_offset = struct.unpack_from("<QQQ", record, 32)
                    at = size  # where the directory must end at the latest
    if entries > MAX_MEMBERS:
        raise Refusal("FILE_TOO_LARGE", f"構成ファイル数{entries}")
    if cd_size > MAX_DIRECTORY_BYTES:
        raise Refusal("FILE_TOO_LARGE", f"ZIPの目次が{cd_size // 1_000_000}MBあります")
    if cd_offset + cd_size > at:
        raise Refusal("FILE_CORRUPT", "ZIPの目次がファイルの大きさと合いません")


def _check_zip(path) -> Sniffed:
    directory_limits(path)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise Refusal("FILE_CORRUPT", "ZIPの目次がありません") from None
    except OSError as exc:
        raise Refusal("FILE_UNREADABLE", str(exc.strerror or "")) from None
    with zf:
        infos = zf.infolist()
        _check_sizes(infos)
        names = {i.filename for i in infos}
        if any(i.flag_bits & 0x1 for i in infos):
            raise Refusal("FILE_ENCRYPTED")
        if "META-INF/manifest.xml" in names and b"encryption-data" in read_member(zf, "META-INF/manifest.xml"):
            raise Refusal("FILE_ENCRYPTED")  # a password-protected .ods
        ooxml = "mimetype" not in names
        for info in infos:
            if ooxml and read_whole_by_scan(info.filename):
                continue  # xlsx_scan checks it as it reads it, before any parser
            if not info.is_dir():
                check_member_prologue(zf, info)  # any member that is XML, whatever its name
        if "mimetype" in names:
            mime = zf.read("mimetype")[:100]
            if b"opendocument.spreadsheet" in mime:
                return Sniffed("ods")
            raise Refusal("FILE_NOT_SPREADSHEET", "表計算以外のOpenDocumentファイルです")
        if "[Content_Types].xml" not in names:
            if any(n.lower().endswith(".xml") for n in names):
                raise Refusal("FILE_CORRUPT", "Excelブックの構成ファイルがありません")
            raise Refusal("FILE_NOT_SPREADSHEET", "ZIP圧縮ファイルです")
        macros = any(n.lower().endswith("vbaproject.bin") for n in names)
        if not any(n.startswith("xl/") for n in names):
            raise Refusal("FILE_NOT_SPREADSHEET", "Word・PowerPoint等のファイルです")
        if "xl/workbook.bin" in names:
            return Sniffed("xlsb", macros=macros)
        return Sniffed("xlsx", macros=macros)


def read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """Inflate one member, never past its declared size nor the member cap.

    ``ZipFile.read`` inflates without bound when a header lies about the size.
    """
    info = zf.getinfo(name)
    cap = min(info.file_size, MAX_MEMBER_UNCOMPRESSED)
    chunks, total = [], 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(min(1 << 20, cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > cap:
                raise Refusal("FILE_TOO_LARGE", f"{name}が申告サイズを超えています")
    return b"".join(chunks)


def _check_sizes(infos) -> None:
    if len(infos) > MAX_MEMBERS:
        raise Refusal("FILE_TOO_LARGE", f"構成ファイル数{len(infos)}")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER_UNCOMPRESSED:
            raise Refusal("FILE_TOO_LARGE", f"展開後{info.file_size // 1_000_000}MBの部品があります")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Refusal("FILE_TOO_LARGE", f"圧縮率が異常です（{info.file_size // max(info.compress_size, 1)}倍）")
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise Refusal("FILE_TOO_LARGE", f"展開後の合計{total // 1_000_000}MB")


_READ_WHOLE = frozenset({"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"})


def read_whole_by_scan(name: str) -> bool:
    """Parts of an .xlsx that :func:`kpi_workbook.reading.xlsx_scan.scan_xlsx` reads whole: it
    checks their prologue (:func:`check_prologue`) itself, so :func:`sniff` skips them."""
    return name in _READ_WHOLE or (name.startswith("xl/worksheets/") and name.endswith(".xml"))


def check_member_prologue(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse DTDs, entity declarations and exotic encodings anywhere before the root
    element of a member that is XML (read only as far as that root)."""
    data, want = b"", 64 * 1024
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(want - len(data))
                data += chunk
                if not chunk or _prologue_end(_as_utf8(data)) >= 0 or len(data) >= MAX_PROLOGUE:
                    break
                want *= 2  # read on geometrically: each look at the bytes so far is paid once
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise Refusal("FILE_CORRUPT", f"{info.filename}: {type(exc).__name__}") from None
    except Exception as exc:  # zlib.error and friends
        raise Refusal("FILE_CORRUPT", f"{info.filename}: {type(exc).__name__}") from None
    if len(data) >= MAX_PROLOGUE and _prologue_end(_as_utf8(data)) < 0:
        raise Refusal("FILE_UNSAFE", f"{info.filename}: 本体の前の注釈が長すぎます")
    check_prologue(info.filename, data)


def _as_utf8(head: bytes) -> bytes:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    if head[:4] in (b"\x00<\x00?", b"<\x00?\x00"):
        return head.decode("utf-16-be" if head[0] == 0 else "utf-16-le", errors="ignore").encode()
    return head


def _prologue_end(data: bytes) -> int:
    """Where the first thing that is not white space, an XML declaration, a processing
    instruction or a comment starts in *data* (the root element, a DTD, or text);
    -1 when *data* ends first."""
    pos, size = (3 if data.startswith(b"\xef\xbb\xbf") else 0), len(data)
    while True:
        while pos < size and data[pos] in b" \t\r\n":
            pos += 1
        if pos >= size:
            return -1
        if data.startswith(b"<?", pos):
            end, step = data.find(b"?>", pos + 2), 2
        elif data.startswith(b"<!--", pos):
            end, step = data.find(b"-->", pos + 4), 3
        else:
            return pos
        if end < 0:
            return -1
        pos = end + step


_XML_NAMES = (".xml", ".rels", ".vml")  # members that must be XML (a binary one is let be)


def check_prologue(name: str, head: bytes) -> None:
    """Refuse a part whose prologue (all before its root element, in *head*: the part,
    or its start) holds a DTD or an entity declaration, or whose encoding is exotic."""
    head = _as_utf8(head)
    match = _ENCODING.search(head[:200])
    if match and match.group(1).decode("ascii").lower() not in _SAFE_ENCODINGS:
        raise Refusal("FILE_UNSAFE", f"文字コード{match.group(1).decode('ascii')}")
    end = _prologue_end(head)
    first = head[end:end + 1] if end >= 0 else b""
    if end >= 0 and first != b"<":  # text where the root should be: not XML
        if name.lower().endswith(_XML_NAMES):
            raise Refusal("FILE_UNSAFE", f"{name}がXMLではありません")
        return  # a binary member (an image, vbaProject.bin): nothing for an XML parser
    if end < 0 and not name.lower().endswith(_XML_NAMES) and not head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        return
    prologue = head if end < 0 else head[:end + 16]  # what stands at the root's place too
    if _DOCTYPE.search(prologue):
        raise Refusal("FILE_UNSAFE", "DTD・実体宣言")


_END_RECORD = struct.Struct("<4s4H2LH")
_CENTRAL_ENTRY = struct.Struct("<4s6H3L5H2L")


def peek_members(path, names, limit: int = 1 << 20) -> dict | None:
    """The inflated bytes of those of *names* the zip at *path* holds (each under
    *limit* bytes), read straight from its central directory: for one small part of
    many files, without a :class:`zipfile.ZipFile` each.  None when the file is not a
    plain small zip (ZIP64, data before it, encrypted or odd members, a CRC that does
    not match...): the caller asks :mod:`zipfile` instead."""
    wanted = {name.encode(): name for name in names}
    with open(path, "rb") as fh:
        size, tail, end = _tail(fh)
        if end < 0 or end + _END_RECORD.size > len(tail):
            return None
        _, disk, _, _, _, cd_size, cd_offset, _ = _END_RECORD.unpack_from(tail, end)
        if disk or cd_offset + cd_size != size - len(tail) + end:
            return None
        fh.seek(cd_offset)
        directory, found, at = fh.read(cd_size), {}, 0
        while at < len(directory):
            if at + _CENTRAL_ENTRY.size > len(directory):
                return None
            entry = _CENTRAL_ENTRY.unpack_from(directory, at)
            if entry[0] != b"PK\x01\x02":
                return None
            name_end = at + _CENTRAL_ENTRY.size + entry[10]
            name = wanted.get(directory[at + _CENTRAL_ENTRY.size:name_end])
            if name is not None:
                found[name] = entry
            at = name_end + entry[11] + entry[12]
        out = {}
        for name, entry in found.items():
            data = _member(fh, entry, limit) if _plain(entry, limit) else None
            if data is None:
                return None
            out[name] = data
        return out


def _plain(entry, limit: int) -> bool:
    flags, method, compressed, size = entry[3], entry[4], entry[8], entry[9]
    return not flags & 1 and method in (0, 8) and size <= limit and compressed <= limit + 1024


def _member(fh, entry, limit: int) -> bytes | None:
    crc, compressed, size, offset = entry[7], entry[8], entry[9], entry[16]
    fh.seek(offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != ZIP_MAGIC:
        return None
    name_length, extra_length = struct.unpack_from("<HH", local, 26)
    fh.seek(offset + 30 + name_length + extra_length)
    data = fh.read(compressed)
    if entry[4] == 8:
        try:
            data = zlib.decompressobj(-15).decompress(data, limit + 1)
        except zlib.error:
            return None
    return data if len(data) == size and zlib.crc32(data) == crc else None

