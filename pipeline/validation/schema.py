"""Validation of a submission: types, cross-field rules and ownership, as findings.

Pure pandas and pandera on a :class:`~pipeline.submission.Submission`; no workbook library, so
the same checks can run inside Excel later. The order:

1. per cell, a pandera schema built from the catalogue (lazy: all problems at once), reported
   only for cells the party owns;
2. per row, cross-field rules (pandera DataFrame checks on the typed values);
3. ownership: every cell is compared with what was issued; a change to a cell the party does not
   own is a ``not-owner`` finding, also when sheet protection was removed.

The result also carries the typed values of every row, marked blocked or not, for the merge.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import weakref
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ..core import (
    DEFAULT_MAX_NEW_PROJECTS,
    ID_COLUMN,
    SHEET_NEW,
    Catalogue,
    Column,
    Entity,
    Field,
    Finding,
    Monitor,
    Party,
    Region,
    Round,
    SheetData,
    Submission,
    column_letter,
    finding,
    formatting,
    messages,
    new_project_columns,
    none_if_missing,
    owned_columns,
    owners,
    plain_rows,
    values,
)
from .rules import Rule, project_rules

NEW_ROW_PREFIX = "nieuw-"


@dataclass(frozen=True)
class Context:
    """What a submission is checked against: the issued monitor and who sent it."""

    catalogue: Catalogue
    round: Round
    region: Region
    party: Party
    base: Monitor
    max_findings: int = 500
    max_new_projects: int = DEFAULT_MAX_NEW_PROJECTS


@dataclass
class RowOutcome:
    """The typed values of one submitted row, and whether a blocking finding holds it back."""

    entity: Entity
    row_id: str  # the permanent id, or "nieuw-<excel row>" for a new project
    sheet: str
    excel_row: int
    values: dict[str, Any]  # owned columns only, typed, region lists as codes
    blocked: bool = False
    # the row as the party knows it ("project PRJ-0012 Arnhem Noord"); for messages only
    label: str = field(default="", compare=False)

    @property
    def is_new(self) -> bool:
        return self.row_id.startswith(NEW_ROW_PREFIX)


def rows_to_json(rows: list[RowOutcome]) -> str:
    """Row outcomes as JSON text, for the state; dates tagged so they come back as dates."""
    return json.dumps(
        [[r.entity, r.row_id, r.sheet, r.excel_row, r.blocked, r.values] for r in rows],
        ensure_ascii=False,
        default=_tagged,
    )


def rows_from_json(text: str) -> list[RowOutcome]:
    """The row outcomes back from :func:`rows_to_json`, equal to what was stored."""
    return [
        RowOutcome(entity, row_id, sheet, int(excel_row), dict(values), bool(blocked))
        for entity, row_id, sheet, excel_row, blocked, values in json.loads(
            text, object_hook=_untagged
        )
    ]


DATE_TAG = "$date"  # as the state encodes a date


def _tagged(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return {DATE_TAG: value.isoformat()}
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"{value!r} is not a monitor value")


def _untagged(obj: dict[str, Any]) -> Any:
    if set(obj) == {DATE_TAG}:
        return dt.date.fromisoformat(obj[DATE_TAG])
    return obj


@dataclass
class Validation:
    """Findings and row outcomes of one submission."""

    findings: list[Finding] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)

    @property
    def blocking(self) -> bool:
        return any(f.blocking for f in self.findings)


def validate(
    submission: Submission, context: Context, *, screen: bool = True, plain: bool = False
) -> Validation:
    """Check every editable sheet of a submission.

    ``screen`` first tries the values against the checks directly and leaves pandera out where
    nothing fails (most sheets of a round): pandera then would report nothing. ``screen=False``
    runs pandera on every sheet (the same findings, slower).

    An issued row sent back as it was issued gets no finding and the typed values it had: what
    its cells give is worked out once per run (see :class:`_RunMemo`) and such a row is only
    compared with it; the other rows go through every check. ``plain=True`` checks every row
    of every sheet in full, with nothing kept between files (the same result, slower).
    """
    result = Validation()
    memo = None if plain else _run_memo(context)
    for sheet in submission.sheets.values():
        findings, rows = _SheetChecker(submission, sheet, context, screen, memo).run()
        result.findings.extend(findings)
        result.rows.extend(rows)
    result.findings = _capped(result.findings, submission.file_name, context.max_findings)
    return result


def _capped(findings: list[Finding], file_name: str, limit: int) -> list[Finding]:
    findings.sort(key=lambda f: (f.severity != "error", f.sheet or "", f.row or 0))
    if len(findings) <= limit:
        return findings
    kept = findings[:limit]
    kept.append(finding("too-many-findings", file=file_name, limit=limit))
    return kept


class _SheetChecker:
    """Checks one sheet; holds what every step needs."""

    def __init__(
        self,
        submission: Submission,
        sheet: SheetData,
        context: Context,
        screen: bool = True,
        memo: _RunMemo | None = None,
    ) -> None:
        self.submission = submission
        self.screen = screen
        self.sheet = sheet
        self.context = context
        self.roles = context.catalogue.roles
        self.entity: Entity = sheet.layout.entity
        self.memo = memo  # None: every row checked in full, nothing kept between files
        self.findings: list[Finding] = []
        self.changed: dict[int, set[str]] = {}
        self.records: dict[int, dict[str, Any]] = {}  # the cleaned rows, by Excel row
        self.numbers: list[int] = []  # the Excel rows of the sheet, in order
        self._labels: dict[int, str | None] = {}
        self._label_cells: dict[int, tuple[Any, Any]] | None = None
        self._problems: dict[tuple[str, str, Any], values.Problem | None]
        self._typed_values: dict[tuple[str, str, Any], Any]
        self._sheet_typed: dict[tuple[str, str, Any], Any] = {}
        self._owned_places: dict[frozenset[str], tuple[list[str], list[int]]] = {}
        if memo is None:
            by_key = {c.key: c for c in context.catalogue.columns(self.entity, context.round)}
            self.columns = [by_key[k] for k in sheet.layout.columns if k in by_key]
            self.lists = context.region.lists()
            self._problems = {}
            self._typed_values = self._sheet_typed
        else:
            self.columns = memo.columns(self.entity, tuple(sheet.layout.columns))
            self.lists = memo.lists
            self._problems = memo.problems.setdefault(self.entity, {})
            self._typed_values = memo.typed.setdefault(self.entity, {})

    # -- the steps ----------------------------------------------------------------------------

    def run(self) -> tuple[list[Finding], list[RowOutcome]]:
        keys = [c.key for c in self.columns]
        if self.memo is None:
            self.frame = _cleaned(self.sheet.values, keys)
            self.records = _by_row(self.frame)
            self.numbers = list(self.records)
        else:
            self._raw_cells(self.memo, keys)
        if not self.sheet.protected:
            self._add("protection-removed")
        if self.sheet.cut_off is not None:  # a flood of rows: nothing of this sheet is taken
            new = self.sheet.layout.name == SHEET_NEW
            self._add(
                "too-many-new-projects" if new else "too-many-rows",
                cell=f"A{self.sheet.cut_off}",
                limit=self.context.max_new_projects
                if new
                else len(self.sheet.layout.row_ids) + self.context.max_new_projects,
            )
            return self.findings, []
        rows = self._new_rows() if self.sheet.layout.name == SHEET_NEW else self._issued_rows()
        if not rows:
            return self.findings, []
        owned = {r.excel_row: r.owned for r in rows}
        # A party hears of problems in cells it did not change, but they never block its row.
        self.changed = {r.excel_row: r.changed for r in rows if r.changed is not None}
        # A row sent back as issued has nothing to report (see _Quiet): the checks see the rest.
        self._cell_checks([r.excel_row for r in rows if r.quiet is None], owned)
        outcomes = [self._outcome(r) for r in rows]
        self._row_rules([o for o, r in zip(outcomes, rows, strict=True) if r.quiet is None], owned)
        blocked = {f.row for f in self.findings if f.blocking}
        for outcome in outcomes:
            outcome.blocked = outcome.excel_row in blocked
        return self.findings, outcomes

    def _issued_rows(self) -> list[_Row]:
        """Match submitted rows to issued rows by id; compare every cell with what was issued."""
        id_key = ID_COLUMN[self.entity]
        base = _base_records(self.context.base.table(self.entity))
        issued = set(self.sheet.layout.row_ids)
        seen: dict[str, int] = {}
        rows: list[_Row] = []
        for row_number in self.numbers:
            row_id = self._row_id(row_number, id_key)
            if row_id not in issued or row_id in seen:
                if any(v is not None for v in self._record(row_number).values()):
                    self._add("unexpected-row", cell=f"A{row_number}", row=row_number, value=row_id)
                continue
            seen[row_id] = row_number
            base_row = dict(base.get(row_id, {}))
            base_row[id_key] = row_id
            owned = self._owned(base_row)
            quiet = self._quiet(row_number, row_id, base_row)
            if quiet is not None:
                rows.append(_Row(row_number, row_id, owned, base_row, set(), quiet))
                continue
            row = self._record(row_number)
            self._ownership(row, row_number, row_id, base_row, owned)
            changed = {
                c.key
                for c in self.columns
                if c.key in owned and not self._same(c, row.get(c.key), base_row.get(c.key))
            }
            rows.append(_Row(row_number, row_id, owned, base_row, changed))
        for row_id in self.sheet.layout.row_ids:
            if row_id not in seen:
                self._add("row-removed", row_id=row_id)
        return rows

    def _new_rows(self) -> list[_Row]:
        party = self.context.party
        # What a new project may carry comes from the catalogue and the party, not the sheet.
        allowed = {
            c.key for c in new_project_columns(self.context.catalogue, self.context.round, party)
        }
        fillable = {c.key for c in self.columns} & allowed
        rows = []
        roles = self.roles
        names = _names(self.context.base.projects, roles.name)
        for row_number in self.numbers:
            row = self._record(row_number)
            if all(v is None for v in row.values()):
                continue
            base_row = {roles.initiator: party.id}
            rows.append(_Row(row_number, f"{NEW_ROW_PREFIX}{row_number}", fillable, base_row))
            typed_id = row.get(ID_COLUMN["project"])
            if typed_id is not None:  # ids are the secretary's: the merge assigns one
                self._add(
                    "new-project-id-ignored",
                    row=row_number,
                    key=ID_COLUMN["project"],
                    value=typed_id,
                )
            name = row.get(roles.name)
            existing = (
                names.get(str(name).strip().casefold()) if not values.is_empty(name) else None
            )
            if existing is not None:
                self._add(
                    "new-project-duplicate",
                    row=row_number,
                    key=roles.name,
                    value=name,
                    existing=existing,
                )
            shown = row.get(roles.municipality)
            if party.municipality_code is not None and not values.is_empty(shown):
                code = self.context.region.code("@municipalities", shown)
                if code != party.municipality_code:
                    self._add(
                        "new-project-other-municipality",
                        row=row_number,
                        value=shown,
                        cell=self._cell(row_number, roles.municipality),
                    )
        return rows

    def _cell_checks(self, numbers: list[int], owned: Mapping[int, AbstractSet[str]]) -> None:
        """Types, lists, bounds and required values of these rows, via pandera; only owned cells
        count."""
        columns = self.columns
        if self.memo is not None and self.screen:
            # pandera on the columns where a value fails: the others would give no failure case
            failing = self._failing_columns(numbers)
            columns = [c for c in self.columns if c.key in failing]
        if columns and not (
            self.memo is None and self.screen and not self._failing_columns(numbers)
        ):
            schema = pa.DataFrameSchema(
                {
                    c.key: pa.Column(
                        object,
                        checks=self._type_checks(c),
                        nullable=not c.field.required,
                        required=False,
                    )
                    for c in columns
                },
                strict=False,
            )
            try:
                schema.validate(self._frame(numbers), lazy=True)
            except pa.errors.SchemaErrors as errors:
                self._translate(errors.failure_cases, owned)
        for row_number, key in sorted(self.sheet.formulas):
            if key in owned.get(row_number, set()):
                self._add(
                    "formula-not-allowed",
                    row=row_number,
                    key=key,
                    value=self.sheet.values.at[row_number, key],
                )
        keys = [c.key for c in self.columns]
        for number in numbers:
            row, mine = self.records[number], owned.get(number, set())
            for key in keys:  # in column order (a set's order changes from process to process)
                if key not in mine:
                    continue
                raw = row.get(key)
                if values.looks_like_formula(raw) and (number, key) not in self.sheet.formulas:
                    self._add(
                        "text-looks-like-formula",
                        row=number,
                        key=key,
                        value=raw,
                        prefix=_prefix_name(str(raw)[0]),
                    )

    def _failing_columns(self, numbers: list[int]) -> set[str]:
        """The columns with a cell in these rows that fails a check of the cell schema: a value
        with a problem of its column's checks (empty cells are not checked), or an empty cell in
        a required column. (The cleaned frame holds every column, as objects: the schema's type
        check holds.)"""
        failing: set[str] = set()
        for column in self.columns:
            key, required, codes = (
                column.key,
                column.field.required,
                values.PROBLEMS[column.field.type],
            )
            for number in numbers:
                raw = self.records[number][key]
                if none_if_missing(raw) is None:
                    if required:
                        failing.add(key)
                        break
                    continue
                problem = self._problem(column, raw)
                if problem is not None and problem[0] in codes:
                    failing.add(key)
                    break
        return failing

    def _problem(self, column: Column, raw: Any) -> values.Problem | None:
        """The problem of a non-empty cell value, worked out once per column and value."""
        key = (column.key, type(raw).__name__, raw)
        try:
            return self._problems[key]
        except KeyError:
            choices = self.context.catalogue.choices(column.field, self.lists)
            problem = self._problems[key] = values.check(column, raw, choices)
            return problem
        except TypeError:  # an unhashable value cannot be kept
            return values.check(
                column, raw, self.context.catalogue.choices(column.field, self.lists)
            )

    def _type_checks(self, column: Column) -> list[pa.Check]:
        """One named check per finding code a cell of this column can get: pandera's failure
        cases then carry our code in their ``check`` column."""

        def passes(code: str) -> Callable[[Any], bool]:
            def fine(raw: Any) -> bool:
                problem = self._problem(column, raw)
                return problem is None or problem[0] != code

            return fine

        return [
            pa.Check(passes(code), element_wise=True, ignore_na=True, name=code)
            for code in values.PROBLEMS[column.field.type]
        ]

    def _translate(self, cases: pd.DataFrame, owned: Mapping[int, AbstractSet[str]]) -> None:
        done: set[tuple[int, str]] = set()
        by_key = {c.key: c for c in self.columns}
        for case in cases.itertuples(index=False):
            key, index = str(case.column), case.index
            if index is None or (isinstance(index, float) and math.isnan(index)):
                continue
            row_number = int(str(index))
            if key not in owned.get(row_number, set()) or (row_number, key) in done:
                continue
            if (row_number, key) in self.sheet.formulas:
                continue  # reported as formula-not-allowed
            done.add((row_number, key))
            unchanged = self._unchanged(row_number, {key})
            if case.check == "not_nullable":
                self._add("required-value-missing", row=row_number, key=key, unchanged=unchanged)
                continue
            problem = self._problem(by_key[key], case.failure_case)
            details = problem[1] if problem is not None and problem[0] == case.check else {}
            self._add(
                str(case.check),
                row=row_number,
                key=key,
                value=case.failure_case,
                unchanged=unchanged,
                **details,
            )

    def _outcome(self, row: _Row) -> RowOutcome:
        sheet = self.sheet.layout.name
        if row.quiet is not None:  # no formula in the row: every owned cell, as issued
            keys, at = self._owned_at(row.owned)
            kept = dict(zip(keys, map(row.quiet.typed.__getitem__, at), strict=True))
            label = row.quiet.label or row.row_id
            return RowOutcome(self.entity, row.row_id, sheet, row.excel_row, kept, label=label)
        typed: dict[str, Any] = {}
        source = self.records[row.excel_row]
        for column in self.columns:
            if column.key not in row.owned or (row.excel_row, column.key) in self.sheet.formulas:
                continue
            typed[column.key] = self._typed(column, source.get(column.key))
        return RowOutcome(
            self.entity,
            row.row_id,
            sheet,
            row.excel_row,
            typed,
            label=self._row_label(row.excel_row) or row.row_id,
        )

    def _typed(self, column: Column, raw: Any) -> Any:
        """The monitor value of a cell, worked out once per column and value (in a run, once
        per sheet for values equal to others that give another monitor value)."""
        if raw is None:
            return None
        key = (column.key, type(raw).__name__, raw)
        kept = self._typed_values if _alike(raw) else self._sheet_typed
        try:
            return kept[key]
        except KeyError:
            typed = kept[key] = self._typed_once(column, raw)
            return typed
        except TypeError:  # an unhashable value cannot be kept
            return self._typed_once(column, raw)

    def _typed_once(self, column: Column, raw: Any) -> Any:
        if self._problem(column, raw) is not None:
            return None
        value = values.to_value(
            column, raw, self.context.catalogue.choices(column.field, self.lists)
        )
        if column.field.choices and column.field.choices.startswith("@"):
            value = self.context.region.code(column.field.choices, value)
        return value

    def _row_rules(self, outcomes: list[RowOutcome], owned: Mapping[int, AbstractSet[str]]) -> None:
        """Cross-field rules on these typed rows, as pandera DataFrame checks. Every rule looks
        at one row at a time; which rules a sheet gets depends on what the party owns in any of
        its rows (``owned``)."""
        if self.entity != "project" or not outcomes:
            return
        merged = []
        for outcome in outcomes:
            row = dict(self._base_for(outcome))
            row.update(outcome.values)
            row["_row"] = outcome.excel_row
            merged.append(row)
        all_rules = (
            project_rules(self.context.catalogue, self.columns, self.context.round)
            if self.memo is None
            else self.memo.rules(self.columns)
        )
        anywhere: set[str] = set().union(*owned.values())
        rules = [r for r in all_rules if r.columns & anywhere]
        checked = rules
        if self.memo is not None and self.screen:  # pandera on the rules that do not hold
            checked = [r for r in rules if not _all_hold([r], merged)]
            if not checked:
                return
        typed = pd.DataFrame(merged).set_index("_row")
        if self.memo is not None and self.screen:
            checked = [r for r in checked if not _rules_pass([r], typed)]
            if not checked:
                return
        elif self.screen and _rules_pass(rules, typed):
            return
        # Each check named apart: two rules may share a code (a repeat in any multiple choice
        # is "duplicate-choice"), and each finding belongs at its own rule's cell.
        named = {f"{number}:{r.code}": r for number, r in enumerate(checked)}
        schema = pa.DataFrameSchema(
            checks=[pa.Check(r.passes, name=name) for name, r in named.items()], strict=False
        )
        try:
            schema.validate(typed, lazy=True)
        except pa.errors.SchemaErrors as errors:
            rule_by_code = {r.code: r for r in rules}
            seen: set[tuple[str, int]] = set()
            sums: dict[int, list[tuple[str, dict[str, Any], bool]]] = {}
            for case in errors.failure_cases.itertuples(index=False):
                rule = named.get(str(case.check))
                if rule is None or case.index is None:
                    continue
                row_number = int(case.index)
                if (str(case.check), row_number) in seen or not rule.columns & owned.get(
                    row_number, set()
                ):
                    continue
                seen.add((str(case.check), row_number))
                found = typed.loc[row_number]
                details = rule.details(found if isinstance(found, pd.Series) else found.iloc[0])
                unchanged = self._unchanged(row_number, rule.columns)
                if rule.code in messages.SUM_NAMES:
                    sums.setdefault(row_number, []).append((rule.code, details, unchanged))
                    continue
                self._add(
                    rule.code, row=row_number, key=rule.anchor, unchanged=unchanged, **details
                )
            for row_number, failed in sorted(sums.items()):
                self._sums(row_number, failed, rule_by_code)

    def _sums(
        self,
        row_number: int,
        failed: list[tuple[str, dict[str, Any], bool]],
        rules: dict[str, Any],
    ) -> None:
        """One finding per sum that fails; when several fail on the same total, one finding
        that names them all: one mistake in the total is one mistake, not three."""
        if len(failed) == 1:
            code, details, unchanged = failed[0]
            self._add(code, row=row_number, key=rules[code].anchor, unchanged=unchanged, **details)
            return
        names = [messages.SUM_NAMES[code].format_map(details) for code, details, _ in failed]
        self._add(
            "total-does-not-add-up",
            row=row_number,
            key=rules[failed[0][0]].anchor,
            unchanged=all(unchanged for _, _, unchanged in failed),
            sums=formatting.listing(names),
            total=failed[0][1].get("total", "?"),
        )

    def _unchanged(self, row_number: int, keys: set[str] | frozenset[str]) -> bool:
        """True when the party changed none of these cells of an issued row."""
        changed = self.changed.get(row_number)
        return changed is not None and not (changed & keys)

    def _base_for(self, outcome: RowOutcome) -> dict[str, Any]:
        if outcome.is_new:
            return {}
        return dict(_base_records(self.context.base.table(self.entity)).get(outcome.row_id, {}))

    # -- rows: cleaned, matched, quiet ---------------------------------------------------------

    def _raw_cells(self, memo: _RunMemo, keys: list[str]) -> None:
        """The cells as they are, and where each column's are; a row is cleaned (blank as
        None) only when it is checked in full."""
        self.raw = self.sheet.rows()
        self.numbers = list(self.raw)
        where = {k: i for i, k in enumerate(self.sheet.columns)}
        id_key = ID_COLUMN[self.entity]
        self.positions = [(c, where.get(c.key)) for c in self.columns]
        self.plan = [(c, c.key, c.field.required, at) for c, at in self.positions]
        self.id_position = where.get(id_key) if id_key in keys else None
        self.label_positions = (where.get(id_key), where.get(self.roles.name))
        self.formula_rows = {row for row, _ in self.sheet.formulas}
        self.known = memo.quiet_rows(self.entity, self.sheet.layout.columns, self.positions)
        self.plain_cells = memo.plain_cells.setdefault(self.entity, {})
        self._rules_ok: AbstractSet[str] | None = None
        self.owned_by = memo.owned_by(self.context.party, self.entity, self.columns)

    def _record(self, row_number: int) -> dict[str, Any]:
        """The row's cells by column key, blank as None (cleaned once, when first needed)."""
        row = self.records.get(row_number)
        if row is None:
            raw = self.raw[row_number]
            row = self.records[row_number] = {
                column.key: None if at is None or values.is_empty(raw[at]) else raw[at]
                for column, at in self.positions
            }
        return row

    def _row_id(self, row_number: int, id_key: str) -> str | None:
        if self.memo is None:
            value = self.records[row_number].get(id_key)
        else:
            at = self.id_position
            value = None if at is None else self.raw[row_number][at]
            value = None if values.is_empty(value) else value
        return str(value).strip() if value is not None else None

    def _owned(self, base_row: dict[str, Any]) -> AbstractSet[str]:
        party, region, roles = self.context.party, self.context.region, self.roles
        if self.memo is None:
            return owned_columns(party, self.columns, base_row, region, roles)
        return self.owned_by(base_row)

    def _quiet(self, row_number: int, row_id: str, base_row: dict[str, Any]) -> _Quiet | None:
        """What the row gives when its cells are those of a row found quiet before; None when
        the row must go through every check (always, on the plain path)."""
        if self.memo is None or row_number in self.formula_rows:
            return None
        raw = self.raw[row_number]
        known = self.known
        try:
            quiet = known[(row_id, raw)]
        except KeyError:
            quiet = known[(row_id, raw)] = self._quiet_once(row_id, raw, base_row)
        except TypeError:  # an unhashable value cannot be kept
            return None
        if quiet is None or quiet.types != tuple(map(type, raw)):
            return None
        return quiet

    def _quiet_once(
        self, row_id: str, raw: tuple[Any, ...], base_row: dict[str, Any]
    ) -> _Quiet | None:
        """A row is quiet when every cell holds a plain value without a problem whose monitor
        value is the issued one, of the same type, and the issued project passes every
        cross-field rule. Then no check can report anything, whoever sent it and whatever it
        owns: every cell is the same as issued (no ``not-owner``, nothing changed), no cell has
        a problem, the rows the rules see are the issued rows."""
        if self.entity == "project" and row_id not in self.rules_ok():
            return None
        typed: list[Any] = []
        cells, get = self.plain_cells, base_row.get
        for column, key, required, at in self.plan:
            value = None if at is None else raw[at]
            try:
                monitor_value = cells[key, type(value), value]
            except KeyError:
                monitor_value = cells[key, type(value), value] = self._plain_value(column, value)
            old = get(key)
            if monitor_value is _EMPTY:
                if old is not None or required:
                    return None
                typed.append(None)
            elif (
                monitor_value is _UNSURE
                or type(monitor_value) is not type(old)
                or monitor_value != old
            ):
                return None
            else:
                typed.append(monitor_value)
        return _Quiet(tuple(map(type, raw)), tuple(typed), self._raw_label(raw))

    def _raw_label(self, raw: Sequence[Any]) -> str | None:
        """The label of a row from its cells as they are (its id and name)."""
        id_at, name_at = self.label_positions
        return _label(
            self.entity,
            None if id_at is None else raw[id_at],
            None if name_at is None else raw[name_at],
        )

    def _owned_at(self, owned: AbstractSet[str]) -> tuple[list[str], list[int]]:
        """The owned columns' keys and places among the sheet's columns, in column order."""
        if not isinstance(owned, frozenset):
            return self._places(owned)
        places = self._owned_places.get(owned)
        if places is None:
            places = self._owned_places[owned] = self._places(owned)
        return places

    def _places(self, owned: AbstractSet[str]) -> tuple[list[str], list[int]]:
        at = [i for i, c in enumerate(self.columns) if c.key in owned]
        return [self.columns[i].key for i in at], at

    def rules_ok(self) -> AbstractSet[str]:
        """The issued projects that surely pass every rule of this sheet (see _RunMemo)."""
        if self._rules_ok is None:
            assert self.memo is not None
            self._rules_ok = self.memo.rules_ok(self.columns, self.context.base.projects)
        return self._rules_ok

    def _plain_value(self, column: Column, value: Any) -> Any:
        """What a cell of a quiet row may hold: _EMPTY for an empty cell, its monitor value
        for a plain value without a problem, _UNSURE for anything else (and for a value that
        equals another with another monitor value, such as -0.0 and 0.0: a row found quiet
        then never holds one)."""
        if value is None or values.is_empty(value):
            return _EMPTY
        if type(value) not in _PLAIN_TYPES or not _alike(value):
            return _UNSURE
        if values.looks_like_formula(value) or self._problem(column, value) is not None:
            return _UNSURE
        return self._typed(column, value)

    def _frame(self, numbers: list[int]) -> pd.DataFrame:
        """The cleaned rows as pandera checks them: every column, as objects."""
        if self.memo is None:
            return self.frame.loc[numbers]
        return pd.DataFrame(
            [list(self.records[n].values()) for n in numbers],
            columns=[c.key for c in self.columns],
            index=pd.Index(numbers, dtype="int64", name=self.sheet.values.index.name),
            dtype=object,
        )

    # -- ownership ----------------------------------------------------------------------------

    def _ownership(
        self,
        row: dict[str, Any],
        row_number: int,
        row_id: str,
        base_row: dict[str, Any],
        owned: AbstractSet[str],
    ) -> None:
        for column in self.columns:
            if column.key in owned:
                continue
            raw = row.get(column.key)
            old = base_row.get(column.key)
            if (row_number, column.key) not in self.sheet.formulas and self._same(column, raw, old):
                continue
            holders = owners(column.field, base_row, self.context.region, self.roles)
            owner = (
                ", ".join(sorted(self.context.region.party(p).name for p in holders))
                or "het secretariaat"
            )
            self._add(
                "not-owner",
                row=row_number,
                key=column.key,
                value=raw,
                row_id=row_id,
                old=messages.show_value(self._shown(column, old)),
                owner=owner,
            )

    def _same(self, column: Column, raw: Any, old: Any) -> bool:
        if values.is_empty(raw):
            return old is None or old == ""
        typed = self._typed(column, raw)
        if typed is None:
            return False
        if isinstance(typed, float) or isinstance(old, float):
            try:
                return math.isclose(float(typed), float(old), abs_tol=1e-9)
            except (TypeError, ValueError):
                return False
        if isinstance(typed, str) and isinstance(old, str):
            return typed.strip() == old.strip()
        return bool(typed == old)

    def _shown(self, column: Column, value: Any) -> Any:
        if column.field.choices and column.field.choices.startswith("@"):
            return self.context.region.display(column.field.choices, value)
        return values.to_cell(column, value)

    # -- findings -----------------------------------------------------------------------------

    def _cell(self, row_number: int, key: str) -> str:
        return f"{column_letter(self.sheet.layout.column_index(key))}{row_number}"

    def _add(
        self,
        code: str,
        *,
        row: int | None = None,
        key: str | None = None,
        cell: str | None = None,
        unchanged: bool = False,
        **details: Any,
    ) -> None:
        label = None
        if key is not None:
            label = next((c.label for c in self.columns if c.key == key), key)
            cell = cell or (self._cell(row, key) if row is not None else None)
        found = finding(
            code,
            party=self.context.party.id,
            file=self.submission.file_name,
            sheet=self.sheet.layout.name,
            cell=cell,
            field=label,
            row=row,
            **details,
        )
        label = self._row_label(row) if row is not None else None
        if label and row is not None:
            found = replace(found, message=_with_row_label(found.message, row, label))
        if unchanged and found.blocking:
            found = replace(
                found, severity="warning", message=found.message + messages.UNCHANGED_NOTE
            )
        self.findings.append(found)

    def _row_label(self, row: int) -> str | None:
        """The row as the party knows it: "project PRJ-0012 Arnhem Noord", "nieuw project
        'De Akkers'", "afspraak 1.03"; None for a row without id or name."""
        if row not in self._labels:
            self._labels[row] = self._label_of(row)
        return self._labels[row]

    def _label_of(self, row: int) -> str | None:
        if self.memo is not None:
            raw = self.raw.get(row)
            return None if raw is None else self._raw_label(raw)
        if self._label_cells is None:  # the id and name of every row, taken out once
            frame = self.sheet.values

            def cells(key: str) -> list[Any]:
                return frame[key].tolist() if key in frame.columns else [None] * len(frame)

            pairs = zip(
                cells(ID_COLUMN[self.entity]), cells(self.context.catalogue.roles.name), strict=True
            )
            self._label_cells = dict(zip(frame.index, pairs, strict=True))
        if row not in self._label_cells:
            return None
        return _label(self.entity, *self._label_cells[row])


