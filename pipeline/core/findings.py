"""Findings: what is wrong with a submission, as data.

A finding has a stable kebab-case code, a severity (``error`` blocks the row, ``warning``
informs), a position as the party sees it (file, sheet, cell) and a Dutch message that says what
to do. The Dutch texts live in ``messages``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from . import messages

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem found in a submission."""

    code: str
    severity: Severity
    message: str
    party: str | None = None
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    value: Any = None
    row_id: str | None = None
    row: int | None = None  # the sheet row as the party sees it (the number in ``cell``)

    @property
    def blocking(self) -> bool:
        return self.severity == "error"

    @property
    def reference(self) -> str | None:
        """The cell as Excel shows it in a formula: ``'Mijn projecten'!H12``."""
        if self.sheet is None:
            return None
        sheet = "'" + self.sheet.replace("'", "''") + "'"
        return f"{sheet}!{self.cell}" if self.cell else sheet

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["value"] = _jsonable(self.value)
        data["reference"] = self.reference
        return data

    def at(self, **position: Any) -> Finding:
        return replace(self, **position)


def finding(code: str, severity: Severity | None = None, **kw: Any) -> Finding:
    """Build a finding with the Dutch message of its code, filled from the keywords."""
    template = messages.TEMPLATES[code]
    text = template.text.format_map(_Defaults(kw))
    position = {k: v for k, v in kw.items() if k in _POSITION}
    return Finding(code, severity or template.severity, text, **position)


_POSITION = {"party", "file", "sheet", "cell", "field", "value", "row_id", "row"}


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        if key == "value":
            return messages.show_value(value)
        return value


class FindingCounts:
    """What a report of findings says in numbers; for any class with a ``findings`` list."""

    findings: list[Finding]

    @property
    def blocking(self) -> bool:
        return any(f.blocking for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.blocking)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if not f.blocking)


def blocking(findings: Iterable[Finding]) -> bool:
    return any(f.blocking for f in findings)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
