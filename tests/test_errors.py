"""errors: the program's own failures, one base class, each a message and exit code 2."""
import inspect

from click.testing import CliRunner

from kpi_workbook.core import errors
from kpi_workbook.cli import cli


def test_every_error_is_a_kpi_workbook_error_with_exit_code_2():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, Exception)]
    assert errors.KpiWorkbookError in classes and len(classes) > 1
    assert all(issubclass(c, errors.KpiWorkbookError) and c.exit_code == 2 for c in classes)


def test_an_error_reaches_the_user_as_a_message_not_a_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["generate", "--roster", str(tmp_path / "ない.csv"), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "ない.csv" in result.output and "Traceback" not in result.output
