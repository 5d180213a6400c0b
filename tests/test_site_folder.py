"""publish and the round's CSV folder as inputs (issue 28), through the installed command:
never a write outside --out, never a delete of what the tool did not make, never a file
published that the site does not show, never a hang or an internal error on a bad folder."""
import csv
import json
import os
import shutil
import subprocess
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_workbook.demo import run_demo

from .conftest import SAMPLES, run_console


@pytest.fixture(scope="module")
def round_csv(tmp_path_factory):
    base = tmp_path_factory.mktemp("site_folder")
    run_demo(base / "demo")
    return base / "demo" / "csv"


def _copy(round_csv, tmp_path, name="csv"):
    folder = tmp_path / name
    shutil.copytree(round_csv, folder)
    return folder


def _publish(folder, out, *more, timeout=120):
    return run_console("publish", folder, "--out", out, *more, timeout=timeout)


def _rewrite(path, change):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows = change(rows)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)


def _everything(root):
    return {p.relative_to(root): p.read_bytes() if p.is_file() else None for p in root.rglob("*")}


def test_force_replaces_only_a_site_the_tool_made(round_csv, tmp_path):
    folder = _copy(round_csv, tmp_path)
    afile = tmp_path / "report.txt"
    afile.write_text("mine", encoding="utf-8")
    done = _publish(folder, afile, "--force")
    assert done.returncode == 2 and "ファイル" in done.stderr and afile.read_text(encoding="utf-8") == "mine"
    others = tmp_path / "returns"
    others.mkdir()
    (others / "R01.xlsx").write_bytes(b"a return")
    done = _publish(folder, others, "--force")
    assert done.returncode == 2 and "このツールが作ったウェブ報告でもありません" in done.stderr
    assert (others / "R01.xlsx").read_bytes() == b"a return"
    site = tmp_path / "site"
    assert _publish(folder, site).returncode == 0
    assert _publish(folder, site).returncode == 2  # not empty, no --force
    assert _publish(folder, site, "--force").returncode == 0 and (site / ".kpi-workbook-site").is_file()


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="symbolic links")
def test_an_out_that_is_a_link_is_refused_and_never_followed(round_csv, tmp_path):
    folder = _copy(round_csv, tmp_path)
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_text("keep", encoding="utf-8")
    (tmp_path / "link").symlink_to(target)
    done = _publish(folder, tmp_path / "link", "--force")
    assert done.returncode == 2 and "リンク" in done.stderr and "内部エラー" not in done.stderr
    assert (target / "keep.txt").read_text(encoding="utf-8") == "keep" and (tmp_path / "link").is_symlink()


def test_the_site_is_readable_as_any_new_folder(round_csv, tmp_path):
    if os.name == "nt":
        pytest.skip("POSIX permissions")
    folder = _copy(round_csv, tmp_path)
    old = os.umask(0o022)
    try:
        assert _publish(folder, tmp_path / "site").returncode == 0
    finally:
        os.umask(old)
    assert (tmp_path / "site").stat().st_mode & 0o777 == 0o755


def test_site_data_holds_only_the_tables_the_site_is_made_of(round_csv, tmp_path):
    folder = _copy(round_csv, tmp_path)
    (folder / "担当者連絡先_非公開.csv").write_text("担当者,電話\n熊本 太郎,000\n", encoding="utf-8")
    if hasattr(os, "symlink") and os.name != "nt":
        (folder / "passwd.csv").symlink_to("/etc/passwd")
    _rewrite(folder / "region.csv", lambda rows: [row + [value] for row, value in
                                                   zip(rows, ["携帯電話"] + ["090-0000-0000"] * (len(rows) - 1))])
    done = _publish(folder, tmp_path / "site")
    assert done.returncode == 0, done.stderr
    data = tmp_path / "site" / "data"
    package = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in data.iterdir()) == sorted([r["path"] for r in package["resources"]] + ["datapackage.json"])
    assert "担当者連絡先_非公開.csv" not in os.listdir(data) and "passwd.csv" not in os.listdir(data)
    assert "090-0000-0000" not in (data / "region.csv").read_text(encoding="utf-8-sig")
    assert "definition.json" not in os.listdir(data)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_or_a_link_out_of_the_folder_is_refused_without_a_hang(round_csv, tmp_path):
    folder = _copy(round_csv, tmp_path)
    (folder / "kpis.csv").unlink()
    os.mkfifo(folder / "kpis.csv")
    done = _publish(folder, tmp_path / "site", timeout=60)
    assert done.returncode == 2 and "通常のファイルではありません" in done.stderr
    (folder / "kpis.csv").unlink()
    outside = tmp_path / "outside.csv"
    shutil.copyfile(round_csv / "kpis.csv", outside)
    (folder / "kpis.csv").symlink_to(outside)
    done = _publish(folder, tmp_path / "site2")
    assert done.returncode == 2 and "フォルダの外を指すリンク" in done.stderr
    fifo_package = _copy(round_csv, tmp_path, "csv2")
    (fifo_package / "datapackage.json").unlink()
    os.mkfifo(fifo_package / "datapackage.json")
    done = run_console("generate", "--roster", SAMPLES / "roster.csv", "--out",
                       tmp_path / "wb", "--previous", fifo_package, timeout=60)
    assert done.returncode == 2 and "内部エラー" not in done.stderr


