"""Validation: the catalogue's pandera schema, the cross-field rules and ownership, turned into
findings. Works on values already read; it never opens a file and never imports openpyxl.
"""

from __future__ import annotations

from .schema import Context, RowOutcome, Validation, validate

__all__ = [
    "Context",
    "RowOutcome",
    "Validation",
    "validate",
]
