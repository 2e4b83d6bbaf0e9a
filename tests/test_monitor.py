"""The monitor's records: the same values as a row-by-row walk through pandas, faster."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from pipeline.core import Config, Monitor
from pipeline.core.monitor import ID_COLUMN
from pipeline.state import State


def plain_records(monitor: Monitor, entity: Any) -> list[dict[str, Any]]:
    """The reference: pandas' iterrows, every missing marker as None."""

    def none(value: Any) -> Any:
        if value is None:
            return None
        with contextlib.suppress(TypeError, ValueError):
            if pd.isna(value):
                return None
        return value

    out = []
    for row_id, row in monitor.table(entity).iterrows():
        record: dict[str, Any] = {ID_COLUMN[entity]: row_id}
        record.update({str(k): none(v) for k, v in row.items()})
        out.append(record)
    return out


AWKWARD = [
    None,
    float("nan"),
    pd.NA,
    pd.NaT,
    np.nan,
    np.float64("nan"),
    np.int64(7),
    np.float64(2.5),
    3,
    0,
    -1.5,
    True,
    False,
    "",
    "tekst",
    dt.date(2027, 3, 1),
    dt.datetime(2027, 3, 1, 12, 30),
    pd.Timestamp("2027-03-01"),
    ["G01", "G02"],
    (1, 2),
]


def test_records_match_a_plain_walk_value_for_value_and_type_for_type() -> None:
    rows = [{"project_id": f"P{i}", "value": v, "other": i} for i, v in enumerate(AWKWARD)]
    projects = pd.DataFrame(rows, dtype=object).set_index("project_id")
    monitor = Monitor(projects, pd.DataFrame(dtype=object))
    fast, plain = monitor.records("project"), plain_records(monitor, "project")
    assert len(fast) == len(AWKWARD)
    for got, expected in zip(fast, plain, strict=True):
        assert list(got) == list(expected)
        for key in got:
            assert type(got[key]) is type(expected[key]), (key, got[key], expected[key])
            assert got[key] == expected[key] or got[key] is expected[key] is None
    missing = [r["value"] for r in fast[:6]]
    assert missing == [None] * 6  # None, NaN, NA, NaT and numpy's NaN are all empty


def test_records_of_the_demo_monitor_as_stored_match_the_plain_walk(
    config: Config, state: State
) -> None:
    monitor = state.monitor(config.round)
    for entity in ("project", "agreement"):
        fast, plain = monitor.records(entity), plain_records(monitor, entity)
        assert fast == plain
        assert [type(v) for r in fast for v in r.values()] == [
            type(v) for r in plain for v in r.values()
        ]


def test_records_are_new_dicts_each_time_and_follow_a_replaced_table() -> None:
    projects = pd.DataFrame(
        [{"project_id": "P1", "name": "Noord"}, {"project_id": "P2", "name": None}], dtype=object
    ).set_index("project_id")
    monitor = Monitor(projects, pd.DataFrame(dtype=object))
    first = monitor.records("project")
    first[0]["name"] = "veranderd"
    first[1].pop("name")
    again = monitor.records("project")
    assert again == [
        {"project_id": "P1", "name": "Noord"},
        {"project_id": "P2", "name": None},
    ]
    monitor.projects = projects.assign(name=["Zuid", "Oost"])
    assert [r["name"] for r in monitor.records("project")] == ["Zuid", "Oost"]


def test_records_of_a_typed_table_keep_each_column_type() -> None:
    projects = pd.DataFrame(
        {"count": [1, 2], "share": [0.5, float("nan")], "name": ["a", None]},
        index=pd.Index(["P1", "P2"], name="project_id"),
    )
    records = Monitor(projects, pd.DataFrame(dtype=object)).records("project")
    assert records == plain_records(Monitor(projects, pd.DataFrame(dtype=object)), "project")
    assert [type(r["count"]) for r in records] == [int, int]
    assert records[1]["share"] is None


def test_records_of_tables_without_rows_or_columns() -> None:
    empty = Monitor(pd.DataFrame(dtype=object), pd.DataFrame(index=pd.Index(["A1", "A2"])))
    assert empty.records("project") == []
    assert empty.records("agreement") == [{"agreement_id": "A1"}, {"agreement_id": "A2"}]