def test_region_codes_that_are_paths_stay_inside_the_site(round_csv, tmp_path):
    folder = _copy(round_csv, tmp_path)
    codes = {"R01": "../escape", "R02": str(tmp_path / "abs"), "R03": "CON", "R04": "r05"}

    def recode(rows):
        header = rows[0]
        at = header.index("圏域コード")
        for row in rows[1:]:
            row[at] = codes.get(row[at], row[at])
        return rows
    for name in ("regions.csv", "kpis.csv", "projects.csv", "actuals.csv"):
        _rewrite(folder / name, recode)
    before = set(os.listdir(tmp_path))
    done = _publish(folder, tmp_path / "site")
    assert done.returncode == 0, done.stderr
    assert set(os.listdir(tmp_path)) - before == {"site"} and not (tmp_path / "abs.html").exists()
    pages = sorted(p.name for p in (tmp_path / "site" / "regions").iterdir())
    assert len(pages) == len({p.lower() for p in pages}) and all("/" not in p and ".." not in p for p in pages)
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    for page in pages:
        assert f'href="regions/{page}"' in index  # every link is to the page written


def test_a_duplicate_region_code_is_refused_by_name(round_csv, tmp_path):
    folder = _copy(round_csv, tmp_path)
    _rewrite(folder / "regions.csv", lambda rows: rows + [rows[1]])
    done = _publish(folder, tmp_path / "site")
    assert done.returncode == 2 and "regions.csv" in done.stderr and "重複" in done.stderr


def test_text_stays_text_in_pages_and_charts(round_csv, tmp_path):
    folder = _copy(round_csv, tmp_path)

    def change(rows):
        header = rows[0]
        for row in rows[1:]:
            row[header.index("単位")] = "$x^2$"
            row[header.index("指標名")] = "創業者数\u202eの推移"
        return rows
    _rewrite(folder / "kpis.csv", change)
    _rewrite(folder / "regions.csv", lambda rows: [rows[0]] + [r[:1] + [r[1] + "\u202e"] + r[2:] for r in rows[1:]])
    done = _publish(folder, tmp_path / "site")
    assert done.returncode == 0, done.stderr
    pages = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*.html"))
    assert "\u202e" not in pages and "\ufffd" in pages
    assert "$x^2$" in (tmp_path / "site" / "regions" / "R07.html").read_text(encoding="utf-8")


def test_a_bad_folder_is_a_message_never_a_hang_or_an_internal_error(round_csv, tmp_path):
    cases = {
        "huge exponent": ("kpis.csv", lambda t: t.replace(",1084,", ",1e999999999,", 1)),
        "deep json": ("datapackage.json", lambda t: '{"resources": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        "licenses a number": ("datapackage.json", lambda t: json.dumps(dict(json.loads(t), licenses=5))),
        "resources an object": ("datapackage.json", lambda t: json.dumps(dict(json.loads(t), resources={"a": 1}))),
        "fields a string": ("datapackage.json", lambda t: t.replace('"fields": [', '"fields": "x", "f": [', 1)),
    }
    for case, (name, change) in cases.items():
        folder = _copy(round_csv, tmp_path, case.replace(" ", "_"))
        path = folder / name
        path.write_text(change(path.read_text(encoding="utf-8-sig")), encoding="utf-8")
        done = _publish(folder, tmp_path / f"site_{case.replace(' ', '_')}", timeout=60)
        assert done.returncode in (0, 2) and "内部エラー" not in done.stderr and "Traceback" not in done.stderr, case


def test_two_publishes_at_once_leave_one_whole_site(round_csv, tmp_path):
    folder = _copy(round_csv, tmp_path)
    site = tmp_path / "site"
    assert _publish(folder, site).returncode == 0
    results = []

    def one():
        results.append(_publish(folder, site, "--force"))
    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.returncode in (0, 2) and "内部エラー" not in r.stderr for r in results)
    assert any(r.returncode == 0 for r in results)
    assert (site / "index.html").exists() and (site / "data" / "kpis.csv").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # nothing half-made left


