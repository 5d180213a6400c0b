"""Findings: problems in the data, as records from one catalogue.

Every problem the tool reports about a roster, a return or a folder of returns is a
:class:`Finding` built by :func:`make` from a code in :data:`CATALOGUE`.  A code is
stable (other tools and the tests key on it), carries its severity and a Japanese message
template.  Nothing else in the package builds a user-facing problem message.
"""
from __future__ import annotations

from dataclasses import dataclass, asdict

ERROR = "error"
WARNING = "warning"
INFO = "info"

SEVERITY_LABELS = {ERROR: "エラー", WARNING: "警告", INFO: "情報"}


@dataclass(frozen=True)
class Spec:
    severity: str
    template: str


def _spec(severity: str, template: str) -> Spec:
    return Spec(severity, template)


# code -> (severity, message).  Placeholders: {label} column label, {value} as typed,
# plus the keyword arguments passed to make().
CATALOGUE: dict[str, Spec] = {
    # ---- roster
    "ROSTER_MISSING_COLUMN": _spec(ERROR, "名簿に列「{label}」がありません。"),
    "ROSTER_REQUIRED_EMPTY": _spec(ERROR, "名簿の{line}行目：「{label}」が空欄です。この圏域の調査票は作成しません。"),
    "ROSTER_DUPLICATE_CODE": _spec(ERROR, "名簿の{line}行目：圏域コード「{value}」は{first_line}行目と重複しています。この行の調査票は作成しません。"),
    "ROSTER_OTHER_REGIME": _spec(INFO, "名簿の{line}行目：圏域の種別が「{value}」のため、この調査（{regime}）の対象外です。"),
    "ROSTER_EMPTY": _spec(ERROR, "名簿に圏域が1件もありません。"),
    "OUTPUT_EXISTS": _spec(ERROR, "出力先に同名のファイル「{value}」があるため作成しませんでした（上書きするには --force を指定してください）。"),
    # ---- reading a file
    "FILE_NOT_FOUND": _spec(ERROR, "ファイルが見つかりません。"),
    "FILE_UNREADABLE": _spec(ERROR, "ファイルを開けません（アクセス権がないか、他のプログラムが使用中です）。"),
    "FILE_EMPTY": _spec(ERROR, "ファイルが空です（0バイト）。"),
    "FILE_NOT_SPREADSHEET": _spec(ERROR, "Excelのファイルではありません（{detail}）。Excelで開き、「Excelブック（*.xlsx）」形式で保存し直してください。"),
    "FILE_ENCRYPTED": _spec(ERROR, "パスワード付きのファイルは読み込めません。パスワードを解除して保存し直してください。"),
    "FILE_CORRUPT": _spec(ERROR, "ファイルが壊れているか、途中までしか保存されていません（{detail}）。"),
    "FILE_TOO_LARGE": _spec(ERROR, "ファイルが大きすぎるか、不正な形式のため読み込みを中止しました（{detail}）。"),
    "FILE_UNSAFE": _spec(ERROR, "ファイルに安全でない構造（{detail}）が含まれているため読み込みませんでした。"),
    "FILE_READ_FAILED": _spec(ERROR, "ファイルを読み込めませんでした（{detail}）。"),
    "FILE_STRICT_OOXML": _spec(ERROR, "「Strict Open XML」形式のファイルは読み込めません。Excelで「Excelブック（*.xlsx）」形式で保存し直してください。"),
    "SHEET_PART_MISSING": _spec(ERROR, "シート「{sheet}」がブックの一覧にありますが、中身がファイルにありません（ファイルが壊れています）。"),
    "MACROS_IGNORED": _spec(INFO, "マクロが含まれていますが、実行も保存もしません。"),
    "FILE_SKIPPED": _spec(INFO, "{detail}のため読み込み対象外としました。"),
    "ANNOTATE_FAILED": _spec(ERROR, "確認結果のファイルを作成できませんでした（{detail}）。"),
    # ---- which survey, which region
    "META_MISSING": _spec(ERROR, "調査票の管理情報が見つかりません。配布した調査票に記入したファイルか確認してください。"),
    "META_SURVEY_MISMATCH": _spec(ERROR, "別の調査の調査票です（このファイル：{value}、期待：{expected}）。"),
    "META_VERSION_MISMATCH": _spec(WARNING, "調査票の版が異なります（このファイル：{value}、現在：{expected}）。"),
    "META_TAMPERED": _spec(ERROR, "調査票の様式が配布時から変更されています（管理情報の照合に失敗）。"),
    "SIGNATURE_MISSING": _spec(ERROR, "調査票に署名がありません。配布した調査票か確認してください。"),
    "SIGNATURE_INVALID": _spec(ERROR, "調査票の署名が一致しません。配布後に管理情報が変更されたか、別に作成されたファイルです。"),
    "REGION_NOT_IN_ROSTER": _spec(ERROR, "圏域コード「{value}」は名簿にありません。"),
    "REGION_MISMATCH": _spec(ERROR, "「{label}」が配布時の値と異なります（記入：{value}、配布時：{expected}）。"),
    # ---- structure
    "SHEET_MISSING": _spec(ERROR, "シート「{sheet}」がありません。シート名を変更・削除しないでください。"),
    "HEADER_MISSING": _spec(ERROR, "シート「{sheet}」に見出し「{label}」が見つかりません。見出しを変更・削除しないでください。"),
    "HEADER_DUPLICATE": _spec(ERROR, "見出し「{label}」が2か所にあります（最初の列を読み込みました）。"),
    "HEADER_UNKNOWN": _spec(INFO, "見出し「{label}」は調査項目にないため読み込みませんでした。"),
    # ---- one value
    "REQUIRED_EMPTY": _spec(ERROR, "「{label}」は必須項目です。記入してください。"),
    "CHOICE_INVALID": _spec(ERROR, "「{label}」の「{value}」は選択肢にありません。{hint}"),
    "CHOICE_NORMALIZED": _spec(WARNING, "「{label}」の「{value}」を「{suggestion}」と読み取りました。一覧から選んでください。"),
    "NUMBER_INVALID": _spec(ERROR, "「{label}」の「{value}」を数値として読み取れません。"),
    "TIME_INVALID": _spec(ERROR, "「{label}」の「{value}」を年度・年月・日付として読み取れません（例：R2、令和2年度、R2.3、H27~R1）。"),
    "DATE_INVALID": _spec(ERROR, "「{label}」の「{value}」を日付として読み取れません（例：2026/10/31、令和8年10月31日）。"),
    "UNIT_MISMATCH": _spec(ERROR, "「{label}」の単位「{unit}」が指標の単位「{expected}」と異なります。"),
    "CELL_ERROR": _spec(ERROR, "「{label}」が計算エラー（{value}）になっています。"),
    "FORMULA_NO_VALUE": _spec(ERROR, "「{label}」は数式ですが計算結果が保存されていません。Excelで開いて保存し直してください。"),
    "FLAG_INVALID": _spec(ERROR, "「{label}」は「○」か空欄で記入してください（記入：{value}）。"),
    "NEGATIVE_AMOUNT": _spec(ERROR, "「{label}」が負の値（{value}）です。"),
    "PERCENT_RANGE": _spec(ERROR, "「{label}」の{value}は0～100（%）の範囲外です。"),
    "PERCENT_AS_RATIO": _spec(WARNING, "「{label}」の{value}を割合とみなし{suggestion}%と読み取りました。"),
    # ---- rows and tables
    "DUPLICATE_KEY": _spec(ERROR, "「{label}」の「{value}」が重複しています（{first_cell}と同じ）。"),
    "REFERENCE_UNKNOWN": _spec(ERROR, "「{label}」の「{value}」は「{target_sheet}」シートにありません。"),
    "COST_IDENTITY": _spec(ERROR, "事業費{value}千円と財源内訳の合計{expected}千円が一致しません（差：{difference}千円）。"),
    # ---- KPI rules
    "TIME_ORDER": _spec(ERROR, "基準時点（{value}）が目標時点（{expected}）より後になっています。"),
    "TARGET_MET_AT_BASELINE": _spec(WARNING, "基準値の時点で既に目標値を達成しています（基準値{value}、目標値{expected}）。目標水準を確認してください。"),
    "TARGET_AGAINST_DIRECTION": _spec(WARNING, "目標の方向が「{direction}」ですが、目標値{expected}が基準値{value}を{word}っています。"),
    "CUMULATIVE_VS_SINGLE": _spec(WARNING, "目標値は期間（{expected}）の累計ですが、現状値は単年度（{value}）です。比較できるよう時点を確認してください。"),
    "OUTPUT_ONLY": _spec(WARNING, "事業「{value}」のKPIがアウトプット指標のみです。住民にもたらされた成果（アウトカム）の指標を検討してください。"),
    "ROLE_WITHOUT_KPI": _spec(WARNING, "「{value}」に該当するKPIがありません。3つの役割それぞれに少なくとも1つのKPIを設定してください。"),
    "NO_COOPERATION_KPI": _spec(WARNING, "連携の効果（連携市町村の住民への効果）を測るKPIがありません。"),
    "NO_KPI_ROWS": _spec(WARNING, "KPIが1件も記入されていません。"),
    # ---- a folder of returns
    "RETURN_SUPERSEDED": _spec(INFO, "同じ圏域のより新しいファイル「{value}」があるため、このファイルは集計に使いませんでした。"),
    "REGION_NOT_RETURNED": _spec(ERROR, "圏域「{value}」の調査票が提出されていません。"),
    "REGION_CLAIMED_TWICE": _spec(ERROR, "圏域コード「{value}」を名乗るファイルが複数あり、内容が異なります（{detail}）。"),
    "ROW_REJECTED": _spec(ERROR, "この行は集計から除外しました（{detail}）。"),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, located as precisely as the data allows."""

    code: str
    severity: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    column: str = ""
    value: str = ""
    suggestion: str = ""
    row: int = 0  # 1-based row number in the sheet (or roster line); 0 when not a row

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def to_dict(self) -> dict:
        return asdict(self)


def make(code: str, *, file: str = "", sheet: str = "", cell: str = "", label: str = "",
         value: object = "", suggestion: str = "", row: int = 0, **params) -> Finding:
    """Build the finding for *code*; unknown codes are a programming error."""
    spec = CATALOGUE[code]
    text_value = "" if value is None else str(value)
    fmt = dict(params)
    fmt.update(label=label, value=text_value, sheet=sheet, suggestion=suggestion)
    fmt.setdefault("hint", f"「{suggestion}」ではありませんか。" if suggestion else "一覧から選んでください。")
    message = spec.template.format(**fmt)
    return Finding(code=code, severity=spec.severity, message=message, file=file,
                   sheet=sheet, cell=cell, column=label, value=text_value,
                   suggestion=suggestion, row=row)


def has_errors(findings) -> bool:
    return any(f.severity == ERROR for f in findings)


def counts(findings) -> dict[str, int]:
    out = {ERROR: 0, WARNING: 0, INFO: 0}
    for f in findings:
        out[f.severity] += 1
    return out