def _label(entity: Entity, row_id: Any, name: Any) -> str | None:
    """A row as the party knows it, from the cells of its id and name."""

    def text(value: Any) -> str:
        return "" if values.is_empty(value) else str(value).strip()

    row_id, name = text(row_id), text(name)
    if entity == "agreement":
        return f"afspraak {row_id}" if row_id else None
    if row_id and name:
        return f"project {row_id} {name}"
    if name:
        return f"nieuw project '{name}'"
    return f"project {row_id}" if row_id else None


def _rules_pass(rules: list[Any], typed: pd.DataFrame) -> bool:
    """True when every rule holds on every row: a rule's own result, all true. Anything else
    (a false, a missing value, a rule that raises) is left to pandera to report."""
    for rule in rules:
        try:
            result = rule.passes(typed)
        except Exception:  # pandera reports a rule that raises; so it runs
            return False
        if not (isinstance(result, pd.Series) and result.dtype == bool and bool(result.all())):
            return False
    return True


def _all_hold(rules: list[Rule], rows: list[dict[str, Any]]) -> bool:
    """True when every rule surely holds on every row, as ``Rule.holds`` judges one row; every
    row must hold every column a rule reads, so that the rule's frame has them all."""
    needed: set[str] = set().union(*(r.columns for r in rules))
    return all(needed <= row.keys() and all(r.holds(row) for r in rules) for row in rows)


