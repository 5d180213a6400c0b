"""Build a synthetic national roster: one region per municipality (1,741), for benchmarks."""
from __future__ import annotations

import csv
from pathlib import Path

PREFECTURES = ["北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
               "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
               "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
               "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
               "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
               "鹿児島県", "沖縄県"]


def write_roster(path: Path, count: int = 1741, kind: str = "連携中枢都市圏") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["圏域コード", "圏域名", "圏域の種別", "中心市", "構成市町村", "都道府県"])
        for i in range(count):
            pref = PREFECTURES[i % len(PREFECTURES)]
            center = f"第{i + 1}市"
            members = "、".join([center] + [f"第{i + 1}-{j}町" for j in range(1, 8)])
            out.writerow([f"N{i + 1:04d}", f"{pref}第{i + 1}圏域", kind, center, members, pref])
    return path


CATEGORIES = ["アa", "アb", "アc", "アd", "イa", "イb", "イc", "ウAa", "ウAc", "ウAd", "ウBa", "ウBe", "ウCa"]


def answers(index: int, projects: int = 20, kpis: int = 40, faulty: bool = False) -> dict:
    """A realistic return: *projects* projects with 4 cost rows each, *kpis* KPIs, actuals.

    Values are typed the ways clerks type them (全角, △, units, 和暦); a faulty return
    also has a broken identity, an unknown code and an unparseable number.
    """
    rows_p, rows_c, rows_k, rows_a = [], [], [], []
    for p in range(projects):
        code = f"P{p + 1:03d}"
        rows_p.append({"事業コード": code, "事業名": f"連携事業{p + 1}", "事業の概要": "圏域の連携により" * 5,
                       "取組分類": CATEGORIES[(index + p) % len(CATEGORIES)], "開始年度": f"H{25 + p % 6}",
                       "人工（正職員）": "1.5", "行財政改革の視点": "③、⑥", "課題": "課題" * 10})
        for s, stage in enumerate(("決算", "当初予算", "決算見込", "当初予算")):
            total = 1000 + 37 * p + s
            rows_c.append({"事業コード": code, "区分": stage, "年度": f"R{2 + s // 2 + s % 2}",
                           "事業費（千円）": f"{total:,}", "国": "500", "都道府県": "0", "市債": "0",
                           "その他": "0", "一般財源": str(total - 500)})
    for k in range(kpis):
        unit = ("人", "件", "施設", "人/日")[k % 4]
        rows_k.append({"KPI番号": f"K{k + 1:03d}", "事業コード": f"P{k % projects + 1:03d}",
                       "取組分類": CATEGORIES[(index + k) % len(CATEGORIES)], "指標名": f"指標{k + 1}",
                       "指標の種類": "アウトカム" if k % 3 else "アウトプット", "単位": unit,
                       "目標の方向": "増加", "基準値": f"{100 + k:,}{unit}", "基準時点": "H28",
                       "目標値": f"{150 + k:,}", "目標時点": "R5", "現状値": f"１２{k % 10}",
                       "現状時点": "R2.3", "連携効果": "○" if k % 2 else ""})
        rows_a.append({"KPI番号": f"K{k + 1:03d}", "時点": "R2", "実績値": str(110 + k)})
        rows_a.append({"KPI番号": f"K{k + 1:03d}", "時点": "R3", "実績値": str(120 + k)})
    if faulty:
        rows_c[1]["一般財源"] = "1"
        rows_k[2]["事業コード"] = "P999"
        rows_k[3]["目標値"] = "たくさん"
    return {"圏域情報": {"担当部署": "企画課", "担当者": "担当", "連絡先": "000-0000", "回答日": "R8.10.31"},
            "事業": rows_p, "事業費": rows_c, "KPI": rows_k, "KPI実績": rows_a}
