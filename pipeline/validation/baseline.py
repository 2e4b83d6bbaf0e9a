"""The checks a submission gets, run over a whole monitor: the imported start, or what is issued.

The secretary's data passes the same required fields and cross-field rules as a party's
submission, so ``init`` can refuse a start that would bounce at the first submission, and the
issue step can list in each owner's workbook what is still to fix in its projects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ..core import Catalogue, Monitor, Round
from .rules import Rule, project_rules


@dataclass(frozen=True)
class RowProblem:
    """A problem with one stored row: the finding code, the column it is about, its details."""

    entity: str
    row_id: str
    code: str
    key: str
    columns: frozenset[str]
    details: dict[str, Any]


def monitor_problems(catalogue: Catalogue, round_: Round, monitor: Monitor) -> list[RowProblem]:
    """Required values that are empty and cross-field rules that fail, row by row."""
    problems: list[RowProblem] = []
    for entity in ("project", "agreement"):
        table = monitor.table(entity)  # type: ignore[arg-type]
        if table.empty:
            continue
        columns = catalogue.columns(entity, round_)  # type: ignore[arg-type]
        id_key = columns[0].key
        for column in columns[1:]:
            if not column.field.required:
                continue
            values = (
                table[column.key]
                if column.key in table
                else pd.Series(None, index=table.index, dtype=object)
            )
            for row_id in values.index[values.isna()]:
                problems.append(
                    RowProblem(
                        entity,
                        str(row_id),
                        "required-value-missing",
                        column.key,
                        frozenset([column.key]),
                        {},
                    )
                )
        if entity == "project":
            rules = project_rules(catalogue, columns, round_)
            problems.extend(_rule_problems(rules, table, id_key))
    return problems


def _rule_problems(rules: list[Rule], table: pd.DataFrame, id_key: str) -> list[RowProblem]:
    schema = pa.DataFrameSchema(
        checks=[pa.Check(r.passes, name=r.code) for r in rules], strict=False
    )
    frame = table.astype(object).where(table.notna(), None)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        by_code = {r.code: r for r in rules}
        seen: set[tuple[str, str]] = set()
        found = []
        for case in errors.failure_cases.itertuples(index=False):
            rule = by_code.get(str(case.check))
            if rule is None or case.index is None:
                continue
            row_id = str(case.index)
            if (rule.code, row_id) in seen:
                continue
            seen.add((rule.code, row_id))
            row = frame.loc[case.index]
            found.append(
                RowProblem(
                    "project", row_id, rule.code, rule.anchor, rule.columns, rule.details(row)
                )
            )
        return found
    return []
