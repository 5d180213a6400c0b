"""File names built from region codes and names: safe on Windows and POSIX alike."""
from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from .errors import OutputError

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}
MAX_STEM = 80  # characters; leaves room for the directory within Windows' 260


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
    return text[:MAX_STEM].rstrip(". ") or "_"


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


def region_filename(code: str, name: str, suffix: str = ".xlsx") -> str:
    return safe_stem(f"{code}_{name}") + suffix


def inside(directory: Path, name: str) -> Path:
    """``directory / name``, refusing anything that would land outside *directory*."""
    base = Path(directory).resolve()
    target = (base / name).resolve()
    if target.parent != base:
        raise OutputError(f"出力先「{directory}」の外には書き込めません（{name}）。")
    return target
