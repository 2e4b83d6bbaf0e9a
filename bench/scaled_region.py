"""A demo region scaled up for benchmarks: more parties and projects, generated deterministically.

Builds on :func:`pipeline.demo_region.generate` without changing it: the demo region comes first,
unchanged; extra parties are copies of its market parties and corporations under new ids and
names, and extra projects are copies of its projects under new ids and names, moved a little on
the map and partly handed to the extra parties. Every value that must add up (segments, planning
years, dwelling types) is copied as a whole, so a scaled project is as valid as its original.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from pipeline.core.catalogue import Catalogue
from pipeline.core.monitor import Monitor
from pipeline.core.region import Party, Region
from pipeline.core.rounds import Round
from pipeline.sources import demo_region

DEMO = "demo"
REGION = "R"
# name: (parties, projects); None keeps the demo's own numbers. R is a large region, 2R twice it;
# 2P has twice R's parties and R's projects (what must not grow with parties: memory).
SCALES: dict[str, tuple[int, int] | None] = {
    DEMO: None,
    REGION: (100, 2000),
    "2R": (200, 4000),
    "2P": (200, 2000),
}
_PROJECT_DRIFT = 500  # metres on the RD grid


def generate(
    catalogue: Catalogue, round_: Round, seed: int, name: str, scale: str = DEMO
) -> tuple[Region, Monitor]:
    """The demo region at ``scale`` (see ``SCALES``); ``demo`` is exactly the demo region."""
    region, monitor = demo_region.generate(catalogue, round_, seed, name)
    size = SCALES[scale]
    if size is None:
        return region, monitor
    parties, projects = size
    return scaled(region, monitor, seed, parties=parties, projects=projects)


def scaled(
    region: Region, monitor: Monitor, seed: int, *, parties: int, projects: int
) -> tuple[Region, Monitor]:
    """``region`` and ``monitor`` grown to ``parties`` parties and ``projects`` projects."""
    rng = random.Random(f"bench-scale-{seed}-{parties}-{projects}")
    base = list(region.parties)
    templates = [p for p in base if p.sector != "overheid"]
    extra: list[Party] = []
    for offset in range(max(parties - len(base), 0)):
        template = templates[offset % len(templates)]
        copy = offset // len(templates) + 2
        extra.append(
            replace(
                template,
                id=f"P{len(base) + offset + 1:03d}",
                name=f"{template.name} {copy}",
                pillars=(),
            )
        )
    grown = replace(region, parties=tuple(base + extra))
    builders = [p.id for p in grown.parties if p.sector != "overheid"]

    records = monitor.records("project")
    numbers = len(records)
    added: list[dict[str, Any]] = []
    for offset in range(max(projects - numbers, 0)):
        source = records[offset % numbers]
        copy = offset // numbers + 2
        record = dict(source)
        record["project_id"] = f"PRJ-{numbers + offset + 1:04d}"
        record["name"] = f"{source['name']} deel {copy}"
        for axis in ("x_rd", "y_rd"):
            if isinstance(record.get(axis), float):
                record[axis] = record[axis] + rng.randint(-_PROJECT_DRIFT, _PROJECT_DRIFT)
        if source["initiator"] in builders:
            record["initiator"] = rng.choice(builders)
        added.append(record)
    return grown, Monitor.from_records(records + added, monitor.records("agreement"))
