import os
import stat

import pytest

from kpi_workbook.core.atomic import TMP_PREFIX, Pending, atomic_path, write_text


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="POSIX permissions")
def test_outputs_get_the_permissions_of_a_new_file_not_private_ones(tmp_path, umask_022):
    write_text(tmp_path / "a.csv", "x")
    pending = Pending(tmp_path / "b.xlsx")
    pending.commit()
    for name in ("a.csv", "b.xlsx"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "summary.xlsx"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TMP_PREFIX)]
