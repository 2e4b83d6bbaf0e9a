"""The tools of a hostile party, and a round to use them on.

Every hostile file starts from a workbook planmonitor really issued, changed the way a party
with Excel (or a script) could change it: hidden sheets edited, sheets and columns moved, ids
typed, formulas and links pasted, the package itself re-packed.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import make_config

from pipeline.core.config import Config
from pipeline.core.layout import SHEET_META, SHEET_NEW, SHEET_OWN, metadata_from_rows, metadata_rows
from pipeline.demo.simulation import EditedWorkbook
from pipeline.stages.collect import collect
from pipeline.stages.issue import issue_round
from pipeline.stages.session import Session, open_session

DEVELOPER, OTHER = "P039", "P031"  # a developer and a housing association of the demo region

NEW_PROJECT = {
    "name": "Elst Spoorzone Zuid",
    "municipality": "Overbetuwe",
    "total_dwellings": 30,
    "planning_2028": 30,
    "social_rent": 30,
    "multi_family": 30,
    "phase": "initiatief",
    "stoplight": "groen",
}


class Clock:
    """Times one second apart, so the order of received files is certain."""

    def __init__(self, start: int = 0) -> None:
        self.tick = start

    def __call__(self) -> str:
        self.tick += 1
        return f"2026-12-01T{10 + self.tick // 3600:02d}:{self.tick // 60 % 60:02d}:{self.tick % 60:02d}+00:00"


def issue_three(session: Session) -> list[str]:
    """Issue the round to the developer, the housing association and the developer's municipality."""
    monitor = session.state.monitor(session.config.round)
    code = monitor.projects[monitor.projects["initiator"] == DEVELOPER]["municipality"].iloc[0]
    municipality = session.state.region().municipality_party(code)
    assert municipality is not None
    parties = [DEVELOPER, OTHER, municipality.id]
    issue_round(
        session.config, session.state, session.storage, party_ids=parties, archive=session.archive
    )
    return parties


def issued(session: Session, party_id: str) -> bytes:
    """The bytes of the workbook planmonitor issued to a party this round."""
    party = session.state.region().party(party_id)
    name = session.state.issued(session.config.round, party_id)[0].file_name
    return session.storage.get_party_file(party, name)


def submit(session: Session, party_id: str, data: bytes, name: str = "ingevuld.xlsx") -> None:
    """Put a file in a party's folder, as the party would."""
    session.storage.put_party_file(session.state.region().party(party_id), name, data)


def edited(session: Session, data: bytes, change: Callable[[EditedWorkbook], None]) -> bytes:
    book = EditedWorkbook(data, session.config.catalogue, session.config.round)
    change(book)
    return book.save()


def forge_metadata(
    session: Session, data: bytes, change: Callable[[dict[str, Any]], None]
) -> bytes:
    """Rewrite the very-hidden metadata sheet; ``change`` gets it with 'sheets' as a list.

    The workbook is saved as handed in, as a party that means it to count would.
    """
    edited = EditedWorkbook(data, session.config.catalogue, session.config.round)
    ws = edited.book[SHEET_META]
    meta: dict[str, Any] = metadata_from_rows([[c.value for c in r] for r in ws.iter_rows()])
    meta["sheets"] = json.loads(meta["sheets"])
    change(meta)
    meta["sheets"] = json.dumps(meta["sheets"], ensure_ascii=False)
    ws.delete_rows(1, ws.max_row)
    for row in metadata_rows(meta):
        ws.append(row)
    return edited.save()


def sheet_of(meta: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in meta["sheets"] if s["name"] == name)


def repack(data: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    """The same package with each part passed through ``change(name, content)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, change(info.filename, source.read(info)))
    return out.getvalue()


def prepare_round(base: Path, database: Path) -> Config:
    """A round issued to three parties; two edit (one adds a project), and all is collected."""
    config = make_config(base)
    config.paths.database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(database, config.paths.database)
    with open_session(config) as session:
        issue_three(session)
        monitor = session.state.monitor(session.config.round)
        own = [str(i) for i in monitor.projects.index[monitor.projects["initiator"] == DEVELOPER]]

        def developer(book: EditedWorkbook) -> None:
            row = book.row_of(SHEET_OWN, own[0])
            assert row is not None
            book.set(SHEET_OWN, row, "stoplight", "rood")
            book.set(SHEET_OWN, row, "stoplight_explanation", "Netcongestie")
            for key, value in NEW_PROJECT.items():
                book.set(SHEET_NEW, 3, key, value)

        submit(session, DEVELOPER, edited(session, issued(session, DEVELOPER), developer))
        submit(
            session,
            OTHER,
            edited(
                session, issued(session, OTHER), lambda b: b.set(SHEET_OWN, 3, "stoplight", "geel")
            ),
        )
        collect(session, clock=Clock())
        session.state.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return config


def copy_round(prepared: Path, target: Path) -> Config:
    """A private copy of a prepared round."""
    shutil.copytree(prepared, target)
    return make_config(target)
