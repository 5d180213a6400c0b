"""File names built from region codes and names: safe on Windows and POSIX alike."""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

from .errors import OutputError

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}
MAX_STEM = 80  # characters; leaves room for the directory within Windows' 260
MAX_STEM_BYTES = 180  # bytes of UTF-8: with a suffix such as "_確認結果.xlsx", under every file system's 255


def safe_stem(text: str) -> str:
    """Replace what a file system would refuse or misread; never empty, never a dot name."""
    text = unicodedata.normalize("NFC", text or "")
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = text.replace("..", "_")
    text = text.strip(". ")
    if not text:
        text = "_"
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    text = text[:MAX_STEM]
    while len(text.encode("utf-8", "surrogatepass")) > MAX_STEM_BYTES:  # 4-byte characters: a file system's 255
        text = text[:-1]
    return text.rstrip(". ") or "_"


def shown(path) -> str:
    """A path as text that can be printed and written anywhere: bytes of a name that are
    not UTF-8 (cp932 names unpacked from a Windows zip) become U+FFFD."""
    text = os.fspath(path)
    if isinstance(text, bytes):
        return text.decode("utf-8", "replace")
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:  # lone surrogates: undecodable bytes the OS gave back
        return os.fsencode(text).decode("utf-8", "replace") if os.name != "nt" else \
            text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


_PORTABLE = re.compile(r"[^\W_][\w-]{0,47}")  # letters and digits of any script, "_" and "-"; at most 144 bytes


def portable_names(codes) -> dict:
    """``{code: file-name stem}`` for codes that name pages (a region's, a leaf's): the code
    itself where it is plain (letters and digits of any script, ``-``, ``_``; NFC; not a
    reserved device name; not equal to another but for case or Unicode form); else a
    readable part and a stable hash of the code.  So a stem never holds a separator, ``..``,
    a drive, an absolute path or an invisible character, fits any file system's length, and
    two codes never share a file where names fold case or Unicode normalisation."""
    codes = list(dict.fromkeys(codes))
    plain = [code for code in codes if _PORTABLE.fullmatch(code) and unicodedata.is_normalized("NFC", code)
             and code.upper() not in _RESERVED]
    folded: dict = {}
    for code in plain:
        key = unicodedata.normalize("NFKC", code).casefold()
        folded[key] = folded.get(key, 0) + 1
    out = {}
    for code in codes:
        if code in plain and folded[unicodedata.normalize("NFKC", code).casefold()] == 1:
            out[code] = code
            continue
        readable = re.sub(r"[^A-Za-z0-9]+", "_", unicodedata.normalize("NFKC", code)).strip("_")[:32] or "x"
        digest = hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        out[code] = f"{readable}-{digest}"
    return out


def region_filename(code: str, name: str, suffix: str = ".xlsx") -> str:
    return safe_stem(f"{code}_{name}") + suffix


def inside(directory: Path, name: str) -> Path:
    """``directory / name``, refusing anything that would land outside *directory* and a
    name that is a symbolic link (never written through: it may point at another file)."""
    base = Path(directory).resolve()
    target = base / name
    if os.path.islink(target):
        raise OutputError(f"出力先「{target}」はリンク（シンボリックリンク）のため、書き込みません。")
    if target.resolve().parent != base or target.name != name:
        raise OutputError(f"出力先「{directory}」の外には書き込めません（{name}）。")
    return target
