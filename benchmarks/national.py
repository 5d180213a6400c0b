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
