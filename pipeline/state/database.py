"""State: the SQLite database that is the truth of the monitor.

It holds the region registry, the value of every cell per round, what was issued, what was
received and a cell-level change log. Workbooks are renderings of this state, never its source.

``snapshots`` keyed by round R hold the monitor as issued in round R, one JSON record per
project or agreement; merging round R writes the monitor for the next round.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from ..core import (
    DRAFT,
    ENTITIES,
    HANDED_IN,
    ID_COLUMN,
    Carry,
    Entity,
    Monitor,
    Municipality,
    Party,
    Pillar,
    Region,
    Round,
    StateError,
    WorkbookLayout,
    now,
)


@dataclass(frozen=True)
class Migration:
    """One step of the schema, applied once, in order; its number is ``PRAGMA user_version``."""

    name: str
    script: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "initial-schema",
        """
    CREATE TABLE region (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE municipalities (code TEXT PRIMARY KEY, name TEXT NOT NULL,
                                 subregion TEXT NOT NULL);
    CREATE TABLE pillars (number TEXT PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE parties (id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,
                          sector TEXT NOT NULL, contact_name TEXT, contact_email TEXT,
                          municipality_code TEXT, pillars TEXT NOT NULL DEFAULT '');
    CREATE TABLE rounds (round TEXT PRIMARY KEY, opened_at TEXT NOT NULL, issued_at TEXT,
                         merged_at TEXT);
    CREATE TABLE cells (round TEXT NOT NULL, entity TEXT NOT NULL, row_id TEXT NOT NULL,
                        field TEXT NOT NULL, value TEXT NOT NULL,
                        PRIMARY KEY (round, entity, row_id, field));
    CREATE TABLE rows (entity TEXT NOT NULL, row_id TEXT NOT NULL, created_round TEXT NOT NULL,
                       created_by TEXT, PRIMARY KEY (entity, row_id));
    CREATE TABLE issued (round TEXT NOT NULL, party TEXT NOT NULL, fingerprint TEXT NOT NULL,
                         file_name TEXT NOT NULL, sha256 TEXT NOT NULL, issued_at TEXT NOT NULL,
                         PRIMARY KEY (round, party));
    CREATE TABLE submissions (sha256 TEXT NOT NULL, round TEXT NOT NULL, party TEXT,
                              original_name TEXT NOT NULL, received_at TEXT NOT NULL,
                              archive_path TEXT NOT NULL, saved_by TEXT, verdict TEXT,
                              blocking INTEGER, findings TEXT,
                              PRIMARY KEY (sha256, round, party));
    CREATE TABLE changes (id INTEGER PRIMARY KEY AUTOINCREMENT, round TEXT NOT NULL,
                          party TEXT NOT NULL, entity TEXT NOT NULL, row_id TEXT NOT NULL,
                          field TEXT NOT NULL, old TEXT, new TEXT, submission TEXT NOT NULL,
                          at TEXT NOT NULL);
    CREATE INDEX changes_round ON changes (round, party);
    """,
    ),
    Migration(
        "merge-results",  # what each merge did with each party's submission
        """
    CREATE TABLE merge_results (round TEXT NOT NULL, party TEXT NOT NULL, sha256 TEXT NOT NULL,
                                rows_accepted INTEGER NOT NULL, rows_held INTEGER NOT NULL,
                                cells_changed INTEGER NOT NULL, new_projects INTEGER NOT NULL,
                                superseded INTEGER NOT NULL, PRIMARY KEY (round, party));
    """,
    ),
    Migration(
        "seen-files",  # files seen in the party folders, so unchanged ones are not fetched again
        """
    CREATE TABLE seen_files (party TEXT NOT NULL, name TEXT NOT NULL, etag TEXT NOT NULL,
                             sha256 TEXT NOT NULL, PRIMARY KEY (party, name, etag));
    """,
    ),
    Migration(
        # Tables rebuilt with their references declared. Deferred: the registry is replaced
        # as a whole inside one transaction, and checked when it commits.
        "foreign-keys",
        """
    CREATE TABLE cells_new (round TEXT NOT NULL, entity TEXT NOT NULL, row_id TEXT NOT NULL,
                            field TEXT NOT NULL, value TEXT NOT NULL,
                            PRIMARY KEY (round, entity, row_id, field),
                            FOREIGN KEY (entity, row_id) REFERENCES rows (entity, row_id)
                                DEFERRABLE INITIALLY DEFERRED);
    INSERT INTO cells_new SELECT round, entity, row_id, field, value FROM cells;
    DROP TABLE cells;
    ALTER TABLE cells_new RENAME TO cells;
    CREATE TABLE changes_new (id INTEGER PRIMARY KEY AUTOINCREMENT, round TEXT NOT NULL,
                              party TEXT NOT NULL, entity TEXT NOT NULL, row_id TEXT NOT NULL,
                              field TEXT NOT NULL, old TEXT, new TEXT, submission TEXT NOT NULL,
                              at TEXT NOT NULL,
                              FOREIGN KEY (entity, row_id) REFERENCES rows (entity, row_id)
                                  DEFERRABLE INITIALLY DEFERRED,
                              FOREIGN KEY (party) REFERENCES parties (id)
                                  DEFERRABLE INITIALLY DEFERRED);
    INSERT INTO changes_new SELECT id, round, party, entity, row_id, field, old, new,
                                   submission, at FROM changes;
    DROP TABLE changes;
    ALTER TABLE changes_new RENAME TO changes;
    CREATE INDEX changes_round ON changes (round, party);
    CREATE TABLE issued_new (round TEXT NOT NULL, party TEXT NOT NULL, fingerprint TEXT NOT NULL,
                             file_name TEXT NOT NULL, sha256 TEXT NOT NULL,
                             issued_at TEXT NOT NULL, PRIMARY KEY (round, party),
                             FOREIGN KEY (party) REFERENCES parties (id)
                                 DEFERRABLE INITIALLY DEFERRED);
    INSERT INTO issued_new SELECT round, party, fingerprint, file_name, sha256, issued_at
                           FROM issued;
    DROP TABLE issued;
    ALTER TABLE issued_new RENAME TO issued;
    CREATE TABLE merge_results_new (round TEXT NOT NULL, party TEXT NOT NULL,
                                    sha256 TEXT NOT NULL, rows_accepted INTEGER NOT NULL,
                                    rows_held INTEGER NOT NULL, cells_changed INTEGER NOT NULL,
                                    new_projects INTEGER NOT NULL, superseded INTEGER NOT NULL,
                                    PRIMARY KEY (round, party),
                                    FOREIGN KEY (party) REFERENCES parties (id)
                                        DEFERRABLE INITIALLY DEFERRED);
    INSERT INTO merge_results_new SELECT round, party, sha256, rows_accepted, rows_held,
                                         cells_changed, new_projects, superseded
                                  FROM merge_results;
    DROP TABLE merge_results;
    ALTER TABLE merge_results_new RENAME TO merge_results;
    CREATE TABLE migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
                             applied_at TEXT NOT NULL)
    """,
    ),
    Migration(
        # Roll-over at the change of year: dwellings carried from a past year into the first
        # planned year of the snapshot ``round``.
        "carried",
        """
    CREATE TABLE carried (round TEXT NOT NULL, entity TEXT NOT NULL, row_id TEXT NOT NULL,
                          field TEXT NOT NULL, from_year INTEGER NOT NULL,
                          to_year INTEGER NOT NULL, dwellings INTEGER NOT NULL,
                          PRIMARY KEY (round, entity, row_id, field, from_year))
    """,
    ),
    Migration(
        # The typed rows the check step took from a submission (JSON, with blocked flags), so
        # the merge uses them as they are and never reads or checks the file again.
        "checked-rows",
        """
    CREATE TABLE checked_rows (sha256 TEXT NOT NULL, round TEXT NOT NULL, party TEXT NOT NULL,
                               rows TEXT NOT NULL, PRIMARY KEY (sha256, round, party))
    """,
    ),
    Migration(
        # A submission's hand-in choice (concept / ingeleverd; NULL: the file has none) and the
        # time the party saved it (the storage's modification time), for lateness.
        "hand-in",
        """
    ALTER TABLE submissions ADD COLUMN status TEXT;
    ALTER TABLE submissions ADD COLUMN saved_at TEXT
    """,
    ),
    Migration(
        # The plan of every workbook issued, by fingerprint (what a submission may contain),
        # and the journal of a merge's outputs still to be made.
        "issued-layouts-and-journal",
        """
    CREATE TABLE issued_layouts (fingerprint TEXT PRIMARY KEY, round TEXT NOT NULL,
                                 party TEXT NOT NULL, layout TEXT NOT NULL);
    CREATE TABLE journal (round TEXT PRIMARY KEY, started_at TEXT NOT NULL, work TEXT NOT NULL)
    """,
    ),
    Migration(
        # A snapshot row is one record (a JSON object of its non-empty fields) instead of one
        # row per field: the whole monitor is written and read in a few thousand rows, not
        # some eighty thousand. The stored value texts are taken over as they are.
        "snapshot-records",
        """
    CREATE TABLE snapshots (round TEXT NOT NULL, entity TEXT NOT NULL, row_id TEXT NOT NULL,
                            record TEXT NOT NULL, PRIMARY KEY (round, entity, row_id),
                            FOREIGN KEY (entity, row_id) REFERENCES rows (entity, row_id)
                                DEFERRABLE INITIALLY DEFERRED);
    INSERT INTO snapshots
        SELECT round, entity, row_id, '{' || group_concat(json_quote(field) || ': ' || value, ', ') || '}'
        FROM (SELECT * FROM cells ORDER BY round, entity, row_id, field)
        GROUP BY round, entity, row_id;
    DROP TABLE cells
    """,
    ),
)


PARTY_COLUMNS = "id, name, kind, sector, contact_name, contact_email, municipality_code, pillars"
FEEDBACK_ETAG = "terugkoppeling"  # marks the feedback files planmonitor wrote in seen_files


@dataclass(frozen=True)
class SubmissionRecord:
    """A received file as the state knows it, with the verdict of its last check."""

    sha256: str
    round: str
    party: str | None
    original_name: str
    received_at: str
    archive_path: str
    saved_by: str | None
    verdict: str | None  # "geen fouten", "waarschuwingen", "fouten", "onleesbaar"; None: unchecked
    blocking: int | None  # number of blocking findings
    findings: str | None  # JSON list of finding dicts
    status: str | None = None  # "concept" or "ingeleverd"; None: the file has no choice
    saved_at: str | None = None  # when the party saved it (UTC ISO); None: not known

    @property
    def handed_in(self) -> bool:
        """A hand-in, not a draft: a file without a choice (older or foreign) counts as one."""
        return self.status != DRAFT

    @property
    def saved(self) -> str:
        """The party's own save time, else the time it was received."""
        return self.saved_at or self.received_at


@dataclass(frozen=True)
class MergeResult:
    round: str
    party: str
    sha256: str
    rows_accepted: int
    rows_held: int
    cells_changed: int
    new_projects: int
    superseded: int


@dataclass(frozen=True)
class Change:
    round: str
    party: str
    entity: str
    row_id: str
    field: str
    old: Any
    new: Any
    submission: str
    at: str


@dataclass(frozen=True)
class IssueRecord:
    round: str
    party: str
    fingerprint: str
    file_name: str
    sha256: str
    issued_at: str


def columns(cls: type[Any]) -> str:
    """The column list of a record type: its fields, named, in order."""
    return ", ".join(f.name for f in fields(cls))


def insert_sql(verb: str, table: str, cls: type[Any]) -> str:
    """``INSERT`` of a record type into its table, with every column named."""
    names = [f.name for f in fields(cls)]
    return f"{verb} INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


# json.dumps(value, ensure_ascii=False), without making an encoder for every value; a text
# goes straight to the function json itself writes it with.
_dumps = json.JSONEncoder(ensure_ascii=False).encode


def encode(value: Any) -> str:
    """A cell value as JSON text; dates are tagged so they come back as dates."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float:  # as json writes a float: repr, or NaN and Infinity by json itself
        return float.__repr__(value) if math.isfinite(value) else _dumps(value)
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return json.dumps({"$date": value.isoformat()})
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return _dumps(value)


def decode(text: str | None) -> Any:
    if text is None:
        return None
    value = json.loads(text)
    if isinstance(value, dict) and "$date" in value:
        return dt.date.fromisoformat(value["$date"])
    return value


def _tagged(value: Any) -> Any:
    """What JSON cannot hold as it is: a date (tagged, so it comes back as a date) or a numpy
    scalar."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} kan niet in de statusdatabase")


