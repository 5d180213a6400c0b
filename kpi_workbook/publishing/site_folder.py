"""Where a site goes, and what of the round's folder it publishes.

A site is written into a new folder beside ``--out`` and swapped into place when whole.
``--force`` replaces only a site this tool made (it carries :data:`MARKER`): never a file,
never a folder without the marker, never one that is or holds an input, never through a
symbolic link.  Two runs into one place: one wins whole, the other says so.  The new
folder gets the permissions any new folder gets (the umask), so a web server or a
colleague can read it.

``site/data/`` holds exactly the tables the site is made from, as the tool writes them:
each a regular file inside the round's folder (:func:`~kpi_workbook.core.csv_files.round_file`:
links that leave it, FIFOs and devices are refused unopened), bounded in size, with only the columns the definition publishes, and
a datapackage.json that describes just those.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from pathlib import Path

from ..consolidation.summary_sheets import csv_columns
from ..core.csv_files import round_file
from ..core.errors import KpiWorkbookError
from ..core.outputs import refuse_replacing

MARKER = ".kpi-workbook-site"  # in every site this tool writes: what --force may replace


class PublishError(KpiWorkbookError):
    """The CSV folder or the site folder cannot be used."""


def check_target(out: Path, force: bool, inputs: list) -> None:
    """Before anything is read: *out* may be written (made, or a site of ours replaced)."""
    refuse_replacing(out, inputs)
    if out.is_symlink():
        raise PublishError(f"出力先「{out}」はリンク（シンボリックリンク）です。リンクの先は置き換えません。"
                           "実際のフォルダを指定してください。")
    if not out.exists():
        return
    if not out.is_dir():
        raise PublishError(f"出力先「{out}」はファイルです。ウェブ報告はフォルダに書き出します（ファイルは置き換えません）。")
    if not any(out.iterdir()):
        return
    if not (out / MARKER).is_file():
        raise PublishError(f"出力先「{out}」は空ではなく、このツールが作ったウェブ報告でもありません。"
                           "中のファイルを消さないよう、空のフォルダか新しいフォルダを指定してください。")
    if not force:
        raise PublishError(f"出力先「{out}」は空ではありません。置き換えるには --force を指定してください。")


def new_folder(out: Path) -> Path:
    """An empty folder beside *out* to write the site into, readable as any new folder."""
    work = Path(tempfile.mkdtemp(prefix=".kpi-workbook-site-", dir=out.parent))
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(work, 0o777 & ~mask)  # mkdtemp makes it 0700
    (work / MARKER).write_text("kpi-workbook publish: replaced by the next publish --force\n", encoding="utf-8")
    return work


def put_in_place(work: Path, out: Path) -> None:
    """Swap the finished site *work* in for *out*; a run that lost a race says so."""
    old = None
    try:
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
        work.rename(out)
    except OSError as exc:
        if old is not None and not out.exists():
            old.rename(out)  # put ours back as it was
        raise PublishError(f"出力先「{out}」に置けませんでした（{exc.strerror or exc}）。"
                           "同じフォルダへ同時に別の publish が書き出した可能性があります。もう一度実行してください。") from None
    finally:
        if old is not None and old.exists():
            shutil.rmtree(old, ignore_errors=True)


def published_resources(folder: Path, package: dict, survey) -> list:
    """The package's resources the site publishes: the tables the tool writes for this
    survey (a coordinator's own file in the folder is never one), present in the folder."""
    published = csv_columns(survey, rounds=True)
    return [r for r in package.get("resources", []) if r.get("name") in published
            and r.get("path") == f"{r['name']}.csv" and os.path.lexists(folder / r["path"])]


def publish_data(folder: Path, target: Path, package: dict, survey) -> None:
    """``site/data/``: each published table with only the columns the definition publishes
    (a column added by hand, such as a private one, stays behind), and their datapackage.json."""
    target.mkdir(exist_ok=True)
    published = csv_columns(survey, rounds=True)
    resources = []
    for resource in published_resources(folder, package, survey):
        allowed = {field[0] for field in published[resource["name"]]}
        kept = _copy_columns(round_file(folder, resource["path"]), target / resource["path"], allowed)
        fields = [f for f in resource.get("schema", {}).get("fields", []) if f.get("name") in kept]
        resources.append(dict(resource, schema=dict(resource.get("schema", {}), fields=fields)))
    description = {k: v for k, v in package.items() if k != "resources"}
    (target / "datapackage.json").write_text(json.dumps(dict(description, resources=resources), ensure_ascii=False,
                                                        indent=2), encoding="utf-8")


def _copy_columns(source: Path, target: Path, allowed: set) -> list:
    """*source* copied to *target* (UTF-8 with BOM), only the *allowed* columns: byte for
    byte when it has no other; the columns kept."""
    try:
        with open(source, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
        keep = [i for i, name in enumerate(header) if name in allowed]
        if len(keep) == len(header):
            shutil.copyfile(source, target)
            return header
        with open(source, encoding="utf-8-sig", newline="") as fh, \
                open(target, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            for row in csv.reader(fh):
                writer.writerow([row[i] if i < len(row) else "" for i in keep])
    except (UnicodeDecodeError, csv.Error) as exc:
        raise PublishError(f"{source}: CSVとして読み込めません（{exc}）。") from None
    return [header[i] for i in keep]
