"""The stages of a round, one module each: init, issue, collect, check, merge, status, publish,
rebuild and export, each working on a session (configuration, state, storage and archive).
"""

from __future__ import annotations

from . import export
from .check import CheckSummary, check_files, check_round
from .collect import CollectSummary, collect
from .export import (
    ExportContent,
    ExportSummary,
    export_folder_name,
    export_round,
    write_export,
)
from .init import InitSummary, StartCheck, check_source, initialise
from .issue import issue_round
from .merge import MergeSummary, merge_round, pending_work
from .pool import in_order
from .publish import last_merged_round, report_round
from .rebuild import rebuild
from .session import Session, open_session, set_up
from .status import RoundStatus, round_status

__all__ = [
    "CheckSummary",
    "CollectSummary",
    "ExportContent",
    "ExportSummary",
    "InitSummary",
    "MergeSummary",
    "RoundStatus",
    "Session",
    "StartCheck",
    "check_files",
    "check_round",
    "check_source",
    "collect",
    "export",
    "export_folder_name",
    "export_round",
    "in_order",
    "initialise",
    "issue_round",
    "last_merged_round",
    "merge_round",
    "open_session",
    "pending_work",
    "rebuild",
    "report_round",
    "round_status",
    "set_up",
    "write_export",
]
