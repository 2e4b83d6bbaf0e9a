"""Publishing the reports of a merged round where the whole table reads them."""

from __future__ import annotations

from ..core import Progress, Round, RoundError
from ..reporting import ReportSummary, build_reports
from .session import Session


def last_merged_round(session: Session) -> Round | None:
    merged = [r for r in session.state.rounds() if session.state.round_info(r).get("merged_at")]
    return merged[-1] if merged else None


def report_round(
    session: Session, round_: Round | None = None, *, progress: Progress | None = None
) -> tuple[ReportSummary, list[str]]:
    """Build the reports of a merged round (default: the last one) and publish them.

    Returns the summary and the names of the files that changed in the shared folder.
    """
    round_ = round_ or last_merged_round(session)
    if round_ is None or not session.state.round_info(round_).get("merged_at"):
        raise RoundError(
            "Er is nog geen samengevoegde ronde om over te rapporteren. Voer eerst "
            "'planmonitor merge' uit."
        )
    out = session.config.paths.outputs / "rapportage" / str(round_)
    summary = build_reports(
        session.config.at(round_), session.state, round_, out, progress=progress
    )
    published = [
        path.name for path in summary.paths if session.storage.publish(path.name, path.read_bytes())
    ]
    return summary, published
