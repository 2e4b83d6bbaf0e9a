"""The check's shortcuts give what the long way gives.

- The in-Excel script issued with a workbook is taken from the archived copy of that workbook
  (its issue record's hash) instead of being made again from the whole monitor per file.
- The issued rows a submission is compared with are worked out once per monitor table.
- pandera runs only on a sheet where some value fails a check (``validate(screen=...)``).
"""

from __future__ import annotations

import random
from pathlib import Path

from test_merge import DEVELOPER, session  # noqa: F401  (fixture)

from pipeline.demo.simulation import MISTAKES, Cast, fill_in
from pipeline.stages.check import _issued_copy, _issued_script, check_bytes
from pipeline.stages.identity import IssueLookup
from pipeline.stages.session import Session
from pipeline.state.archive import Archive
from pipeline.state.database import State
from pipeline.validation import Context, validate
from pipeline.validation.schema import _base_record, _base_records
from pipeline.workbook import lite, package, read_submission, script_for


def test_the_issued_script_is_the_archived_one_and_the_one_made_again(
    session: Session,  # noqa: F811
) -> None:
    config, state = session.config, session.state
    region, monitor = state.region(), state.monitor(config.round)
    records = state.issued(config.round)
    assert len(records) == 3
    for record in records:
        data = session.storage.get_party_file(region.party(record.party), record.file_name)
        kept = session.archive.kept(record.sha256, record.file_name)
        assert kept == data
        layout = state.issued_layout(record.fingerprint)
        assert layout is not None
        assert _issued_copy(state, session.archive, layout) == kept
        assert _issued_copy(state, None, layout) is None
        context = Context(
            config.catalogue, config.round, region, region.party(record.party), monitor
        )
        archived = _issued_script(config, kept, layout, context)
        made = _issued_script(config, None, layout, context)
        assert archived == made == script_for(layout, config, region, monitor)
        assert archived == lite.embedded(data)
        fast = check_bytes(config, state, data, record.file_name, record.party, session.archive)
        slow = check_bytes(config, state, data, record.file_name, record.party)
        assert fast.findings == slow.findings
        assert fast.validation == slow.validation
        # A clean file's feedback marks nothing, so it needs no script; findings bring it.
        assert fast.script == slow.script == (archived if fast.findings else None)
        wrong = _with_changed_script(data)
        marked = check_bytes(config, state, wrong, record.file_name, record.party, session.archive)
        assert marked.findings and marked.script == archived
    # No archived copy (issued without an archive): the script is made again, the same one.
    empty = Archive(session.config.paths.archive.parent / "elders")
    record = records[0]
    data = session.storage.get_party_file(region.party(record.party), record.file_name)
    wrong = _with_changed_script(data)
    again = check_bytes(config, state, wrong, record.file_name, record.party, empty)
    assert again.findings and again.script == lite.embedded(data)


def _with_changed_script(data: bytes) -> bytes:
    """The workbook with its in-Excel script edited: a finding, so feedback that needs one."""
    script = lite.embedded(data)
    assert script is not None
    return lite.embed(data, lite.LiteScript(script.main_py + "\n# eigen", script.requirements))


def test_a_changed_script_is_still_noted_against_the_archived_one(
    session: Session,  # noqa: F811
) -> None:
    config, state = session.config, session.state
    (record,) = state.issued(config.round, DEVELOPER)
    data = session.storage.get_party_file(state.region().party(DEVELOPER), record.file_name)
    script = lite.embedded(data)
    assert script is not None
    changed = lite.embed(data, lite.LiteScript(script.main_py + "\n# eigen", script.requirements))
    report = check_bytes(config, state, changed, record.file_name, DEVELOPER, session.archive)
    assert [f.code for f in report.findings] == ["check-script-changed"]
    assert report.script == script  # the feedback gets the issued one back
    # The part's stored bytes tell the same script without inflating it; any change tells not.
    assert lite.same_script_part(data, data)
    assert not lite.same_script_part(changed, data)
    assert not lite.same_script_part(b"geen zip", data)
    # The same script stored another way (deflated again, as an app saving it would) is still
    # the issued one: read and compared as a script, no note.
    again = lite.embed(data, script)
    resaved = package.replaced(
        again,
        {
            lite.WEBEXTENSION: package.deflated(
                lite.WEBEXTENSION, lite.embedded_part(again) or b"", level=1
            )
        },
    )
    assert not lite.same_script_part(resaved, data) and lite.embedded(resaved) == script
    # Our own copy tells its part's content from its directory: the same bytes only.
    part = lite.embedded_part(data) or b""
    assert lite.holds_part(data, part) and lite.holds_part(resaved, part)
    assert not lite.holds_part(data, part[:-1] + b"!") and not lite.holds_part(data, part + b" ")
    assert not lite.holds_part(b"geen zip", part)
    quiet = check_bytes(config, state, resaved, record.file_name, DEVELOPER, session.archive)
    assert quiet.findings == [] and quiet.script is None


