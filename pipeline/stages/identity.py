"""Who sent a workbook, and by which plan it is read: the issue record, never the file.

A workbook states its plan and fingerprint in a very-hidden sheet, and a party can edit that
sheet. So the stated fingerprint only serves to find the issue record; the file is read by the
plan in the record (its sheets, columns, entity per sheet, rows, party, round and catalogue
version), and any difference between what the file states and the record is a blocking
finding. A fingerprint that was never issued is blocking too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..core import Finding, WorkbookLayout, finding, messages
from ..state import State


@dataclass
class IssueLookup:
    """Resolves a workbook's plan from the issue records (a ``resolve`` for the reader)."""

    state: State
    file_name: str
    expected_party: str | None = None  # the party whose folder the file came from
    party: str | None = None  # the party of the issue record, once found

    def __call__(
        self, declared: WorkbookLayout | None, stated: str
    ) -> tuple[WorkbookLayout | None, list[Finding]]:
        issued = self._record(declared, stated)
        party = self.expected_party
        if issued is None:
            return None, [finding("unknown-issue", file=self.file_name, party=party)]
        self.party = issued.party
        region = self.state.region()
        if party is not None and issued.party != party:
            return None, [
                finding(
                    "wrong-party",
                    file=self.file_name,
                    party=party,
                    found=issued.party_name or issued.party,
                    expected=region.party(party).name,
                )
            ]
        if not any(p.id == issued.party for p in region.parties):
            return None, [finding("unknown-issue", file=self.file_name, party=issued.party)]
        changed = [("unreadable", "")] if declared is None else declared.differences(issued)
        if changed:
            return None, [
                finding(
                    "layout-changed",
                    file=self.file_name,
                    party=issued.party,
                    what=messages.layout_parts(changed),
                )
            ]
        # Equal in all that decides the reading; the moment of issue is not part of the record.
        assert declared is not None
        return replace(issued, issued_at=declared.issued_at), []

    def _record(self, declared: WorkbookLayout | None, stated: str) -> WorkbookLayout | None:
        computed = declared.fingerprint if declared is not None else ""
        for fingerprint in dict.fromkeys((stated, computed)):
            plan = self.state.issued_layout(fingerprint) if fingerprint else None
            if plan is not None:
                return plan
        # Issued before plans were kept: only a plan that hashes to an issued fingerprint is one.
        if declared is not None and self.state.issue_by_fingerprint(computed) is not None:
            return declared
        return None