def _with_row_label(message: str, row: int, label: str) -> str:
    """Name the project where the message names its row, or in front of the message."""
    for marker in (f"rij {row}", f"Rij {row}"):
        if marker in message:
            return message.replace(marker, f"{marker} ({label})", 1)
    return f"{label[0].upper()}{label[1:]}, rij {row}: {message}"


@dataclass
class _Row:
    excel_row: int
    row_id: str
    owned: AbstractSet[str]
    base: dict[str, Any]
    changed: set[str] | None = None  # owned cells that differ from what was issued; None: new row
    quiet: _Quiet | None = None  # sent back as issued: nothing to check (see _Quiet)


@dataclass(frozen=True)
class _Quiet:
    """What an issued row gives when its cells hold these values of these types: no finding,
    and these monitor values (one per column of the sheet's checks)."""

    types: tuple[type, ...]  # of the cells as read: 1, 1.0 and True are equal, not the same
    typed: tuple[Any, ...]
    label: str | None


_PLAIN_TYPES = frozenset({str, int, float, bool, dt.datetime, dt.date})  # what readers give
_EMPTY, _UNSURE = object(), object()


def _alike(value: Any) -> bool:
    """False for a value equal to another of its type that gives another monitor value
    (-0.0 and 0.0; datetimes with a time zone, equal at different dates): such a value's
    monitor value is never kept beyond its sheet."""
    if type(value) is float:
        return value != 0
    if isinstance(value, dt.datetime):
        return value.tzinfo is None
    return True


