"""The state database: named migrations, declared references, named columns."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from pipeline.core import Monitor, Municipality, Party, Pillar, Region, Round
from pipeline.state.database import MIGRATIONS, IssueRecord, State

ROUND = Round(2026, 2)


def small_region() -> Region:
    return Region(
        "Proefregio",
        (Municipality("GM0202", "Arnhem", "Arnhem e.o."),),
        (Pillar("1", "Bouwen"),),
        (Party("gem-arnhem", "Gemeente Arnhem", "gemeente", "overheid", "", "", "GM0202", ()),),
    )


def small_monitor() -> Monitor:
    return Monitor.from_records(
        [{"project_id": "PRJ-0001", "name": "Kade", "municipality": "GM0202"}], []
    )


def filled_state(path: Path) -> State:
    state = State(path)
    with state.transaction():
        state.save_region(small_region())
        state.open_round(ROUND)
        state.save_monitor(ROUND, small_monitor())
    return state


def test_every_migration_is_named_and_recorded(tmp_path: Path) -> None:
    with State(tmp_path / "s.sqlite") as state:
        assert state.schema_version == len(MIGRATIONS)
        assert state.migrations() == [m.name for m in MIGRATIONS]
    assert len({m.name for m in MIGRATIONS}) == len(MIGRATIONS)


@pytest.mark.parametrize(
    ("table", "parent"),
    [
        ("snapshots", "rows"),
        ("changes", "rows"),
        ("changes", "parties"),
        ("issued", "parties"),
        ("merge_results", "parties"),
    ],
)
def test_references_are_declared(tmp_path: Path, table: str, parent: str) -> None:
    with State(tmp_path / "s.sqlite") as state:
        parents = {r[2] for r in state.db.execute(f"PRAGMA foreign_key_list({table})")}
    assert parent in parents


def test_a_cell_of_an_unknown_row_is_refused(tmp_path: Path) -> None:
    state = filled_state(tmp_path / "s.sqlite")
    with pytest.raises(sqlite3.IntegrityError), state.transaction():
        state.db.execute(
            "INSERT INTO snapshots (round, entity, row_id, record) "
            "VALUES ('2026-H2', 'project', 'PRJ-9999', '{\"name\":\"x\"}')"
        )
    assert state.monitor(ROUND).projects.index.tolist() == ["PRJ-0001"]
    state.close()


def test_an_issue_for_an_unknown_party_is_refused(tmp_path: Path) -> None:
    state = filled_state(tmp_path / "s.sqlite")
    record = IssueRecord(str(ROUND), "niemand", "f" * 16, "x.xlsx", "0" * 64, "2026-11-01")
    with pytest.raises(sqlite3.IntegrityError), state.transaction():
        state.record_issue(record)
    assert state.issued(ROUND) == []
    state.close()


def test_the_registry_can_be_replaced_while_referenced(tmp_path: Path) -> None:
    """References are checked at commit, so saving the same registry again works."""
    state = filled_state(tmp_path / "s.sqlite")
    record = IssueRecord(str(ROUND), "gem-arnhem", "f" * 16, "x.xlsx", "0" * 64, "2026-11-01")
    with state.transaction():
        state.record_issue(record)
    with state.transaction():
        state.save_region(small_region())
    assert state.issued(ROUND) == [record]
    state.close()


def test_an_older_database_is_migrated_with_its_content(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    db = sqlite3.connect(path)
    for number, migration in enumerate(MIGRATIONS[:3], start=1):
        db.executescript(migration.script)
        db.execute(f"PRAGMA user_version = {number}")
    db.execute("INSERT INTO region VALUES ('name', 'Oud')")
    db.execute("INSERT INTO rows VALUES ('project', 'PRJ-0001', '2026-H2', NULL)")
    for field, value in (
        ("name", '"Kade \\"Oost\\" ü"'),
        ("units", "12"),
        ("share", "0.1"),
        ("start", '{"$date": "2027-01-01"}'),
        ("withdrawn", "false"),
        ("notes", '["a", 2]'),
    ):
        db.execute(
            "INSERT INTO cells VALUES ('2026-H2', 'project', 'PRJ-0001', ?, ?)", (field, value)
        )
    db.commit()
    db.close()
    with State(path) as state:
        assert state.migrations() == [m.name for m in MIGRATIONS]
        assert not state.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'cells'").fetchall()
        [record] = state.monitor(ROUND).records("project")
        [(migrated,)] = state.db.execute("SELECT record FROM snapshots").fetchall()
    from pipeline.state.database import record_text

    # the same text as the record written by this version: one form, whichever way it came
    assert migrated == record_text({k: v for k, v in record.items() if k != "project_id"})
    assert record == {
        "project_id": "PRJ-0001",
        "name": 'Kade "Oost" ü',
        "notes": ["a", 2],
        "share": 0.1,
        "start": dt.date(2027, 1, 1),
        "units": 12,
        "withdrawn": False,
    }
    assert type(record["units"]) is int and list(record) == sorted(
        record, key=lambda k: k != "project_id"
    )


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Nijmegen",
        'Één "straat" \\ \n\t',
        0,
        -7,
        2**70,
        1.5,
        -0.0,
        1e16,
        1 / 3,
        2.5e-300,
        float("nan"),
        float("inf"),
        float("-inf"),
        True,
        False,
        [1, "a"],
        {"b": None},
    ],
)
def test_a_value_is_stored_as_the_plain_json_of_it(value: object) -> None:
    """The encoder kept for speed writes what json.dumps writes, and it reads back the same."""
    from pipeline.state.database import decode, encode

    assert encode(value) == json.dumps(value, ensure_ascii=False)
    back = decode(encode(value))
    assert back == value or (back != back and value != value)  # NaN is NaN


@pytest.mark.parametrize(
    "value",
    ["Nijmegen", 'Één "straat" \\ \n\t', -7, 2**70, 1e16, 1 / 3, float("nan"), True, [1, "a"]],
)
def test_a_snapshot_record_holds_each_value_as_a_cell_held_it(value: object) -> None:
    """A record written now and one migrated from the cells of before (their value texts
    joined as they were) are the same text, and read back the same."""
    from pipeline.state.database import encode, record_of, record_text

    text = record_text({"b": value, "a": 1})
    assert text == '{"a": 1, "b": ' + encode(value) + "}"
    back = record_of(text)["b"]
    assert back == value or (back != back and value != value)


def test_dates_and_numpy_scalars_are_stored_as_before() -> None:
    import datetime as dt

    import numpy as np

    from pipeline.state.database import decode, encode

    assert encode(dt.date(2026, 12, 2)) == '{"$date": "2026-12-02"}'
    assert encode(dt.datetime(2026, 12, 2, 13, 5)) == '{"$date": "2026-12-02"}'
    assert decode(encode(dt.date(2026, 12, 2))) == dt.date(2026, 12, 2)
    assert encode(np.int64(3)) == "3" and encode(np.float64(2.5)) == "2.5"
    assert encode(np.bool_(True)) == "true"


def test_a_reopened_state_has_its_own_connection_and_keeps_what_was_read(tmp_path: Path) -> None:
    state = filled_state(tmp_path / "state.sqlite")
    region, monitor = state.region(), state.monitor(ROUND)
    fresh = state.reopened()
    assert fresh.db is not state.db
    assert fresh.region() is region and fresh.monitor(ROUND) is monitor  # not decoded again
    # Writing through the new connection is seen by the old one, and drops the kept copy there.
    with fresh.transaction():
        renamed = [{"project_id": "PRJ-0001", "name": "Kade Noord", "municipality": "GM0202"}]
        fresh.save_monitor(ROUND, Monitor.from_records(renamed, []))
    assert fresh.monitor(ROUND).projects.at["PRJ-0001", "name"] == "Kade Noord"
    assert state.monitor(ROUND) is monitor  # the old one keeps its read, as before
    assert state.reopened().monitor(ROUND) is monitor
    fresh.close()
    state.close()


def test_a_monitor_reads_back_as_each_cell_decoded_alone(tmp_path: Path) -> None:
    """A snapshot decodes each value text once and reuses it; the monitor must be what
    decoding every cell on its own gives, and no two cells may share a list or dict."""
    from pipeline.state.database import decode

    records = [
        {
            "project_id": f"PRJ-{n:04d}",
            "name": "Kade",
            "municipality": "GM0202",
            "units": n % 3,
            "note": ["a", "b"] if n % 2 else None,
            "start": dt.date(2027, 1, 1),
        }
        for n in range(1, 7)
    ]
    path = tmp_path / "s.sqlite"
    with State(path) as state, state.transaction():
        state.save_region(small_region())
        state.open_round(ROUND)
        state.save_monitor(ROUND, Monitor.from_records(records, []))
    with State(path) as state:
        monitor = state.monitor(ROUND)
        plain: dict[str, dict[str, object]] = {}
        for row_id, record in state.db.execute(
            "SELECT row_id, record FROM snapshots WHERE round = ? AND entity = 'project'",
            (str(ROUND),),
        ):
            for field, value in json.loads(record).items():
                plain.setdefault(row_id, {})[field] = decode(json.dumps(value))
    read = {r["project_id"]: r for r in monitor.records("project")}
    assert set(read) == set(plain)
    for row_id, cells in plain.items():
        for field, value in cells.items():
            assert read[row_id][field] == value, (row_id, field)
    notes = [monitor.projects.at[f"PRJ-{n:04d}", "note"] for n in (1, 3, 5)]
    assert notes[0] == ["a", "b"] and notes[0] is not notes[1] and notes[1] is not notes[2]