def test_issued_rows_worked_out_once_are_the_rows_one_by_one(state: State) -> None:
    monitor = state.monitor(state.rounds()[0])
    typed = monitor.projects.convert_dtypes()  # a frame of typed columns: the row-by-row way
    assert any(str(dtype) != "object" for dtype in typed.dtypes)
    for table in (monitor.projects, monitor.agreements, typed):
        once = _base_records(table)
        assert once == {row_id: _base_record(table, row_id) for row_id in table.index}
        assert _base_records(table) is once  # kept for the next file
        for row_id, record in once.items():
            slow = _base_record(table, row_id)
            assert [type(v) for v in record.values()] == [type(v) for v in slow.values()]


def _submissions(opened: Session) -> list[tuple[str, str, bytes]]:
    """(party, file name, workbook) as parties hand them in: unchanged, and (one party) filled in
    with each of the demo's mistakes, a project added and withdrawn, another party's cell
    changed."""
    config, state = opened.config, opened.state
    region, monitor = state.region(), state.monitor(config.round)
    out = []
    for record in state.issued(config.round):
        party = region.party(record.party)
        data = opened.storage.get_party_file(party, record.file_name)
        out.append((party.id, record.file_name, data))
        if party.id != DEVELOPER:
            continue
        for number, mistake in enumerate((None, *MISTAKES)):
            roles = Cast(
                responders=(party.id,),
                mistakes={party.id: mistake} if mistake else {},
                cheater=party.id if number == 1 else None,
                adds=(party.id,) if number % 2 else (),
                withdraws=(party.id,) if number == 2 else (),
            )
            filled = fill_in(
                data,
                party=party,
                region=region,
                monitor=monitor,
                catalogue=config.catalogue,
                round_=config.round,
                rng=random.Random(number),
                roles=roles,
            )
            out.append((party.id, record.file_name, filled))
    return out


def test_sheets_screened_past_pandera_get_the_findings_pandera_gives(
    session: Session,  # noqa: F811
) -> None:
    """pandera runs only on sheets where a value fails a check; the findings and rows are those
    of running pandera on every sheet."""
    config, state = session.config, session.state
    screened = run = 0
    for party, name, data in _submissions(session):
        lookup = IssueLookup(state, name, party)
        read = read_submission(Path(name), config, data=data, resolve=lookup)
        assert read.submission is not None
        context = Context(
            config.catalogue,
            config.round,
            state.region(),
            state.region().party(party),
            state.monitor(config.round),
        )
        fast = validate(read.submission, context)
        plain = validate(read.submission, context, screen=False)
        assert fast == plain
        screened += not fast.findings
        run += bool(fast.findings)
    assert screened and run  # both ways were taken


def test_an_archived_submission_is_not_hashed_again(session: Session) -> None:  # noqa: F811
    """The archive keeps a submission under the hash collect worked out; the check takes that
    hash from the record instead of hashing the file again, and a loose file is hashed."""
    import hashlib

    config, state = session.config, session.state
    (record,) = state.issued(config.round, DEVELOPER)
    data = session.storage.get_party_file(state.region().party(DEVELOPER), record.file_name)
    known = "0" * 64  # what our record says, taken as it is
    told = check_bytes(config, state, data, record.file_name, DEVELOPER, session.archive, known)
    assert told.sha256 == known
    loose = check_bytes(config, state, data, record.file_name, DEVELOPER, session.archive)
    assert loose.sha256 == hashlib.sha256(data).hexdigest()
    assert told.findings == loose.findings and told.validation == loose.validation
