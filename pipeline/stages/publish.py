"""Publishing the reports of a merged round where the whole table reads them."""

from __future__ import annotations

from ..core import Progress, Round, RoundError
from ..reporting import ReportSummary, build_reports
from .pool import in_order
from .session import Session


def last_merged_round(session: Session) -> Round | None:
    merged = [r for r in session.state.rounds() if session.state.round_info(r).get("merged_at")]
    return merged[-1] if merged else None


def report_round(
    session: Session, round_: Round | None = None, *, progress: Progress | None = None
) -> tuple[ReportSummary, list[str]]:
    """Build the reports of a merged round (default: the last one) and publish them.

    Before the first merge there is the starting position: the monitor as ``init`` set it up
    (round 0, nothing to compare with), so a region sees where it starts.
    Returns the summary and the names of the files that changed in the shared folder.
    """
    snapshots = session.state.snapshots()
    round_ = round_ or last_merged_round(session) or (snapshots[0] if snapshots else None)
    merged = round_ is not None and session.state.round_info(round_).get("merged_at")
    if round_ is None or not (merged or round_ in snapshots):
        raise RoundError(
            f"Er is geen monitor voor ronde {round_} om over te rapporteren. Kies een "
            "samengevoegde ronde, of laat --ronde weg voor de laatste."
        )
    out = session.config.paths.outputs / "rapportage" / str(round_)
    summary = build_reports(
        session.config.at(round_), session.state, round_, out, progress=progress, pdf_map=in_order
    )
    published = [
        path.name for path in summary.paths if session.storage.publish(path.name, path.read_bytes())
    ]
    return summary, published
