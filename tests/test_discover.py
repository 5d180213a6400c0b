"""discover: the files under a folder, what is skipped and why, and the order to check them."""
import os

from kpi_workbook.consolidation.discover import discover, workbook_modified

from .conftest import set_modified


def test_only_spreadsheets_are_kept_and_every_other_file_is_said(tmp_path, kumamoto_return):
    (tmp_path / "sub").mkdir()
    keep = [tmp_path / "R01_熊本.xlsx", tmp_path / "sub" / "R02_播磨.ods", tmp_path / "R03.xls"]
    for path in keep:
        path.write_bytes(b"x")
    skipped = {"~$R01_熊本.xlsx": "~$", ".隠し.xlsx": "隠し", "memo.txt": "拡張子", "readme.pdf": "拡張子"}
    for name in skipped:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "link.xlsx").symlink_to(kumamoto_return)
    files, notes = discover(tmp_path)
    assert files == sorted(keep)
    said = {n.file: n.message for n in notes}
    assert set(said) == set(skipped) | {"link.xlsx"} and all(n.code == "FILE_SKIPPED" for n in notes)
    assert all(word in said[name] for name, word in skipped.items())
    assert "シンボリックリンク" in said["link.xlsx"]


def test_the_workbooks_own_time_decides_not_the_files(tmp_path, kumamoto_return):
    path = tmp_path / "R01.xlsx"
    path.write_bytes(kumamoto_return.read_bytes())
    set_modified(path, "2021-10-15T09:00:00Z")
    os.utime(path, (0, 0))  # the file system's time says 1970
    assert workbook_modified(path) == "2021-10-15T09:00:00Z"
    plain = tmp_path / "R02.xls"
    plain.write_bytes(b"not a zip")
    os.utime(plain, (1_600_000_000, 1_600_000_000))
    assert workbook_modified(plain).startswith("2020-09-13T12:26:40")  # no time inside: the file's