class _RunMemo:
    """What a run works out once for every file it checks against the same issued monitor (a
    run checks all files of a round, in each worker process): the problem and monitor value of
    each value of each column, the columns each party owns in each kind of row, the issued rows
    found quiet (:class:`_Quiet`) by the cells they were sent back with, and which issued
    projects pass every cross-field rule."""

    def __init__(self, catalogue: Catalogue, round_: Round, region: Region, base: Monitor) -> None:
        self.catalogue, self.round, self.region, self.base = catalogue, round_, region, base
        self.lists = region.lists()
        self.problems: dict[Entity, dict[tuple[str, str, Any], values.Problem | None]] = {}
        self.typed: dict[Entity, dict[tuple[str, str, Any], Any]] = {}
        self.plain_cells: dict[Entity, dict[tuple[str, type, Any], Any]] = {}
        self._columns: dict[tuple[Entity, tuple[str, ...]], list[Column]] = {}
        self._owned: dict[tuple[Any, ...], dict[tuple[Any, ...], frozenset[str]]] = {}
        self._quiet: dict[tuple[Any, ...], dict[tuple[str, tuple[Any, ...]], _Quiet | None]] = {}
        self._rules: dict[tuple[str, ...], list[Rule]] = {}
        self._rules_ok: dict[tuple[str, ...], frozenset[str]] = {}

    def serves(self, catalogue: Catalogue, round_: Round, region: Region, base: Monitor) -> bool:
        return (
            self.catalogue is catalogue
            and self.region is region
            and self.base is base
            and self.round == round_
        )

    def columns(self, entity: Entity, layout: tuple[str, ...]) -> list[Column]:
        """The columns a sheet with these column keys is checked by, in the sheet's order."""
        key = (entity, layout)
        if key not in self._columns:
            by_key = {c.key: c for c in self.catalogue.columns(entity, self.round)}
            self._columns[key] = [by_key[k] for k in layout if k in by_key]
        return self._columns[key]

    def owned_by(
        self, party: Party, entity: Entity, columns: list[Column]
    ) -> Callable[[Mapping[str, Any]], frozenset[str]]:
        """``owned_columns`` of a party in rows of a sheet of these columns, kept per what
        ``core.ownership.owners`` reads of a row: its initiator, municipality and pillar."""
        region, roles = self.region, self.catalogue.roles
        initiator, municipality, pillar = roles.initiator, roles.municipality, roles.pillar
        kept = self._owned.setdefault((party, entity, tuple(c.key for c in columns)), {})
        # owners() looks at a field for its kind of owner only: one field of each kind asked
        kinds: dict[str, tuple[Field, list[str]]] = {}
        for column in columns:
            kinds.setdefault(column.field.owner, (column.field, []))[1].append(column.key)

        def found(row: Mapping[str, Any]) -> frozenset[str]:
            return frozenset(
                key
                for field, keys in kinds.values()
                if party.id in owners(field, row, region, roles)
                for key in keys
            )

        def owned(row: Mapping[str, Any]) -> frozenset[str]:
            key = (row.get(initiator), row.get(municipality), row.get(pillar))
            try:
                return kept[key]
            except KeyError:
                kept[key] = found(row)
                return kept[key]
            except TypeError:  # an unhashable value cannot be kept
                return found(row)

        return owned

    def quiet_rows(
        self, entity: Entity, layout: tuple[str, ...], positions: list[tuple[Column, int | None]]
    ) -> dict[tuple[str, tuple[Any, ...]], _Quiet | None]:
        """The rows found quiet or not, by id and cells, for sheets of these columns."""
        key = (entity, layout, tuple((c.key, at) for c, at in positions))
        return self._quiet.setdefault(key, {})

    def rules(self, columns: list[Column]) -> list[Rule]:
        key = tuple(c.key for c in columns)
        if key not in self._rules:
            self._rules[key] = project_rules(self.catalogue, columns, self.round)
        return self._rules[key]

    def rules_ok(self, columns: list[Column], table: pd.DataFrame) -> frozenset[str]:
        """The issued projects that surely pass every cross-field rule of a sheet of these
        columns, as their issued row (every rule looks at one row at a time)."""
        key = tuple(c.key for c in columns)
        if key not in self._rules_ok:
            self._rules_ok[key] = _passing(self.rules(columns), table, key)
        return self._rules_ok[key]


