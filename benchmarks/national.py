"""Build a synthetic national roster: one region per municipality (1,741), for benchmarks."""
from __future__ import annotations

import csv
import random
from pathlib import Path

def as_installed() -> None:
    """Byte-compile the package, as pip does when it installs the wheel: a command's start-up
    is then what a user's is (with PYTHONDONTWRITEBYTECODE set, as on some machines, each
    run would otherwise compile the sources again, ~40 ms)."""
    import compileall
    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "kpi_workbook"), quiet=1)


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


# Bump when answers() changes: the cached returns (benchmarks/.cache) are rebuilt.
DATA_VERSION = 2
CATEGORIES = ["アa", "アb", "アc", "アd", "イa", "イb", "イc", "ウAa", "ウAc", "ウAd", "ウBa", "ウBe", "ウCa"]
THEMES = ["観光", "創業", "移住", "子育て", "医療", "介護", "防災", "公共交通", "農業", "地場産品", "人材育成",
          "図書館", "文化財", "スポーツ", "環境", "ＤＸ", "商店街", "空き家", "雇用", "地域公共交通"]
ACTIONS = ["推進", "支援", "連携", "振興", "ネットワーク構築", "プロモーション", "人材確保", "広域化"]
UNITS = ["人", "件", "施設", "人/日", "%", "回", "団体", "千円", "社", "台", "人/年", "戸"]
BASE_TIMES = ["H28", "H29", "H30", "平成29年度", "2017年度", "R1", "R元"]
TARGET_TIMES = ["R5", "R6", "R7", "令和6年度", "2025年度", "R8"]
LATEST_TIMES = ["R2.3", "R3", "R4", "令和4年3月", "R5.3", "2023年度"]


def _typed(rng, number, unit: str = "") -> str:
    """*number* the way a clerk types it: plain, with commas, 全角, with its unit."""
    text = f"{number:,}" if rng.random() < 0.5 else str(number)
    roll = rng.random()
    if roll < 0.15:
        text = text.translate(str.maketrans("0123456789,.", "０１２３４５６７８９，．"))
    elif roll < 0.3 and unit:
        text += unit
    return text


def _fiscal_year(rng, reiwa: int) -> str:
    return rng.choice([f"R{reiwa}", f"R{reiwa}", f"令和{reiwa}年度", f"{2018 + reiwa}年度", f"Ｒ{chr(0xFF10 + reiwa)}"])


def answers(index: int, projects: int = 20, kpis: int = 40, faulty: bool = False, actuals: int = 2) -> dict:
    """A realistic return: about *projects* projects with 4 cost rows each, about *kpis*
    KPIs, *actuals* yearly actuals each.  Every return differs (seeded by *index*): names, amounts,
    units, targets and times vary as they do between regions.

    Values are typed the ways clerks type them (全角, △, units, 和暦); a faulty return
    also has a broken identity, an unknown code and an unparseable number.
    """
    rng = random.Random(index)
    projects = rng.randint(projects * 7 // 10, projects * 13 // 10)
    kpis = rng.randint(kpis * 3 // 4, kpis * 5 // 4)
    rows_p, rows_c, rows_k, rows_a = [], [], [], []
    for p in range(projects):
        code = f"P{p + 1:03d}"
        theme = rng.choice(THEMES)
        rows_p.append({"事業コード": code, "事業名": f"{theme}{rng.choice(ACTIONS)}事業",
                       "事業の概要": f"圏域の{theme}について" + "連携市町村と協力して取り組む。" * rng.randint(1, 6),
                       "取組分類": rng.choice(CATEGORIES), "開始年度": rng.choice(BASE_TIMES + ["R2", "R3", "令和3年度"]),
                       "人工（正職員）": rng.choice(["0.5", "1", "1.5", "2", "０．５", "3", "0.2"]),
                       "行財政改革の視点": rng.choice(["③、⑥", "①", "②・⑤", "⑥", "③⑦", "④、⑥、⑧"]),
                       "課題": rng.choice(["", "担い手の確保", "財源の確保が課題。" * rng.randint(1, 4)])})
        for s, stage in enumerate(("決算", "当初予算", "決算見込", "当初予算")):
            total = rng.randint(200, 300_000)
            national = rng.choice([0, 0, total // 2, total // 3])
            bonds = rng.choice([0, 0, 0, total // 4])
            general = total - national - bonds
            rows_c.append({"事業コード": code, "区分": stage, "年度": _fiscal_year(rng, 2 + s // 2 + s % 2),
                           "事業費（千円）": _typed(rng, total), "国": _typed(rng, national) if national else "0",
                           "都道府県": rng.choice(["0", "－", ""]), "市債": _typed(rng, bonds) if bonds else "0",
                           "その他": "0", "一般財源": _typed(rng, general)})
    for k in range(kpis):
        unit = rng.choice(UNITS)
        baseline = rng.choice([rng.randint(1, 99), rng.randint(100, 9_999), rng.randint(10_000, 2_000_000)])
        if unit == "%":
            baseline = rng.randint(5, 80)
        target = baseline + rng.randint(0, max(baseline // 2, 1))
        latest = baseline + rng.randint(-baseline // 5, max(baseline // 2, 1))
        rows_k.append({"KPI番号": f"K{k + 1:03d}", "事業コード": f"P{rng.randrange(projects) + 1:03d}",
                       "取組分類": rng.choice(CATEGORIES), "指標名": f"{rng.choice(THEMES)}の{rng.choice(['利用者数', '件数', '参加団体数', '満足度', '延べ人数'])}",
                       "指標の種類": "アウトカム" if rng.random() < 0.6 else "アウトプット", "単位": unit,
                       "目標の方向": rng.choice(["増加", "増加", "増加", "維持"]),
                       "基準値": _typed(rng, baseline, unit), "基準時点": rng.choice(BASE_TIMES),
                       "目標値": _typed(rng, target, unit), "目標時点": rng.choice(TARGET_TIMES),
                       "現状値": _typed(rng, latest, unit), "現状時点": rng.choice(LATEST_TIMES),
                       "連携効果": "○" if rng.random() < 0.5 else ""})
        for year in rng.sample(["R2", "R3", "R4", "R5"], actuals):
            value = baseline + rng.randint(-baseline // 5, max(baseline // 2, 1))
            if rng.random() < 0.02:  # a decrease reported as a negative figure
                value = -rng.randint(1, 500)
            rows_a.append({"KPI番号": f"K{k + 1:03d}", "時点": year,
                           "実績値": f"△{-value}" if value < 0 else _typed(rng, value)})
    if faulty:
        rows_c[1]["一般財源"] = "1"
        rows_k[2]["事業コード"] = "P999"
        rows_k[3]["目標値"] = "たくさん"
    return {"圏域情報": {"担当部署": rng.choice(["企画課", "政策企画課", "地域振興課"]), "担当者": "担当",
                     "連絡先": f"0{rng.randint(10, 99)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                     "回答日": rng.choice(["R8.10.31", "令和8年10月30日", "2026/10/29"])},
            "事業": rows_p, "事業費": rows_c, "KPI": rows_k, "KPI実績": rows_a}
