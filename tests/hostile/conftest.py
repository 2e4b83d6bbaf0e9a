"""Fixtures of the hostile suite: a round in progress, and one prepared once to merge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hostile.tools import issue_three, prepare_round
from pipeline.core.config import Config
from pipeline.stages.session import Session, open_session
from pipeline.state.database import State


@pytest.fixture
def session(config: Config, state: State) -> Iterator[Session]:
    """A round issued to a developer, a housing association and the developer's municipality."""
    with open_session(config) as opened:
        issue_three(opened)
        yield opened


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, _demo_database: Path) -> Path:
    """A round issued, edited by two parties and collected, ready to merge; copy before use."""
    base = tmp_path_factory.mktemp("prepared") / "ronde"
    prepare_round(base, _demo_database)
    return base
