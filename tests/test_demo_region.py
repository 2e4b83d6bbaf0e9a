"""The synthetic demo region: deterministic, consistent with its registry, and clean under the
same cross-field rules the parties' submissions meet."""

from __future__ import annotations

import pandas as pd

from pipeline.core import Round
from pipeline.core import catalogue as catalogue_module
from pipeline.sources.demo_region import generate
from pipeline.validation.rules import project_rules

CATALOGUE = catalogue_module.load()
ROUND = Round(2026, 2)


def test_the_same_seed_gives_the_same_region() -> None:
    region, monitor = generate(CATALOGUE, ROUND, 7, "Proef")
    again_region, again = generate(CATALOGUE, ROUND, 7, "Proef")
    assert region == again_region
    pd.testing.assert_frame_equal(monitor.projects, again.projects)
    _, other = generate(CATALOGUE, ROUND, 8, "Proef")
    assert not monitor.projects.equals(other.projects)


def test_every_row_names_what_the_registry_holds() -> None:
    region, monitor = generate(CATALOGUE, ROUND, 2026, "Proef")
    roles = CATALOGUE.roles
    projects = monitor.projects
    assert len(projects) > 500
    assert set(projects[roles.municipality]) <= {m.code for m in region.municipalities}
    assert set(projects[roles.initiator]) <= {p.id for p in region.parties}
    subregion_of = {m.code: m.subregion for m in region.municipalities}
    assert (projects[roles.municipality].map(subregion_of) == projects[roles.subregion]).all()
    assert set(monitor.agreements[roles.pillar]) <= {p.number for p in region.pillars}
    assert projects.index.is_unique and monitor.agreements.index.is_unique


def test_the_demo_projects_meet_the_cross_field_rules() -> None:
    """A party that changes nothing must not be told its demo rows are wrong."""
    _, monitor = generate(CATALOGUE, ROUND, 2026, "Proef")
    columns = CATALOGUE.columns("project", ROUND)
    frame = monitor.view(CATALOGUE, ROUND, "project")
    broken = {
        rule.code: int((~rule.passes(frame)).sum())
        for rule in project_rules(CATALOGUE, columns, ROUND)
    }
    assert {code: n for code, n in broken.items() if n} == {}
