"""Synthetic regions for the national roll-up: N exports of the demo region's size and shape.

Each region is the demo region generated with its own seed, given a name, a landsdeel, its own
place on the map (the demo's projects moved to the region's centre) and its own woondeal targets
(the demo's, scaled by a factor drawn from the seed). The names are those of woondeal areas, for
recognition only: every number is invented. Deterministic: the same seed gives the same exports.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..core import Config, Municipality, Region, Round, Targets
from ..sources import demo_region
from ..stages import ExportContent, ExportSummary, export_folder_name, write_export

Progress = Callable[[int, int, str], None]
DEMO_CENTRE = (190000, 435000)  # RD New, the middle of the demo region (Arnhem-Nijmegen)
# name, landsdeel, RD centre
REGIONS: tuple[tuple[str, str, tuple[int, int]], ...] = (
    ("Groningen", "Noord-Nederland", (233000, 582000)),
    ("Fryslân", "Noord-Nederland", (182000, 570000)),
    ("Drenthe", "Noord-Nederland", (233000, 545000)),
    ("Regio Zwolle", "Oost-Nederland", (203000, 502000)),
    ("Twente", "Oost-Nederland", (252000, 478000)),
    ("Cleantech Regio", "Oost-Nederland", (200000, 470000)),
    ("Achterhoek", "Oost-Nederland", (235000, 445000)),
    ("West-Betuwe", "Oost-Nederland", (140000, 430000)),
    ("Foodvalley", "Oost-Nederland", (170000, 452000)),
    ("Noord-Veluwe", "Oost-Nederland", (182000, 488000)),
    ("Rivierenland", "Oost-Nederland", (157000, 430000)),
    ("Flevoland", "Oost-Nederland", (155000, 495000)),
    ("Amsterdam", "West-Nederland", (121000, 487000)),
    ("Noord-Holland Noord", "West-Nederland", (115000, 525000)),
    ("Zaanstreek-Waterland", "West-Nederland", (125000, 502000)),
    ("Gooi en Vechtstreek", "West-Nederland", (142000, 474000)),
    ("Utrecht", "West-Nederland", (136000, 456000)),
    ("Amersfoort", "West-Nederland", (155000, 463000)),
    ("Rotterdam", "West-Nederland", (92000, 437000)),
    ("Haaglanden", "West-Nederland", (81000, 452000)),
    ("Holland Rijnland", "West-Nederland", (95000, 466000)),
    ("Midden-Holland", "West-Nederland", (110000, 447000)),
    ("Drechtsteden", "West-Nederland", (108000, 424000)),
    ("Zuid-Holland Zuid", "West-Nederland", (88000, 418000)),
    ("Zeeland", "West-Nederland", (47000, 390000)),
    ("Kennemerland", "West-Nederland", (104000, 490000)),
    ("West-Brabant", "Zuid-Nederland", (110000, 398000)),
    ("Hart van Brabant", "Zuid-Nederland", (133000, 397000)),
    ("Noordoost-Brabant", "Zuid-Nederland", (152000, 411000)),
    ("Eindhoven", "Zuid-Nederland", (160000, 383000)),
    ("Helmond-De Peel", "Zuid-Nederland", (176000, 383000)),
    ("Noord-Limburg", "Zuid-Nederland", (207000, 380000)),
    ("Midden-Limburg", "Zuid-Nederland", (195000, 356000)),
    ("Zuid-Limburg", "Zuid-Nederland", (180000, 320000)),
    ("Parkstad", "Zuid-Nederland", (200000, 325000)),
)


@dataclass(frozen=True)
class GeneratedRegion:
    name: str
    landsdeel: str
    seed: int
    round: Round
    export: ExportSummary


def generate_regions(
    config: Config,
    out_dir: Path,
    count: int,
    *,
    seed: int | None = None,
    rounds: Sequence[Round] = (),
    progress: Progress | None = None,
) -> list[GeneratedRegion]:
    """Write ``count`` region exports into ``out_dir``; region ``i`` is in ``rounds[i]`` when
    given (else the configured round). More than the 35 named regions get numbered names."""
    base = config.seed if seed is None else seed
    order = spread(REGIONS)
    made = []
    for index in range(count):
        name, landsdeel, centre = order[index % len(order)]
        if index >= len(order):
            name = f"{name} {index // len(order) + 1}"
        full_name = f"{name} (demo)"
        region_seed = base + 1000 * (index + 1)
        round_ = rounds[index] if index < len(rounds) else config.round
        if progress:
            progress(index + 1, count, full_name)
        content = region_content(config, full_name, landsdeel, centre, region_seed, round_)
        summary = write_export(content, out_dir / export_folder_name(full_name, round_))
        made.append(GeneratedRegion(full_name, landsdeel, region_seed, round_, summary))
    return made


def spread(
    regions: Sequence[tuple[str, str, tuple[int, int]]],
) -> list[tuple[str, str, tuple[int, int]]]:
    """The regions taking the landsdelen in turn, so that a few regions cover several."""
    by_landsdeel: dict[str, list[tuple[str, str, tuple[int, int]]]] = {}
    for region in regions:
        by_landsdeel.setdefault(region[1], []).append(region)
    queues = list(by_landsdeel.values())
    order = []
    while any(queues):
        for queue in queues:
            if queue:
                order.append(queue.pop(0))
    return order


def region_content(
    config: Config,
    name: str,
    landsdeel: str,
    centre: tuple[int, int],
    seed: int,
    round_: Round,
) -> ExportContent:
    """One synthetic region's export content: its starting position in ``round_``."""
    rng = random.Random(f"national-{seed}")
    region, monitor = demo_region.generate(config.catalogue, round_, seed, name)
    short = name.removesuffix(" (demo)")
    municipalities = tuple(
        Municipality(m.code, f"{short} gemeente {n}", m.subregion)
        for n, m in enumerate(region.municipalities, start=1)
    )
    region = Region(name, municipalities, region.pillars, region.parties)
    dx, dy = centre[0] - DEMO_CENTRE[0], centre[1] - DEMO_CENTRE[1]
    projects = monitor.projects.copy()
    for key, delta, low, high in (("x_rd", dx, 0, 300000), ("y_rd", dy, 300000, 625000)):
        if key in projects.columns:
            projects[key] = projects[key].map(
                lambda v, d=delta, lo=low, hi=high: None if v is None else min(max(v + d, lo), hi)
            )
    monitor = replace(monitor, projects=projects)
    factor = rng.uniform(0.75, 1.25)
    targets = config.targets
    scaled = Targets(
        completions={y: round(n * factor) for y, n in targets.completions.items()},
        subregion_share=dict(targets.subregion_share),
        affordable_share=targets.affordable_share,
        social_rent_share=targets.social_rent_share,
        plan_capacity_norm=targets.plan_capacity_norm,
    )
    region_config = replace(
        config, region_name=name, landsdeel=landsdeel, round=round_, targets=scaled
    )
    return ExportContent(
        region=region,
        landsdeel=landsdeel,
        round=round_,
        measured_round=round_,
        previous_round=None,
        reference_date=(
            config.timeline.deadline(round_)
            if round_ >= config.timeline.first
            else round_.shift_date(config.deadline, config.round)
        ),
        catalogue=config.catalogue,
        config=region_config,
        current=monitor,
        history=[(round_, monitor)],
    )