def _untagged(value: dict[str, Any]) -> Any:
    return dt.date.fromisoformat(value["$date"]) if "$date" in value else value


# A snapshot row's record: its fields in order, each value as ``encode`` writes it.
record_text = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=_tagged).encode
_record_decoder = json.JSONDecoder(object_hook=_untagged)


def record_of(text: str) -> dict[str, Any]:
    """The fields of a snapshot row's record, with its dates as dates."""
    record: dict[str, Any] = _record_decoder.decode(text)
    return record


class State:
    """The state database. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
            # Reading a monitor decodes every cell: keep what was read until it is written.
            self._monitors: dict[str, Monitor] = {}
            self._region: Region | None = None
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"De statusdatabase {path} is onleesbaar: {exc}") from exc

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def reopened(self) -> State:
        """A connection of its own to the same database (a forked worker must never use its
        parent's), keeping what this one has read of the region and the monitors: a worker
        does not decode the whole monitor again."""
        fresh = State(self.path)
        fresh._region, fresh._monitors = self._region, dict(self._monitors)
        return fresh

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise StateError(
                f"De statusdatabase {self.path} is van een nieuwere planmonitor (schema {version}). "
                "Werk planmonitor bij."
            )
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in migration.script.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                if self._has_table("migrations"):
                    self._record_migrations(number)
                self.db.execute(f"PRAGMA user_version = {number}")

    def _has_table(self, name: str) -> bool:
        query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return self.db.execute(query, (name,)).fetchone() is not None

    def _record_migrations(self, up_to: int) -> None:
        """Name every applied migration (those before the table existed included)."""
        self.db.executemany(
            "INSERT OR IGNORE INTO migrations (number, name, applied_at) VALUES (?, ?, ?)",
            [(n, MIGRATIONS[n - 1].name, now()) for n in range(1, up_to + 1)],
        )

    def migrations(self) -> list[str]:
        """The names of the applied migrations, in order."""
        return [n for (n,) in self.db.execute("SELECT name FROM migrations ORDER BY number")]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: a crash inside leaves the database as it was."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            # A deferred reference that fails makes COMMIT raise with the transaction still
            # open: it is rolled back below like any other failure.
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            self._monitors.clear()
            self._region = None
            raise

    # -- region -------------------------------------------------------------------------------

    @property
    def initialised(self) -> bool:
        return self.db.execute("SELECT 1 FROM region WHERE key = 'name'").fetchone() is not None

    def save_region(self, region: Region) -> None:
        self._region = None
        db = self.db
        db.execute("INSERT OR REPLACE INTO region VALUES ('name', ?)", (region.name,))
        db.execute("DELETE FROM municipalities")
        db.executemany(
            "INSERT INTO municipalities (code, name, subregion) VALUES (?, ?, ?)",
            [(m.code, m.name, m.subregion) for m in region.municipalities],
        )
        db.execute("DELETE FROM pillars")
        db.executemany(
            "INSERT INTO pillars (number, name) VALUES (?, ?)",
            [(p.number, p.name) for p in region.pillars],
        )
        db.execute("DELETE FROM parties")
        db.executemany(
            f"INSERT INTO parties ({PARTY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    p.id,
                    p.name,
                    p.kind,
                    p.sector,
                    p.contact_name,
                    p.contact_email,
                    p.municipality_code,
                    ";".join(p.pillars),
                )
                for p in region.parties
            ],
        )

    def region(self) -> Region:
        if self._region is None:
            self._region = self._read_region()
        return self._region

    def _read_region(self) -> Region:
        row = self.db.execute("SELECT value FROM region WHERE key = 'name'").fetchone()
        if row is None:
            raise StateError(
                "De monitor is nog niet aangemaakt. Voer eerst 'planmonitor init' uit."
            )
        municipalities = tuple(
            Municipality(*r)
            for r in self.db.execute(
                "SELECT code, name, subregion FROM municipalities ORDER BY code"
            )
        )
        pillars = tuple(
            Pillar(*r) for r in self.db.execute("SELECT number, name FROM pillars ORDER BY number")
        )
        parties = tuple(
            Party(
                pid,
                name,
                kind,
                sector,
                cname or "",
                cmail or "",
                code,
                tuple(x for x in (pillars_text or "").split(";") if x),
            )
            for pid, name, kind, sector, cname, cmail, code, pillars_text in self.db.execute(
                f"SELECT {PARTY_COLUMNS} FROM parties ORDER BY id"
            )
        )
        return Region(row[0], municipalities, pillars, parties)

    # -- rounds and monitor snapshots ---------------------------------------------------------

    def open_round(self, round_: Round) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO rounds (round, opened_at) VALUES (?, ?)", (str(round_), now())
        )

    def rounds(self) -> list[Round]:
        return sorted(Round.parse(r) for (r,) in self.db.execute("SELECT round FROM rounds"))

    def round_info(self, round_: Round) -> dict[str, str | None]:
        row = self.db.execute(
            "SELECT opened_at, issued_at, merged_at FROM rounds WHERE round = ?", (str(round_),)
        ).fetchone()
        if row is None:
            return {}
        return {"opened_at": row[0], "issued_at": row[1], "merged_at": row[2]}

    def mark_round(self, round_: Round, column: str) -> None:
        assert column in {"issued_at", "merged_at"}
        self.open_round(round_)
        self.db.execute(f"UPDATE rounds SET {column} = ? WHERE round = ?", (now(), str(round_)))

    def latest_monitor_round(self) -> Round | None:
        row = self.db.execute("SELECT MAX(round) FROM snapshots").fetchone()
        return Round.parse(row[0]) if row and row[0] else None

    def save_monitor(self, round_: Round, monitor: Monitor, created_by: str | None = None) -> None:
        """Store the monitor as the snapshot of a round (replacing any earlier one)."""
        self._monitors.clear()
        key = str(round_)
        self.db.execute("DELETE FROM snapshots WHERE round = ?", (key,))
        for entity in ENTITIES:
            rows: list[tuple[str, str, str, str]] = []
            ids: list[tuple[str, str, str, str | None]] = []
            for record in monitor.records(entity):
                row_id = str(record.pop(ID_COLUMN[entity]))
                ids.append((entity, row_id, key, created_by))
                kept = {f: v for f, v in record.items() if v is not None}
                rows.append((key, entity, row_id, record_text(kept)))
            self.db.executemany(
                "INSERT OR IGNORE INTO rows (entity, row_id, created_round, created_by) "
                "VALUES (?, ?, ?, ?)",
                ids,
            )
            self.db.executemany(
                "INSERT INTO snapshots (round, entity, row_id, record) VALUES (?, ?, ?, ?)", rows
            )

    def monitor(self, round_: Round) -> Monitor:
        """The monitor of a round; callers must not change the frames they get."""
        key = str(round_)
        if key not in self._monitors:
            self._monitors[key] = self._read_monitor(round_)
        return self._monitors[key]

    def _read_monitor(self, round_: Round) -> Monitor:
        records: dict[Entity, list[dict[str, Any]]] = {e: [] for e in ENTITIES}
        for entity, row_id, text in self.db.execute(
            "SELECT entity, row_id, record FROM snapshots WHERE round = ? ORDER BY entity, row_id",
            (str(round_),),
        ):
            entity_key: Entity = entity
            records[entity_key].append({ID_COLUMN[entity_key]: row_id, **record_of(text)})
        if not records["project"] and not records["agreement"]:
            raise StateError(f"Er is geen monitor voor ronde {round_} in de statusdatabase.")
        monitor = Monitor.from_records(records["project"], records["agreement"])
        monitor.carried = tuple(self.carries(round_))
        return monitor

    def snapshots(self) -> list[Round]:
        """Rounds that have a monitor snapshot, oldest first."""
        return [
            Round.parse(r)
            for (r,) in self.db.execute("SELECT DISTINCT round FROM snapshots ORDER BY round")
        ]

    def monitor_after(self, round_: Round) -> Monitor:
        """The monitor as it stands after merging a round (the snapshot of the next round)."""
        return self.monitor(round_.next())

    def row_ids(self, entity: Entity, created_round: Round | None = None) -> list[str]:
        """Every id of an entity ever stored, or those first stored in one snapshot."""
        if created_round is not None:
            sql = "SELECT row_id FROM rows WHERE entity = ? AND created_round = ? ORDER BY row_id"
            return [r for (r,) in self.db.execute(sql, (entity, str(created_round)))]
        return [
            r
            for (r,) in self.db.execute(
                "SELECT row_id FROM rows WHERE entity = ? ORDER BY row_id", (entity,)
            )
        ]

    # -- issued workbooks ---------------------------------------------------------------------

    def record_issue(self, record: IssueRecord) -> None:
        self.db.execute(insert_sql("INSERT OR REPLACE", "issued", IssueRecord), astuple(record))

    def issued(self, round_: Round, party: str | None = None) -> list[IssueRecord]:
        sql = f"SELECT {columns(IssueRecord)} FROM issued WHERE round = ?"
        args: tuple[str, ...] = (str(round_),)
        if party is not None:
            sql += " AND party = ?"
            args += (party,)
        return [IssueRecord(*r) for r in self.db.execute(sql + " ORDER BY party", args)]

    def record_layout(self, plan: WorkbookLayout) -> None:
        """Keep the plan of a workbook about to be issued; a submission is read by it."""
        self.db.execute(
            "INSERT OR IGNORE INTO issued_layouts VALUES (?, ?, ?, ?)",
            (plan.fingerprint, plan.round, plan.party, plan.to_record()),
        )

    def issued_layout(self, fingerprint: str) -> WorkbookLayout | None:
        """The plan issued under a fingerprint, or None when no such workbook was issued."""
        row = self.db.execute(
            "SELECT layout FROM issued_layouts WHERE fingerprint = ?", (fingerprint,)
        ).fetchone()
        if row is None:
            return None
        plan = WorkbookLayout.from_record(row[0])
        return plan if plan.fingerprint == fingerprint else None

    def issue_by_fingerprint(self, fingerprint: str) -> IssueRecord | None:
        row = self.db.execute(
            f"SELECT {columns(IssueRecord)} FROM issued WHERE fingerprint = ?", (fingerprint,)
        ).fetchone()
        return IssueRecord(*row) if row else None

    # -- submissions, checks and merges -------------------------------------------------------

    def record_submission(self, record: SubmissionRecord) -> bool:
        """Remember a received file; False when this file was already known for that party.

        A known draft that comes again marked as handed in (the party set the library column
        without changing the file) becomes a hand-in, with the new save time.
        """
        cursor = self.db.execute(
            insert_sql("INSERT OR IGNORE", "submissions", SubmissionRecord), astuple(record)
        )
        if cursor.rowcount == 0 and record.status == HANDED_IN:
            self.db.execute(
                "UPDATE submissions SET status = ?, saved_at = ? "
                "WHERE sha256 = ? AND round = ? AND party IS ? AND status = ?",
                (HANDED_IN, record.saved_at, record.sha256, record.round, record.party, DRAFT),
            )
        return cursor.rowcount > 0

    def is_draft(self, sha: str, round_: Round, party: str | None) -> bool:
        """Was this file received in this round as a draft only?"""
        row = self.db.execute(
            "SELECT status FROM submissions WHERE sha256 = ? AND round = ? AND party IS ?",
            (sha, str(round_), party),
        ).fetchone()
        return row is not None and row[0] == DRAFT

    def record_verdict(
        self,
        sha: str,
        round_: Round,
        party: str | None,
        verdict: str,
        blocking: int,
        findings_json: str,
    ) -> None:
        self.db.execute(
            "UPDATE submissions SET verdict = ?, blocking = ?, findings = ? "
            "WHERE sha256 = ? AND round = ? AND party IS ?",
            (verdict, blocking, findings_json, sha, str(round_), party),
        )

    def record_checked_rows(self, sha: str, round_: Round, party: str, rows: str) -> None:
        """Keep the check step's typed rows of a submission (JSON), for the merge."""
        self.db.execute(
            "INSERT OR REPLACE INTO checked_rows (sha256, round, party, rows) VALUES (?, ?, ?, ?)",
            (sha, str(round_), party, rows),
        )

    def checked_rows(self, sha: str, round_: Round, party: str) -> str | None:
        """The typed rows the check step kept for a submission, or None when it kept none."""
        row = self.db.execute(
            "SELECT rows FROM checked_rows WHERE sha256 = ? AND round = ? AND party = ?",
            (sha, str(round_), party),
        ).fetchone()
        return str(row[0]) if row else None

    def submissions(self, round_: Round, party: str | None = None) -> list[SubmissionRecord]:
        """Received files of a round, oldest first."""
        sql = f"SELECT {columns(SubmissionRecord)} FROM submissions WHERE round = ?"
        args: tuple[Any, ...] = (str(round_),)
        if party is not None:
            sql += " AND party = ?"
            args += (party,)
        rows = self.db.execute(sql + " ORDER BY received_at, sha256", args)
        return [SubmissionRecord(*r) for r in rows]

    def hand_ins(self, round_: Round, party: str | None = None) -> list[SubmissionRecord]:
        """The received files of a round that the party handed in (no drafts), oldest first."""
        return [r for r in self.submissions(round_, party) if r.handed_in]

    def seen_file(self, party: str, name: str, etag: str) -> str | None:
        """The hash of a party's file when this version (ETag) was fetched before."""
        row = self.db.execute(
            "SELECT sha256 FROM seen_files WHERE party = ? AND name = ? AND etag = ?",
            (party, name, etag),
        ).fetchone()
        return str(row[0]) if row else None

    def remember_file(self, party: str, name: str, etag: str, sha: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO seen_files (party, name, etag, sha256) VALUES (?, ?, ?, ?)",
            (party, name, etag, sha),
        )

    def remember_feedback(self, party: str, name: str, sha: str) -> None:
        """Note a feedback file planmonitor wrote, so collect does not take it for a submission."""
        self.remember_file(party, name, FEEDBACK_ETAG, sha)

    def is_feedback(self, sha: str, party: str) -> bool:
        return (
            self.db.execute(
                "SELECT 1 FROM seen_files WHERE sha256 = ? AND party = ? AND etag = ?",
                (sha, party, FEEDBACK_ETAG),
            ).fetchone()
            is not None
        )

    def is_earlier_file(self, sha: str, party: str, round_: Round) -> bool:
        """Was this file issued to or received from the party in an earlier round?"""
        return (
            self.db.execute(
                "SELECT 1 FROM submissions WHERE sha256 = ? AND party = ? AND round < ? "
                "UNION SELECT 1 FROM issued WHERE sha256 = ? AND party = ? AND round < ?",
                (sha, party, str(round_), sha, party, str(round_)),
            ).fetchone()
            is not None
        )

    def known_submission(self, sha: str, round_: Round, party: str | None) -> bool:
        return (
            self.db.execute(
                "SELECT 1 FROM submissions WHERE sha256 = ? AND round = ? AND party IS ?",
                (sha, str(round_), party),
            ).fetchone()
            is not None
        )

    def record_changes(self, changes: list[Change]) -> None:
        self.db.executemany(
            "INSERT INTO changes (round, party, entity, row_id, field, old, new, submission, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    c.round,
                    c.party,
                    c.entity,
                    c.row_id,
                    c.field,
                    encode(c.old),
                    encode(c.new),
                    c.submission,
                    c.at,
                )
                for c in changes
            ],
        )

    def changes(self, round_: Round | None = None) -> list[Change]:
        sql = "SELECT round, party, entity, row_id, field, old, new, submission, at FROM changes"
        args: tuple[str, ...] = ()
        if round_ is not None:
            sql += " WHERE round = ?"
            args = (str(round_),)
        return [
            Change(r[0], r[1], r[2], r[3], r[4], decode(r[5]), decode(r[6]), r[7], r[8])
            for r in self.db.execute(sql + " ORDER BY id", args)
        ]

    def record_carries(self, round_: Round, carries: Iterable[Carry]) -> None:
        """Record what a roll-over carried into the snapshot of ``round_``."""
        self.db.execute("DELETE FROM carried WHERE round = ?", (str(round_),))
        self.db.executemany(
            "INSERT INTO carried (round, entity, row_id, field, from_year, to_year, dwellings) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (str(round_), c.entity, c.row_id, c.field, c.from_year, c.to_year, c.dwellings)
                for c in carries
            ],
        )

    def carries(self, round_: Round) -> list[Carry]:
        """What the roll-over carried into the snapshot of ``round_`` (the monitor as issued
        in that round), by project."""
        return [
            Carry(entity, row_id, field, from_year, to_year, dwellings)
            for entity, row_id, field, from_year, to_year, dwellings in self.db.execute(
                "SELECT entity, row_id, field, from_year, to_year, dwellings FROM carried "
                "WHERE round = ? ORDER BY entity, row_id, field, from_year",
                (str(round_),),
            )
        ]

    def clear_merge(self, round_: Round) -> None:
        """Forget an earlier merge of this round (a merge is redone from its inputs)."""
        self._monitors.clear()
        key = str(round_)
        self.db.execute("DELETE FROM changes WHERE round = ?", (key,))
        self.db.execute("DELETE FROM merge_results WHERE round = ?", (key,))
        self.db.execute("DELETE FROM snapshots WHERE round = ?", (str(round_.next()),))
        self.db.execute("DELETE FROM rows WHERE created_round = ?", (str(round_.next()),))
        self.db.execute("DELETE FROM carried WHERE round = ?", (str(round_.next()),))

    def record_merge_result(self, result: MergeResult) -> None:
        self.db.execute(
            insert_sql("INSERT OR REPLACE", "merge_results", MergeResult), astuple(result)
        )

    def merge_results(self, round_: Round) -> list[MergeResult]:
        return [
            MergeResult(*r)
            for r in self.db.execute(
                f"SELECT {columns(MergeResult)} FROM merge_results WHERE round = ? ORDER BY party",
                (str(round_),),
            )
        ]

    def current_round(self, first: Round) -> Round:
        """The round in progress: the one after the last merged round, or the first round."""
        row = self.db.execute(
            "SELECT MAX(round) FROM rounds WHERE merged_at IS NOT NULL"
        ).fetchone()
        return Round.parse(row[0]).next() if row and row[0] else first

    # -- the journal of a merge's outputs ------------------------------------------------------

    def write_journal(self, round_: Round, work: str) -> None:
        """Note (or update) what is still to be done for a merged round, as JSON text."""
        self.db.execute(
            "INSERT INTO journal VALUES (?, ?, ?) ON CONFLICT (round) DO UPDATE SET work = ?",
            (str(round_), now(), work, work),
        )

    def journal(self) -> list[tuple[Round, str]]:
        """Rounds with work still pending, oldest first."""
        return [(Round.parse(r), w) for r, w in self.db.execute("SELECT round, work FROM journal")]

    def clear_journal(self, round_: Round) -> None:
        self.db.execute("DELETE FROM journal WHERE round = ?", (str(round_),))

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """The content that defines the monitor, for comparing two states (times excluded)."""
        queries = {
            "parties": f"SELECT {PARTY_COLUMNS} FROM parties ORDER BY id",
            "snapshots": "SELECT round, entity, row_id, record FROM snapshots "
            "ORDER BY round, entity, row_id",
            "rows": "SELECT entity, row_id, created_round, created_by FROM rows "
            "ORDER BY entity, row_id",
            "changes": "SELECT round, party, entity, row_id, field, old, new, submission, at "
            "FROM changes ORDER BY id",
            "submissions": "SELECT sha256, round, party, original_name, received_at, verdict, "
            "blocking, findings, status, saved_at FROM submissions "
            "ORDER BY round, received_at, sha256",
            "merge_results": f"SELECT {columns(MergeResult)} FROM merge_results "
            "ORDER BY round, party",
            "issued": "SELECT round, party, fingerprint, file_name, sha256 FROM issued "
            "ORDER BY round, party",
            "rounds": "SELECT round, merged_at IS NOT NULL FROM rounds ORDER BY round",
            "carried": "SELECT round, entity, row_id, field, from_year, to_year, dwellings "
            "FROM carried ORDER BY round, entity, row_id, field, from_year",
            "checked_rows": "SELECT sha256, round, party, rows FROM checked_rows "
            "ORDER BY round, party, sha256",
            "issued_layouts": "SELECT * FROM issued_layouts ORDER BY fingerprint",
            "feedback": "SELECT party, name, sha256 FROM seen_files WHERE etag = "
            f"'{FEEDBACK_ETAG}' ORDER BY party, name, sha256",
            "journal": "SELECT round, work FROM journal ORDER BY round",
        }
        return {name: [tuple(r) for r in self.db.execute(sql)] for name, sql in queries.items()}