def _passing(rules: list[Rule], table: pd.DataFrame, keys: tuple[str, ...]) -> frozenset[str]:
    """The ids of the issued rows every rule surely holds on (``Rule.holds``), with the sheet's
    columns the table lacks as empty, as a quiet row's typed values would add them."""
    empty = dict.fromkeys(keys)
    return frozenset(
        str(row_id)
        for row_id, record in _base_records(table).items()
        if _all_hold(rules, [{**empty, **record}])
    )


# The memos of the last runs (a worker process keeps its own); each holds what it was made for,
# so an object it names cannot be gone and another take its place.
_MEMOS: list[_RunMemo] = []


def _run_memo(context: Context) -> _RunMemo:
    return _memo_for(context.catalogue, context.round, context.region, context.base)


def _memo_for(catalogue: Catalogue, round_: Round, region: Region, base: Monitor) -> _RunMemo:
    for memo in _MEMOS:
        if memo.serves(catalogue, round_, region, base):
            return memo
    memo = _RunMemo(catalogue, round_, region, base)
    _MEMOS.insert(0, memo)
    del _MEMOS[2:]
    return memo


def prepare(catalogue: Catalogue, round_: Round, region: Region, monitor: Monitor) -> None:
    """Work out what checking any file of the round against this monitor needs first (the
    issued rows by id, which issued projects pass every rule), once: called before worker
    processes start, each gets it made; without the call, the first file a process checks
    makes it. Validation gives the same either way."""
    memo = _memo_for(catalogue, round_, region, monitor)
    for entity in ("project", "agreement"):
        _base_records(monitor.table(entity))  # type: ignore[arg-type]
    layout = tuple(c.key for c in catalogue.columns("project", round_))
    memo.rules_ok(memo.columns("project", layout), monitor.projects)
    # pandera sets up its backends on its first check: here, not in every worker
    pa.DataFrameSchema({"x": pa.Column(object)}).validate(pd.DataFrame({"x": ["x"]}, dtype=object))


