"""No party gets a blocking finding about a cell it has not changed.

The monitor a party receives may already hold problems (a secretary's import started with
``init --toch-starten``, or data from before a rule existed). The party hears of them as
warnings; they block its row only once it changes one of the cells involved.
"""

from __future__ import annotations

from collections import Counter

from builders import issued_submission, set_cell

from pipeline.core.config import Config
from pipeline.core.layout import SHEET_OWN
from pipeline.state.database import State
from pipeline.validation.schema import validate


def _developer_with_broken_row(config: Config, state: State) -> tuple[str, str]:
    """A market party and one of its projects whose total no longer matches its planning."""
    monitor = state.monitor(config.round)
    region = state.region()
    counts = Counter(
        p for p in monitor.projects["initiator"] if not region.party(p).is_municipality
    )
    party = counts.most_common(1)[0][0]
    project = str(monitor.projects.index[monitor.projects["initiator"] == party][0])
    # the issued monitor itself is inconsistent (the state's cached frame, for this test only)
    monitor.projects.at[project, "total_dwellings"] += 5
    monitor.projects.at[project, "permit_status"] = None
    return party, project


def test_problems_in_unchanged_cells_are_warnings(config: Config, state: State) -> None:
    party, project = _developer_with_broken_row(config, state)
    submission, context = issued_submission(config, state, party)
    set_cell(submission, SHEET_OWN, project, "stoplight_explanation", "Loopt volgens plan.")
    result = validate(submission, context)
    found = {f.code: f for f in result.findings if f.row_id == project or f.cell}
    # the total (as issued) breaks two sums: one finding names both
    both = found["total-does-not-add-up"]
    assert "planning per jaar" in both.message and "prijssegmenten" in both.message
    assert not any(f.blocking for f in result.findings)
    assert "stond al zo in de werkmap" in both.message
    row = next(r for r in result.rows if r.row_id == project)
    assert not row.blocked
    assert row.values["stoplight_explanation"] == "Loopt volgens plan."


def test_a_changed_cell_in_a_broken_rule_blocks(config: Config, state: State) -> None:
    party, project = _developer_with_broken_row(config, state)
    submission, context = issued_submission(config, state, party)
    total = int(state.monitor(config.round).projects.at[project, "total_dwellings"])
    set_cell(submission, SHEET_OWN, project, "total_dwellings", total + 1)
    result = validate(submission, context)
    blocking = {f.code for f in result.findings if f.blocking}
    assert "total-does-not-add-up" in blocking
    assert next(r for r in result.rows if r.row_id == project).blocked
