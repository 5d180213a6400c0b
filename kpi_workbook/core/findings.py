"""Findings: problems in the data, as records from one catalogue.

Every problem the tool reports about a roster, a return or a folder of returns is a
:class:`Finding` built by :func:`make` from a code in :data:`CATALOGUE`.  A code is
stable (other tools and the tests key on it), carries its severity and a Japanese message
template.  Nothing else in the package builds a user-facing problem message.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from .filenames import shown
from .kinds import Severity

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

SEVERITY_LABELS = {ERROR: "エラー", WARNING: "警告", INFO: "情報"}


@dataclass(frozen=True)
class Spec:
    severity: Severity
    template: str
    action: str  # what the reader does about it (docs/findings.md)


def _spec(severity: Severity, template: str, action: str) -> Spec:
    return Spec(severity, template, action)


# code -> (severity, message, what to do).  Placeholders: {label} column label, {value}
# as typed, plus the keyword arguments passed to make().  docs/findings.md is generated
# from this table (reference_markdown); a test keeps it current.
CATALOGUE: dict[str, Spec] = {
    # ---- roster
    "ROSTER_REQUIRED_EMPTY": _spec(ERROR, "名簿の{line}行目：「{label}」が空欄です。この圏域の調査票は作成しません。",
        "名簿のその行の空欄を埋めて、もう一度 generate を実行してください。"),
    "ROSTER_DUPLICATE_CODE": _spec(ERROR, "名簿の{line}行目：圏域コード「{value}」は{first_line}行目と重複しています。この行の調査票は作成しません。",
        "圏域コードは圏域ごとに一つにしてください。どちらかの行のコードを直します。"),
    "ROSTER_OTHER_REGIME": _spec(INFO, "名簿の{line}行目：圏域の種別が「{value}」のため、この調査（{regime}）の対象外です。",
        "対処は不要です。その圏域はもう一方の調査（--survey）で作成します。"),
    "ROSTER_MIGRATED": _spec(INFO, "名簿の{line}行目：「{value}」は移行済みのため、この調査（{regime}）の対象外です。",
        "対処は不要です。概要の文に「移行済みの圏域を除く」と記載されます。"),
    "PREVIOUS_ROW_INVALID": _spec(WARNING, "前回の集計結果の{line}行目は圏域コードまたは番号が空のため、引き継ぎませんでした。",
        "前回のCSVのその行を確認してください。ほかの行は引き継いでいます。"),
    "PREVIOUS_COLUMN_DROPPED": _spec(INFO, "前回の{table}の列「{value}」は今回の調査の定義にないため、引き継ぎません。",
        "今回の調査で廃止した項目なら、そのままで構いません。名前（key）を変えた項目なら、定義のその列に was = \"前回のkey\" を書くと引き継ぎます。"),
    "PREVIOUS_COLUMN_UNMATCHED": _spec(WARNING, "前回の{table}の列「{value}」は今回の調査の定義のどの列とも対応づけられないため、引き継ぎません。ほかの列は引き継いでいます。",
        "見出しを変えた列なら、定義のその列に was = \"前回の見出し\" を書くと引き継ぎます。廃止した項目なら、そのままで構いません。"),
    "PREVIOUS_TEXT_TOO_LONG": _spec(WARNING, "前回の集計結果の{line}行目（圏域 {value}）の「{label}」は{length}文字あり、調査票のセルに入る{limit}文字を超えるため、記入欄には先頭の{limit}文字だけを記入しました（前回の値との比較には全文を使います）。",
        "その圏域に、記入欄の文字が途中で切れていることを伝えてください。"),
    "OUTPUT_NOT_OURS": _spec(ERROR, "出力先の「{value}」はこのツールが作った調査票ではないため、--force でも置き換えませんでした。",
        "そのファイルを別の場所に移すか、別の出力先を指定してください（記入済みの調査票を白紙で上書きしないためです）。"),
    "OUTPUT_REFUSED": _spec(ERROR, "{value}",
        "出力先のそのリンク（またはファイル）を確かめ、消すか別の出力先を指定してください。ほかの調査票は作成しています。"),
    "DEADLINE_NOT_SET": _spec(WARNING, "提出期限が設定されていないため、記入要領に提出期限を表示していません。",
        "generate --deadline 2027-10-29 のように指定するか、調査の定義（または round.toml）の deadline に書いてください。"),
    "ROSTER_EMPTY": _spec(ERROR, "名簿に圏域が1件もありません。",
        "名簿に圏域の行を加えてください。"),
    "OUTPUT_EXISTS": _spec(ERROR, "出力先に同名のファイル「{value}」があるため作成しませんでした（上書きするには --force を指定してください）。",
        "既存のファイルを残すならそのままに、作り直すなら --force を付けて実行してください。"),
    # ---- reading a file
    "FILE_NOT_FOUND": _spec(ERROR, "ファイルが見つかりません。",
        "ファイル名と場所を確認してください。"),
    "FILE_UNREADABLE": _spec(ERROR, "ファイルを開けません（アクセス権がないか、他のプログラムが使用中です）。",
        "ファイルを開いているプログラムを閉じ、読み取り権限を確認してから実行し直してください。"),
    "FILE_NOT_REGULAR": _spec(ERROR, "通常のファイルではありません（フォルダ・デバイス・名前付きパイプなど）。読み込みませんでした。",
        "提出された調査票のファイル（.xlsx など）を指定してください。"),
    "FILE_EMPTY": _spec(ERROR, "ファイルが空です（0バイト）。",
        "保存に失敗した可能性があります。記入した調査票を保存し直して、もう一度提出してもらってください。"),
    "FILE_NOT_SPREADSHEET": _spec(ERROR, "Excelのファイルではありません（{detail}）。Excelで開き、「Excelブック（*.xlsx）」形式で保存し直してください。",
        "Excelで開き、「Excelブック（*.xlsx）」形式で保存し直してください。"),
    "FILE_FORMAT_UNSUPPORTED": _spec(ERROR, "{detail}の形式は読み込めません。Excelで開き、「Excelブック（*.xlsx）」形式で保存し直してください。",
        "Excelで開き、「Excelブック（*.xlsx）」形式で保存し直して、もう一度提出してもらってください。"),
    "FILE_ENCRYPTED": _spec(ERROR, "パスワード付きのファイルは読み込めません。パスワードを解除して保存し直してください。",
        "Excelでパスワードを解除して保存し直し、もう一度提出してもらってください。"),
    "FILE_CORRUPT": _spec(ERROR, "ファイルが壊れているか、途中までしか保存されていません（{detail}）。",
        "元のファイルを保存し直すか、もう一度送ってもらってください。"),
    "FILE_TOO_LARGE": _spec(ERROR, "ファイルが大きすぎるか、不正な形式のため読み込みを中止しました（{detail}）。",
        "配布した調査票に記入したファイルか確認してください。表の外に大量の書式・データがあれば削除して保存し直します。"),
    "FILE_UNSAFE": _spec(ERROR, "ファイルに安全でない構造（{detail}）が含まれているため読み込みませんでした。",
        "配布した調査票に記入し直したファイルを提出してもらってください。このファイルは開かないでください。"),
    "FILE_READ_FAILED": _spec(ERROR, "ファイルを読み込めませんでした（{detail}）。",
        "Excelで開いて保存し直し、もう一度確認してください。続く場合は KPI_WORKBOOK_DEBUG=1 で詳細を確認します。"),
    "SHEET_PART_MISSING": _spec(ERROR, "シート「{sheet}」がブックの一覧にありますが、中身がファイルにありません（ファイルが壊れています）。",
        "ファイルが壊れています。Excelで開いて保存し直すか、もう一度送ってもらってください。"),
    "MACROS_IGNORED": _spec(INFO, "マクロが含まれていますが、実行も保存もしません。",
        "対処は不要です（マクロは読み込みにも確認結果にも使いません）。"),
    "FILE_SKIPPED": _spec(INFO, "{detail}のため読み込み対象外としました。",
        "対処は不要です。集計に含めるべきファイルなら、名前・拡張子を確認してください。"),
    "ANNOTATE_FAILED": _spec(WARNING, "確認結果のファイルは作成できませんでした（{detail}）。",
        "記入者の誤りではありません。指摘の一覧（画面・JSON）をそのまま伝えてください。"),
    # ---- which survey, which region
    "META_MISSING": _spec(ERROR, "調査票の管理情報が見つかりません。配布した調査票に記入したファイルか確認してください。",
        "配布した調査票（generate で作成したファイル）に記入し直してもらってください。"),
    "META_SURVEY_MISMATCH": _spec(ERROR, "別の調査の調査票です（このファイル：{value}、期待：{expected}）。",
        "この調査の調査票に記入し直してもらうか、正しい調査（--survey）で確認してください。"),
    "META_PREVIOUS_ROUND": _spec(ERROR, "前回の調査票です（このファイル：{value}、今回：{expected}）。今回の調査票に記入してください。集計には使いません。",
        "今回配布した調査票に記入し直してもらってください（前回の内容は写して構いません）。"),
    "META_VERSION_MISMATCH": _spec(ERROR, "調査票の版が異なります（このファイル：{value}、今回：{expected}）。集計には使いません。",
        "今回配布した版の調査票に記入し直してもらってください。"),
    "META_LATER_ROUND": _spec(ERROR, "今回の調査（{expected}）より後の回の調査票です（このファイル：{value}）。集計には使いません。",
        "この回の調査票を確認・集計するには、--round {value} を指定してください（round.toml を使う場合はその round）。"),
    "DEFINITION_CHANGED": _spec(ERROR, "この調査票を作成した後に、調査の定義（{survey}、版 {version}）のシートや見出しが変わっています。記入者の誤りではありません。",
        "調査の定義を変えたら version を上げて調査票を作り直すか、調査票を作成したときの定義（--survey）で確認してください。"),
    "DEFINITION_NOT_FOUND": _spec(ERROR, "この調査票は調査「{value}」（版 {version}、{round}）のものですが、その定義が見つかりません（使える定義：{available}）。その版の定義ファイルを --survey で、または定義を置いたフォルダを --definitions で指定してください。",
        "その版の定義ファイルを --survey で指定するか、定義を置いたフォルダを --definitions（または round.toml の definitions）で指定してください。"),
    "SIGNATURE_MISSING": _spec(ERROR, "調査票に署名がありません。配布した調査票か確認してください。",
        "署名付きで配布した調査票に記入し直してもらってください。"),
    "SIGNATURE_INVALID": _spec(ERROR, "調査票の署名が一致しません。配布後に管理情報が変更されたか、別に作成されたファイルです。",
        "配布した調査票に記入し直してもらってください。署名の鍵（--secret）が配布時と同じかも確認します。"),
    "REGION_CONFLICT": _spec(ERROR, "{where}では圏域「{value}」ですが、調査票（管理情報・圏域情報）は圏域「{expected}」のものです。別の圏域の調査票に記入した可能性があります。集計には使いません。",
        "記入した圏域の調査票（名前がその圏域コードで始まるファイル）に記入し直してもらってください。"),
    "REGION_NOT_IN_ROSTER": _spec(ERROR, "圏域コード「{value}」は名簿にありません。",
        "名簿に圏域を加えるか、正しい圏域の調査票か確認してください。"),
    "REGION_MISMATCH": _spec(ERROR, "「{label}」が配布時の値と異なります（記入：{value}、配布時：{expected}）。",
        "圏域情報の事前記入欄は変更せず、その圏域に配布した調査票に記入してもらってください。"),
    # ---- structure
    "SHEET_MISSING": _spec(ERROR, "シート「{sheet}」がありません。シート名を変更・削除しないでください。",
        "配布した調査票に記入し直してもらってください（シート名を変えない）。"),
    "HEADER_MISSING": _spec(ERROR, "シート「{sheet}」に見出し「{label}」が見つかりません。見出しを変更・削除しないでください。",
        "見出しを元に戻すか、配布した調査票に記入し直してもらってください。"),
    "HEADER_DUPLICATE": _spec(ERROR, "見出し「{label}」が2か所にあります（最初の列を読み込みました）。",
        "同じ見出しの列が二つあります。不要な列を削除してください。"),
    "HEADER_UNKNOWN": _spec(INFO, "見出し「{label}」の列は調査項目にないため読み込みませんでした（この列は集計に含まれません）。",
        "対処は不要です。集計に含めたい内容なら、調査項目の列に記入してください。"),
    # ---- one value
    "REQUIRED_EMPTY": _spec(ERROR, "「{label}」は必須項目です。記入してください。",
        "そのセルに記入してください。"),
    "CHOICE_INVALID": _spec(ERROR, "「{label}」の「{value}」は選択肢にありません。{hint}",
        "セルの一覧（▼）から選んでください。"),
    "CHOICE_NORMALIZED": _spec(WARNING, "「{label}」の「{value}」を「{suggestion}」と読み取りました。一覧から選んでください。",
        "読み取った値でよければ対処は不要です。次回からは一覧から選んでください。"),
    "NUMBER_INVALID": _spec(ERROR, "「{label}」の「{value}」を数値として読み取れません。",
        "数字で記入してください（例：1,084、△5、2.1億円）。"),
    "TIME_INVALID": _spec(ERROR, "「{label}」の「{value}」を年度・年月・日付として読み取れません（例：R2、令和2年度、R2.3、H27~R1）。",
        "年度・年月で記入してください（例：R2、令和2年度、R2.3、H27~R1）。"),
    "DATE_INVALID": _spec(ERROR, "「{label}」の「{value}」を日付として読み取れません（例：2026/10/31、令和8年10月31日）。",
        "日付で記入してください（例：2026/10/31、令和8年10月31日）。"),
    "SAME_AS_ABOVE": _spec(ERROR, "「{label}」の「{value}」（同上）は読み取れません。上の行と同じでも、値そのものを記入してください。",
        "上の行と同じ値を、そのセルに記入し直してもらってください（集計では行ごとに値を読みます）。"),
    "CELL_NOTE": _spec(INFO, "「{label}」のセルにメモがあります：「{note}」",
        "メモの内容を確認してください。説明として残す内容は「説明」の列に書くと、集計結果にも載ります。"),
    "CELL_NOTE_AS_EXPLANATION": _spec(INFO, "「{label}」のセルのメモ「{note}」を、この行の説明として扱いました。",
        "説明の列が空だったため、メモの内容を説明として集計結果に載せています。違う場合は説明の列に記入してください。"),
    "EXTERNAL_VALUE": _spec(INFO, "「{label}」の{value}は、別のブック（外部リンク）を参照する数式の値です。保存されていた値で集計します。",
        "値が最新か確かめてください。数式をやめて値を直接記入すると、参照先が変わっても値が変わりません。"),
    "NUMBER_QUALIFIED": _spec(WARNING, "「{label}」の「{value}」には「{suggestion}」が付いています。{read}として読み取り、そのまま集計しますが、見込み・暫定・概数などの値も確定した値と同じに数えられます。",
        "確定した値がある場合は数値だけを記入し、見込み・暫定などの補足は備考または説明に書いてください。このままでよければ対応は不要です。"),
    "UNIT_MISMATCH": _spec(ERROR, "「{label}」の単位「{unit}」が指標の単位「{expected}」と異なります。",
        "指標の「単位」と同じ単位で記入するか、単位を付けずに数字だけを記入してください。"),
    "CELL_ERROR": _spec(ERROR, "「{label}」が計算エラー（{value}）になっています。",
        "数式の参照先を直すか、値を直接記入してください。"),
    "FORMULA_NO_VALUE": _spec(ERROR, "「{label}」は数式ですが計算結果が保存されていません。Excelで開いて保存し直してください。",
        "Excelで開いて計算させ、保存し直してください。"),
    "FLAG_INVALID": _spec(ERROR, "「{label}」は「○」か空欄で記入してください（記入：{value}）。",
        "該当するときは「○」、しないときは空欄にしてください。"),
    "NEGATIVE_AMOUNT": _spec(ERROR, "「{label}」が負の値（{value}）です。",
        "金額を確認してください（負の値は記入できません）。"),
    "PERCENT_RANGE": _spec(ERROR, "「{label}」の{value}は0～100（%）の範囲外です。",
        "0～100 の範囲で記入してください。"),
    # ---- rows and tables
    "TABLE_TRUNCATED": _spec(ERROR, "シート「{sheet}」は{line}行目から先（{count}行）を読み込んでいません。表が長すぎます。",
        "表の下に不要な行（書式や数式のコピーなど）があれば削除して保存し直してください。"),
    "FINDINGS_TRUNCATED": _spec(WARNING, "指摘が多いため最初の{limit}件のみ示しています。ほかに{count}件（エラー{errors}件、警告{warnings}件）あります。",
        "示された指摘を直して、もう一度確認してください。配布した調査票に記入したファイルかも確認します。"),
    "FREE_CELL": _spec(INFO, "表の外の欄の記入「{value}」は読み込みませんでした（集計に含まれません）。",
        "集計に含めたい内容なら、調査項目の列に記入してください。注記なら対処は不要です。"),
    "ROW_SHIFTED": _spec(ERROR, "この行は1列右にずれて記入されているため、集計から除外しました。",
        "見出しに合わせて、この行を左に1列ずらしてください。"),
    "NOTE_ROW": _spec(INFO, "この行は注記として集計から除外しました（{value}）。",
        "対処は不要です。注記は表の外（備考欄など）に書くと確実です。"),
    "TOTAL_ROW": _spec(INFO, "この行は合計行として集計から除外しました（合計は集計で計算します）。",
        "対処は不要です。合計行は記入しなくて構いません。"),
    "TOTAL_MISMATCH": _spec(WARNING, "合計行の「{label}」{value}が、上の行の合計{expected}と一致しません（差：{difference}）。",
        "上の行の値か合計行を確認してください（合計行は集計に使いません）。"),
    "DUPLICATE_KEY": _spec(ERROR, "「{label}」の「{value}」が重複しています（{first_cell}と同じ）。",
        "番号が重ならないように直してください。"),
    "REFERENCE_UNKNOWN": _spec(ERROR, "「{label}」の「{value}」は「{target_sheet}」シートにありません。",
        "参照先のシートにある番号を記入するか、参照先に行を加えてください。"),
    "COST_IDENTITY": _spec(ERROR, "事業費{value}千円と財源内訳の合計{expected}千円が一致しません（差：{difference}千円）。",
        "事業費か財源内訳を直し、事業費＝国＋都道府県＋市債＋その他＋一般財源にしてください。"),
    # ---- KPI rules
    "TIME_ORDER": _spec(ERROR, "基準時点（{value}）が目標時点（{expected}）より後になっています。",
        "基準時点と目標時点を確認してください。"),
    "TARGET_MET_AT_BASELINE": _spec(WARNING, "基準値の時点で既に目標値を達成しています（基準値{value}、目標値{expected}）。目標水準を確認してください。",
        "目標値・基準値・目標の方向を確認してください。正しければ対処は不要です。"),
    "TARGET_AGAINST_DIRECTION": _spec(WARNING, "目標の方向が「{direction}」ですが、目標値{expected}が基準値{value}を{word}っています。",
        "目標の方向か目標値を確認してください。正しければ対処は不要です。"),
    "CUMULATIVE_VS_SINGLE": _spec(WARNING, "目標値は期間（{expected}）の累計ですが、現状値は単年度（{value}）です。比較できるよう時点を確認してください。",
        "現状値を目標と同じ期間の累計で記入するか、時点を確認してください。"),
    "OUTPUT_ONLY": _spec(WARNING, "事業「{value}」のKPIがアウトプット指標のみです。住民にもたらされた成果（アウトカム）の指標を検討してください。",
        "成果（アウトカム）を測るKPIを検討してください。"),
    "ROLE_WITHOUT_KPI": _spec(WARNING, "「{value}」に該当するKPIがありません。3つの役割それぞれに少なくとも1つのKPIを設定してください。",
        "その役割の取組にKPIを設定することを検討してください。"),
    "NO_COOPERATION_KPI": _spec(WARNING, "連携の効果（連携市町村の住民への効果）を測るKPIがありません。",
        "連携の効果を測るKPIを設定し、「連携効果」欄に○を付けてください。"),
    "NO_KPI_ROWS": _spec(WARNING, "KPIが1件も記入されていません。",
        "「KPI」シートにKPIを記入してください。"),
    # ---- a folder of returns
    "RETURN_SUPERSEDED": _spec(INFO, "同じ圏域のより新しいファイル「{value}」があるため、このファイルは集計に使いませんでした。",
        "対処は不要です。古いファイルを使うべき場合は、新しいファイルをフォルダから外してください。"),
    "REGION_NOT_RETURNED": _spec(ERROR, "圏域「{value}」の調査票が提出されていません。",
        "その圏域に提出を依頼してください。"),
    "REGION_CLAIMED_TWICE": _spec(ERROR, "圏域コード「{value}」を名乗るファイルが複数あり、内容が異なります（{detail}）。",
        "どのファイルがその圏域のものか確認し、違うファイルをフォルダから外してください。"),
    # ---- compared with last round (the values the workbook carries from it)
    "REVISION_UNMARKED": _spec(WARNING, "「{label}」が前回の「{expected}」から「{value}」に変わっていますが、見直し状況が「{status}」のままです。",
        "見直した場合は見直し状況を「見直し」にし、「説明」に理由を記入してください。誤りなら前回の値に戻してください。"),
    "KPI_REMOVED": _spec(WARNING, "前回のKPI「{value}」がありません。",
        "行を削除せず残し、見直し状況を「廃止」にして「説明」に理由を記入してください。"),
    "ACTUAL_ALTERED": _spec(WARNING, "{time}の実績値が前回の「{expected}」から「{value}」に変わっています。",
        "訂正した場合は「説明」に理由を記入してください。誤りなら前回の値に戻してください。"),
    "UNIT_SLIP": _spec(WARNING, "「{label}」の{value}は同じ事業のほかの行（{expected}）の約{factor}です。単位の誤り（円と千円など）ではありませんか。",
        "単位を確かめ、誤りなら列の単位（千円など）に合わせて直してください。正しい値ならそのままで構いません。"),
    "ACTUAL_UNIT_SLIP": _spec(WARNING, "{time}の実績値{value}は前年までの実績値（{expected}）の約{factor}です。単位の誤り（人と千人など）ではありませんか。",
        "単位を確かめ、誤りなら列の単位に合わせて直してください。正しい値なら説明欄に理由を書いてください。"),
    "ACTUAL_JUMP": _spec(WARNING, "{time}の実績値{value}は前年（{expected}）から{change}%変わっています。",
        "値を確認し、正しければ「説明」に理由を記入してください。"),
    "EXPLAINED": _spec(INFO, "{what}（説明：{explanation}）",
        "対処は不要です。説明は集計結果にも載ります。"),
    "ROW_REJECTED": _spec(ERROR, "この行は集計から除外しました（{detail}）。",
        "キー（事業コード・KPI番号）を記入するか、重複を直してください。"),
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
    return Finding(code=code, severity=spec.severity, message=message, file=shown(file) if file else file,
                   sheet=sheet, cell=cell, column=label, value=text_value,
                   suggestion=suggestion, row=row)


# A file with one of these is held out of the summary (never used, never supersedes a
# return) until it is resolved; 提出状況 lists it among the files needing attention.
HOLDS = frozenset({"REGION_CONFLICT", "META_PREVIOUS_ROUND", "META_LATER_ROUND", "META_VERSION_MISMATCH"})


def has_errors(findings) -> bool:
    return any(f.severity == ERROR for f in findings)


def counts(findings) -> dict[str, int]:
    out: dict[str, int] = {ERROR: 0, WARNING: 0, INFO: 0}
    for f in findings:
        out[f.severity] += 1
    return out


def reference_markdown() -> str:
    """docs/findings.md: every code with its severity, message and what to do."""
    lines = ["# 指摘の一覧（findings reference）", "",
             "`check` と `consolidate` が報告する指摘のすべてです。コードは変わりません（他のツールや",
             "CSVの「コード」列から参照できます）。メッセージの {…} には、セル・記入値などが入ります。",
             "", "このファイルは `kpi_workbook/core/findings.py` の一覧から生成しています：",
             "`python -m kpi_workbook.core.findings > docs/findings.md`（直接編集しないでください）。", "",
             "| コード | 重大度 | メッセージ | 対処 |", "| --- | --- | --- | --- |"]
    for code, spec in CATALOGUE.items():
        cells = [f"`{code}`", SEVERITY_LABELS[spec.severity], spec.template, spec.action]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import io
    import sys
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")
    sys.stdout.write(reference_markdown())