def _by_row(frame: pd.DataFrame) -> dict[int, dict[str, Any]]:
    """The rows of a sheet's frame as dicts, by Excel row number, values as they are."""
    keys = [str(k) for k in frame.columns]
    return {
        int(number): dict(zip(keys, row, strict=True))
        for number, row in zip(frame.index, frame.itertuples(index=False, name=None), strict=True)
    }


# What is worked out from an issued table once, for every submission checked against it: a
# run checks all files of a round against one monitor. Keyed by the table's identity, and only
# while that table lives.
_PER_TABLE: dict[tuple[int, str], tuple[weakref.ref[pd.DataFrame], Any]] = {}


def _per_table(table: pd.DataFrame, what: str, make: Callable[[pd.DataFrame], Any]) -> Any:
    key = (id(table), what)
    kept = _PER_TABLE.get(key)
    if kept is not None and kept[0]() is table:
        return kept[1]
    value = make(table)
    _PER_TABLE[key] = (weakref.ref(table, lambda _: _PER_TABLE.pop(key, None)), value)
    return value


def _base_records(table: pd.DataFrame) -> Mapping[str, Mapping[str, Any]]:
    """Every issued row as a dict by id, empty cells as None (callers must not change them)."""
    records: Mapping[str, Mapping[str, Any]] = _per_table(table, "records", _records_of)
    return records


