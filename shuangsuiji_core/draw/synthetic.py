"""Synthetic directories for tests, benchmarks and trying the tool out.

Made from a seed with SHA-256 only, so the same seed gives the same files everywhere.
Credit codes are valid per GB 32100-2015 (the check digit is computed) and unique.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Iterator

from ..credit_code import CHARSET, check_digit
from .directories import EntityRow, InspectorRow

INDUSTRIES = ("食品销售", "餐饮服务", "药品零售", "特种设备", "工业产品", "广告", "建筑施工", "危险化学品")
RISK_WEIGHTS = (("A", 30), ("B", 45), ("C", 15), ("D", 5), (None, 5))


def _stream(seed: str, label: str) -> Iterator[int]:
    counter = 0
    while True:
        block = hashlib.sha256(f"{seed}|{label}|{counter}".encode()).digest()
        counter += 1
        for i in range(0, 32, 4):
            yield int.from_bytes(block[i:i + 4], "big")


def credit_code(n: int) -> str:
    """The n-th synthetic code: '91' + a 6-digit region + 9 characters numbering n, + check digit."""
    body = []
    for _ in range(9):
        n, r = divmod(n, 31)
        body.append(CHARSET[r])
    first17 = "91130534" + "".join(reversed(body))
    return first17 + check_digit(first17)


def entity_rows(count: int, seed: str = "synthetic") -> Iterator[EntityRow]:
    numbers = _stream(seed, "entities")
    total = sum(w for _, w in RISK_WEIGHTS)
    for i in range(count):
        x = next(numbers)
        pick = x % total
        for risk, weight in RISK_WEIGHTS:
            if pick < weight:
                break
            pick -= weight
        industry = INDUSTRIES[(x >> 8) % len(INDUSTRIES)]
        tags = ("连锁",) if (x >> 16) % 10 == 0 else ()
        yield EntityRow(credit_code(i), f"清河县某某{industry}经营部第{i}号", risk, industry, tags, i + 2)


def inspector_rows(count: int, seed: str = "synthetic", tags: tuple[str, ...] = ("食品安全",),
                   uncertified_every: int = 10) -> list[InspectorRow]:
    numbers = _stream(seed, "inspectors")
    rows = []
    for i in range(count):
        x = next(numbers)
        has_tags = tags if x % 4 else ()
        rows.append(InspectorRow(f"P{i:04d}", f"检查员{i}", "清河县市场监督管理局", i % uncertified_every != 0 if uncertified_every else True,
                                 tuple(sorted(has_tags)), (), i + 2))
    return rows


def write_entities_csv(path: str | Path, count: int, seed: str = "synthetic", encoding: str = "utf-8") -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["credit_code", "name", "risk_class", "industry", "tags"])
        for row in entity_rows(count, seed):
            w.writerow([row.credit_code, row.name, row.risk_class or "", row.industry or "", ";".join(row.tags)])


def write_inspectors_csv(path: str | Path, rows: list[InspectorRow], encoding: str = "utf-8") -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "name", "department", "certified", "tags", "conflicts"])
        for r in rows:
            w.writerow([r.id, r.name or "", r.department or "", "true" if r.certified else "false",
                        ";".join(r.tags), ";".join(r.conflicts)])
