"""report: findings as a clerk reads them in the terminal, and as JSON."""
import json

from kpi_workbook.core import findings as F
from kpi_workbook.checking.report import format_findings, summary_line, to_json


def test_findings_grouped_by_file_and_sheet_with_counts():
    made = [F.make("NUMBER_INVALID", file="R01.xlsx", sheet="KPI", cell="H4", label="基準値", value="たくさん"),
            F.make("ROLE_WITHOUT_KPI", file="R01.xlsx", sheet="KPI", value="イ 高次の都市機能"),
            F.make("REGION_NOT_RETURNED", value="R10 山口")]
    text = format_findings(made)
    assert text.index("R01.xlsx") < text.index("KPI") < text.index("H4")
    assert "たくさん" in text and "[NUMBER_INVALID]" in text
    assert summary_line(made) == "エラー 2件、警告 1件、情報 0件"
    data = json.loads(to_json({"findings": [f.to_dict() for f in made]}))
    assert data["findings"][0]["cell"] == "H4" and data["findings"][0]["severity"] == "error"