def _records_of(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    if not all(dtype == object for dtype in table.dtypes):  # noqa: E721  (typed frames: per row)
        return {i: _base_record(table, i) for i in table.index}
    keys = [str(k) for k in table.columns]
    return {
        row_id: dict(zip(keys, row, strict=True))
        for row_id, row in zip(table.index, plain_rows(table), strict=True)
    }


def _names(projects: pd.DataFrame, column: str) -> Mapping[str, str]:
    """Every project's id by its name, casefolded: a new project named like one is flagged."""

    def make(table: pd.DataFrame) -> dict[str, str]:
        if column not in table:
            return {}
        return {str(n).strip().casefold(): str(i) for i, n in table[column].items()}

    names: Mapping[str, str] = _per_table(projects, f"names:{column}", make)
    return names


def _base_record(table: pd.DataFrame, row_id: str) -> dict[str, Any]:
    if row_id not in table.index:
        return {}
    row = table.loc[row_id]
    return {str(k): none_if_missing(v) for k, v in row.items()}


def _cleaned(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Blank strings as None, every layout column present, object dtype."""
    cleaned = frame.reindex(columns=keys).astype(object)
    empty = cleaned.map(values.is_empty).astype(bool)
    return cleaned.where(~empty, None)


def _prefix_name(char: str) -> str:
    return {"\t": "een tab", "\r": "een regelterugloop"}.get(char, f"'{char}'")