def test_a_full_disk_is_a_message_and_leaves_nothing(round_csv, tmp_path):
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("needs a small tmpfs (root on Linux)")
    mount = tmp_path / "full"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        folder = _copy(round_csv, tmp_path)
        done = _publish(folder, mount / "site")
        assert done.returncode == 2 and "ディスクの空きがありません" in done.stderr and os.listdir(mount) == []
        free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
        (mount / "filler").write_bytes(b"\0" * max(0, free - 20_000))  # room for a little, not a summary
        done = run_console("consolidate", round_csv.parent / "returns", "--roster",
                           SAMPLES / "roster.csv", "-o", mount / "s.xlsx", "--csv", mount / "csv",
                           "--definitions", round_csv)
        assert done.returncode == 2 and "ディスクの空きがありません" in done.stderr, done.stderr
        assert sorted(os.listdir(mount)) in (["filler"], ["csv", "filler"]) and not os.listdir(mount / "csv")
        assert _everything(folder) == _everything(_copy(round_csv, tmp_path, "again"))  # inputs intact
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                     max_leaves=8)


def _paths(node, prefix=()):
    """Every key path of a JSON document."""
    yield prefix
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield from _paths(value, prefix + (key,))


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_mutated_round_folder_is_published_or_refused_never_an_internal_error(round_csv, tmp_path_factory, data):
    from kpi_workbook.core.errors import KpiWorkbookError
    from kpi_workbook.publishing.publish import publish

    base = tmp_path_factory.mktemp("mutated")
    folder = _copy(round_csv, base)
    kind = data.draw(st.sampled_from(["json value", "csv cell", "csv header", "truncate", "link"]))
    if kind == "json value":
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        path = data.draw(st.sampled_from(list(_paths(package))[1:]))
        node = package
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = data.draw(_JSON)
        (folder / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    elif kind in ("csv cell", "csv header"):
        name = data.draw(st.sampled_from(["kpis.csv", "regions.csv", "actuals.csv", "projects.csv"]))
        text = data.draw(st.text(max_size=12) | st.sampled_from(["1e999999999", "-1e5000", "nan", "../x", "\u202e"]))
        def change(rows):
            r = 0 if kind == "csv header" else data.draw(st.integers(1, max(1, len(rows) - 1)))
            if r < len(rows) and rows[r]:
                rows[r][data.draw(st.integers(0, len(rows[r]) - 1))] = text
            return rows
        _rewrite(folder / name, change)
    elif kind == "truncate":
        name = data.draw(st.sampled_from(["kpis.csv", "datapackage.json", "regions.csv"]))
        raw = (folder / name).read_bytes()
        (folder / name).write_bytes(raw[:data.draw(st.integers(0, len(raw)))])
    elif hasattr(os, "symlink") and os.name != "nt":
        name = data.draw(st.sampled_from(["kpis.csv", "datapackage.json"]))
        (folder / name).unlink()
        (folder / name).symlink_to(data.draw(st.sampled_from(["/etc/passwd", "/dev/null", str(base)])))
    before = set(os.listdir(base))
    try:
        publish(folder, base / "site")
    except KpiWorkbookError:
        pass  # exit 2, with its message
    assert set(os.listdir(base)) - before <= {"site"}  # nothing written beside --out


def test_a_round_named_with_digits_is_shown_as_written(round_csv, tmp_path):
    folder = _copy(round_csv, tmp_path)
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    package["round"] = "2025"
    for figure in package["overview"]["figures"]:
        if figure["label"] == "調査回":
            figure["value"] = "2025"
    (folder / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    done = _publish(folder, tmp_path / "site")
    assert done.returncode == 0, done.stderr
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "2025" in index and "2,025" not in index
