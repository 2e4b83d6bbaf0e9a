"""The archive: every received file, immutable under its SHA-256, with what is known of it.

Nothing in the archive is ever overwritten or deleted. Together with the base (the region and
the monitor of the first round) it holds enough to rebuild the whole state (see ``rebuild``)::

    archief/
      basis.json                          region registry and first monitor
      bestanden/<sha256><suffix>          every file received or put in a party folder, by content
      kenmerken/<fingerprint>.json        the plan of every workbook issued (kept before it leaves)
      <round>/uitgifte-<time>.json        what was issued (one file per issue run)
      <round>/ontvangst/<time>-<party>-<sha12>.json   one receipt per received file
      <round>/terugkoppeling/<party>-<sha12>.json     each feedback file written to a party
      <round>/samenvoeging-<time>.json    what a merge used
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..core import (
    DRAFT,
    ENTITIES,
    Monitor,
    Municipality,
    Party,
    Pillar,
    Region,
    Round,
    WorkbookLayout,
    sha256,
    write_atomic,
)
from .database import IssueRecord, SubmissionRecord, decode, encode


@dataclass(frozen=True)
class Receipt:
    """One received file: who sent it, when, and where its bytes are."""

    sha256: str
    round: str
    party: str | None
    original_name: str
    received_at: str
    blob: str  # path relative to the archive folder
    saved_by: str = ""
    saved_at: str = ""  # when the party saved it (the storage's modification time, UTC ISO)
    status: str = ""  # the party's choice in the file: "concept", "ingeleverd" or "" (none)

    def submission(self) -> SubmissionRecord:
        """The state's record of the received file, not checked yet: what ``collect`` stores,
        and ``rebuild`` stores again from the archive."""
        return SubmissionRecord(
            self.sha256,
            self.round,
            self.party,
            self.original_name,
            self.received_at,
            self.blob,
            self.saved_by or None,
            None,
            None,
            None,
            self.status or None,
            self.saved_at or None,
        )


@dataclass(frozen=True)
class MergeRecord:
    round: str
    merged_at: str
    submissions: tuple[str, ...]  # sha256 of the submissions merged, in order applied


def _kept(digest: str, original_name: str) -> str:
    """Where a file is kept: under its hash, with the suffix of its name."""
    suffix = Path(original_name).suffix.lower()[:8] or ".bin"
    return f"bestanden/{digest}{suffix}"


def _stamp(moment: str) -> str:
    return moment.replace(":", "").replace("-", "").replace("+0000", "Z").replace("+00:00", "Z")


class Archive:
    """The archive folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # -- files --------------------------------------------------------------------------------

    def store(self, data: bytes, original_name: str, *, digest: str | None = None) -> str:
        """Keep the bytes under their hash (``digest``, when the caller just worked it out);
        returns the path relative to the archive."""
        relative = _kept(digest or sha256(data), original_name)
        target = self.root / relative
        if not target.exists():
            write_atomic(target, data)
        return relative

    def read(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()

    def kept(self, digest: str, original_name: str) -> bytes | None:
        """The bytes :meth:`store` kept under their hash, or None when it kept none."""
        try:
            return self.read(_kept(digest, original_name))
        except OSError:
            return None

    def receive(
        self,
        data: bytes,
        *,
        round_: Round,
        party: str | None,
        original_name: str,
        received_at: str,
        saved_by: str = "",
        saved_at: str = "",
        status: str = "",
        digest: str | None = None,
    ) -> Receipt:
        """Archive a received file and write its receipt (collect time and save time both); a
        file received before keeps its first receipt, unless it was a draft and now comes
        handed in (the library column): that gets a receipt of its own. ``digest`` is the
        file's SHA-256 when the caller just worked it out."""
        digest = digest or sha256(data)
        known = self._receipts_of(round_, party, digest)
        handed_in = [r for r in known if r.status != DRAFT]
        if known and (status == DRAFT or handed_in):
            self.store(data, original_name, digest=digest)
            return (handed_in or known)[0]
        receipt = Receipt(
            digest,
            str(round_),
            party,
            original_name,
            received_at,
            self.store(data, original_name, digest=digest),
            saved_by,
            saved_at,
            status,
        )
        stem = f"{_stamp(received_at)}-{party or 'onbekend'}-{receipt.sha256[:12]}"
        folder = self.root / str(round_) / "ontvangst"
        path, number = folder / f"{stem}.json", 1
        # The same file may come twice in one second with something else known of it (a draft,
        # then handed in through the library column): each receipt is kept, none overwritten.
        while path.exists() and _read_json(path) != asdict(receipt):
            number += 1
            path = folder / f"{stem}-{number}.json"
        if not path.exists():
            _write_json(path, asdict(receipt))
        return receipt

    def receipt(self, round_: Round, party: str | None, digest: str) -> Receipt | None:
        """The receipt of a file already received from a party this round, if any."""
        known = self._receipts_of(round_, party, digest)
        return known[0] if known else None

    def _receipts_of(self, round_: Round, party: str | None, digest: str) -> list[Receipt]:
        """Every receipt of one file from one party this round, first received first."""
        folder = self.root / str(round_) / "ontvangst"
        found = []
        for path in sorted(folder.glob(f"*-{party or 'onbekend'}-{digest[:12]}*.json")):
            receipt = Receipt(**_read_json(path))
            if receipt.sha256 == digest and receipt.party == party:
                found.append(receipt)
        return found

    def receipts(self, round_: Round | None = None) -> list[Receipt]:
        """All receipts (of one round), in the order received."""
        pattern = f"{round_}/ontvangst/*.json" if round_ else "*/ontvangst/*.json"
        found = [Receipt(**_read_json(p)) for p in self.root.glob(pattern)]
        return sorted(found, key=lambda r: (r.received_at, r.party or "", r.sha256, r.status))

    # -- base, issue and merge records ---------------------------------------------------------

    def write_base(self, region: Region, round_: Round, monitor: Monitor) -> None:
        path = self.root / "basis.json"
        if path.exists():
            return
        _write_json(
            path,
            {
                "region": {
                    "name": region.name,
                    "municipalities": [asdict(m) for m in region.municipalities],
                    "pillars": [asdict(p) for p in region.pillars],
                    "parties": [asdict(p) for p in region.parties],
                },
                "round": str(round_),
                "monitor": {
                    e: [{k: encode(v) for k, v in r.items()} for r in monitor.records(e)]
                    for e in ENTITIES
                },
            },
        )

    def read_base(self) -> tuple[Region, Round, Monitor]:
        data = _read_json(self.root / "basis.json")
        raw = data["region"]
        region = Region(
            raw["name"],
            tuple(Municipality(**m) for m in raw["municipalities"]),
            tuple(Pillar(**p) for p in raw["pillars"]),
            tuple(Party(**{**p, "pillars": tuple(p["pillars"])}) for p in raw["parties"]),
        )
        records = {
            e: [{k: decode(v) for k, v in r.items()} for r in data["monitor"][e]] for e in ENTITIES
        }
        monitor = Monitor.from_records(records["project"], records["agreement"])
        return region, Round.parse(data["round"]), monitor

    def has_base(self) -> bool:
        return (self.root / "basis.json").exists()

    def write_issue(self, round_: Round, records: list[IssueRecord], issued_at: str) -> None:
        _write_json(
            self.root / str(round_) / f"uitgifte-{_stamp(issued_at)}.json",
            [asdict(r) for r in records],
        )

    def issues(self, round_: Round) -> list[IssueRecord]:
        """The latest issue record per party of a round."""
        latest: dict[str, IssueRecord] = {}
        for path in sorted((self.root / str(round_)).glob("uitgifte-*.json")):
            for raw in _read_json(path):
                latest[raw["party"]] = IssueRecord(**raw)
        return [latest[p] for p in sorted(latest)]

    def key(self) -> bytes:
        """The secret that signs planmonitor's own feedback files (made once, kept here)."""
        path = self.root / "sleutel"
        if not path.exists():
            # Made once, atomically: of two processes making it at once, one key wins for both.
            fresh = path.with_name(f".sleutel-{os.getpid()}")
            write_atomic(fresh, os.urandom(32))
            with contextlib.suppress(FileExistsError):
                os.link(fresh, path)
            fresh.unlink()
        return path.read_bytes()

    def write_layout(self, plan: WorkbookLayout) -> None:
        """Keep the plan of a workbook about to be issued, by its fingerprint."""
        path = self.root / "kenmerken" / f"{plan.fingerprint}.json"
        if not path.exists():
            write_atomic(path, plan.to_record().encode("utf-8"))

    def layouts(self) -> list[WorkbookLayout]:
        """Every plan ever issued."""
        found = []
        for path in sorted((self.root / "kenmerken").glob("*.json")):
            plan = WorkbookLayout.from_record(path.read_text(encoding="utf-8"))
            if plan.fingerprint == path.stem:
                found.append(plan)
        return found

    def write_feedback(self, round_: Round, party: str, name: str, data: bytes) -> str:
        """Keep a feedback file planmonitor put in a party's folder, and that it was ours;
        returns its SHA-256."""
        digest = sha256(data)
        self.store(data, name, digest=digest)
        # Two feedback files may hold the same bytes (written in the same second for two
        # submissions with the same findings): each name keeps a record of its own.
        named = sha256(name.encode("utf-8"))[:8]
        path = self.root / str(round_) / "terugkoppeling" / f"{party}-{digest[:12]}-{named}.json"
        _write_json(path, {"party": party, "name": name, "sha256": digest})
        return digest

    def feedback(self, round_: Round) -> list[tuple[str, str, str]]:
        """The feedback files written in a round, as (party, name, sha256)."""
        return sorted(
            (raw["party"], raw["name"], raw["sha256"])
            for raw in map(_read_json, (self.root / str(round_) / "terugkoppeling").glob("*.json"))
        )

    def write_merge(self, record: MergeRecord) -> None:
        path = self.root / record.round / f"samenvoeging-{_stamp(record.merged_at)}.json"
        _write_json(path, asdict(record))

    def merges(self) -> list[MergeRecord]:
        """The last merge of every round, oldest round first."""
        latest: dict[str, MergeRecord] = {}
        for path in sorted(self.root.glob("*/samenvoeging-*.json")):
            raw = _read_json(path)
            latest[raw["round"]] = MergeRecord(
                raw["round"], raw["merged_at"], tuple(raw["submissions"])
            )
        return [latest[r] for r in sorted(latest)]

    def rounds(self) -> list[Round]:
        return sorted(Round.parse(p.name) for p in self.root.glob("*-H[12]") if p.is_dir())


def _write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode())


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
