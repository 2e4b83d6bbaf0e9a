"""Indicators and planning realism against numbers worked out by hand on a tiny region.

The region: subregion Noord (Aadorp GM0001, Beekdal GM0002) and Zuid (Cstad GM0003); four
parties; six projects over two snapshots (2026-H2 as issued, 2027-H1 after merging 2026-H2).
Between the snapshots PRJ-1 completes 15 of the 20 it planned for 2026, PRJ-2 and PRJ-3 start
two quarters later, PRJ-3 gets an adopted plan and turns red, PRJ-5 is withdrawn and PRJ-6 is new.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import make_config

from pipeline.core.config import Config, ReportSettings, RodeDraden, Targets
from pipeline.core.errors import ConfigError, RoundError
from pipeline.core.monitor import Monitor
from pipeline.core.region import Municipality, Party, Pillar, Region
from pipeline.core.rounds import Round
from pipeline.reporting import casework as cw
from pipeline.reporting import indicators as ind
from pipeline.reporting import realism as real
from pipeline.reporting.render import compute, measured_rounds
from pipeline.state.database import State

A, B = Round(2026, 2), Round(2027, 1)
CHANCES = {
    "1A. Onherroepelijk": 1.0,
    "2A. Vastgesteld": 0.8,
    "3. In voorbereiding": 0.5,
    "4A. Visie": 0.5,
    "4B. Optie": 0.25,
}
TARGETS = {2026: 150, 2027: 200}


def _project(
    pid: str, municipality: str, initiator: str, zoning: str, **values: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "project_id": pid,
        "name": f"Project {pid[-1]}",
        "municipality": municipality,
        "initiator": initiator,
        "zoning_status": zoning,
        "permit_status": "niet aangevraagd",
        "phase": "planvorming",
        "completed": 0,
        "planning_2026": 0,
        "planning_2027": 0,
        "planning_later": 0,
        "stoplight": "groen",
        "withdrawn": False,
        "circular": False,
        "large_scale": False,
        "acceleration_site": False,
    }
    record.update(values)
    return record


def _snapshot_a() -> list[dict[str, Any]]:
    return [
        _project(
            "PRJ-1",
            "GM0001",
            "P002",
            "1A. Onherroepelijk",
            total_dwellings=40,
            social_rent=20,
            mid_rent=10,
            high_buy=10,
            planning_2026=20,
            planning_2027=20,
            construction_start="2026-K1",
            circular=True,
            permit_status="verleend",
            phase="in aanbouw",
        ),
        _project(
            "PRJ-2",
            "GM0002",
            "P003",
            "2A. Vastgesteld",
            total_dwellings=60,
            completed=10,
            affordable_buy=30,
            high_buy=30,
            planning_2027=30,
            planning_later=20,
            construction_start="2026-K3",
            stoplight="rood",
            bottlenecks_1="netcongestie",
            target_groups_1="senioren / ouderen",
            target_group_dwellings=20,
            permit_status="aangevraagd",
            phase="voorbereiding realisatie",
        ),
        _project(
            "PRJ-3",
            "GM0003",
            "P003",
            "3. In voorbereiding",
            total_dwellings=100,
            social_rent=30,
            mid_rent=20,
            high_rent=10,
            affordable_buy=10,
            high_buy=30,
            planning_2027=50,
            planning_later=50,
            construction_start="2027-K1",
            stoplight="geel",
            bottlenecks_1="netcongestie",
            bottlenecks_2="stikstof",
            circular=True,
            large_scale=True,
            target_groups_1="studenten",
            target_groups_2="jongeren en starters",
            target_group_dwellings=40,
        ),
        _project(
            "PRJ-4",
            "GM0003",
            "P004",
            "4B. Optie",
            total_dwellings=200,
            mid_rent=120,
            high_rent=80,
            planning_later=200,
            construction_start="2029-K2",
            stoplight="rood",
            bottlenecks_1="stikstof",
            large_scale=True,
        ),
        _project(
            "PRJ-5",
            "GM0001",
            "P001",
            "4A. Visie",
            total_dwellings=20,
            social_rent=20,
            planning_2026=10,
            planning_2027=10,
            construction_start="2026-K2",
        ),
    ]


def _snapshot_b() -> list[dict[str, Any]]:
    a = {r["project_id"]: dict(r) for r in _snapshot_a()}
    a["PRJ-1"].update(completed=15, planning_2026=0, planning_2027=25)
    a["PRJ-2"].update(construction_start="2027-K1", permit_status="verleend", phase="in aanbouw")
    a["PRJ-3"].update(
        zoning_status="2A. Vastgesteld",
        construction_start="2027-K3",
        stoplight="rood",
        bottlenecks_2=None,
    )
    a["PRJ-5"].update(withdrawn=True)
    a["PRJ-6"] = _project(
        "PRJ-6",
        "GM0002",
        "P002",
        "1A. Onherroepelijk",
        total_dwellings=30,
        social_rent=30,
        planning_2027=30,
        construction_start="2026-K4",
        bottlenecks_1="netcongestie",
    )
    return list(a.values())


def _agreement(aid: str, status: str) -> dict[str, Any]:
    return {
        "agreement_id": aid,
        "pillar": aid.split(".")[0],
        "text": f"Afspraak {aid}",
        "status": status,
        "actions": f"Actie {aid}",
    }


AGREEMENTS_A = [
    _agreement("1.01", "groen"),
    _agreement("1.02", "geel"),
    _agreement("2.01", "rood"),
    _agreement("3.01", "geel"),
]
AGREEMENTS_B = [
    _agreement("1.01", "geel"),
    _agreement("1.02", "groen"),
    _agreement("2.01", "rood"),
    _agreement("3.01", "geel"),
    _agreement("6.01", "groen"),
]

REGION = Region(
    "Testregio",
    (
        Municipality("GM0001", "Aadorp", "Noord"),
        Municipality("GM0002", "Beekdal", "Noord"),
        Municipality("GM0003", "Cstad", "Zuid"),
    ),
    (
        Pillar("1", "Woningbouw"),
        Pillar("2", "Betaalbaarheid"),
        Pillar("3", "Circulair"),
        Pillar("6", "Doelgroepen"),
    ),
    (
        Party(
            "P001",
            "Gemeente Aadorp",
            "gemeente",
            "overheid",
            municipality_code="GM0001",
            pillars=("1",),
        ),
        Party("P002", "Woonwel", "corporatie", "corporatie", pillars=("2",)),
        Party("P003", "Bouwkracht", "ontwikkelaar", "markt"),
        Party("P004", "Fonds Oost", "belegger", "markt"),
    ),
)


@pytest.fixture
def tiny_config(tmp_path: Path) -> Config:
    return make_config(
        tmp_path,
        round=A,
        targets=Targets(
            completions=TARGETS,
            subregion_share={"Noord": 0.6, "Zuid": 0.4},
            affordable_share=2 / 3,
            social_rent_share=1 / 3,
            plan_capacity_norm=1.3,
        ),
        rode_draden=RodeDraden(
            min_projects=2,
            min_municipalities=2,
            route={"netcongestie": "landelijke tafel"},
            default_route="tafel",
        ),
        realism=CHANCES,
        reports=ReportSettings(large_project_dwellings=150, slip_attention_quarters=2),
    )


@pytest.fixture
def tiny_state(tiny_config: Config) -> Any:
    with State(tiny_config.paths.database) as state:
        with state.transaction():
            state.save_region(REGION)
            state.save_monitor(A, Monitor.from_records(_snapshot_a(), AGREEMENTS_A))
            state.save_monitor(B, Monitor.from_records(_snapshot_b(), AGREEMENTS_B))
        yield state


@pytest.fixture
def fields(tiny_config: Config) -> ind.ProjectFields:
    return ind.ProjectFields.from_catalogue(tiny_config.catalogue)


@pytest.fixture
def now(tiny_state: State) -> Monitor:
    return tiny_state.monitor(B)


@pytest.fixture
def before(tiny_state: State) -> Monitor:
    return tiny_state.monitor(A)


def test_project_fields_come_from_catalogue_tags(fields: ind.ProjectFields) -> None:
    assert fields.affordable == ("social_rent", "mid_rent", "affordable_buy")
    assert fields.social_rent == ("social_rent",)
    assert fields.bottleneck_slots == ("bottlenecks_1", "bottlenecks_2", "bottlenecks_3")
    assert fields.hard_zoning == {
        "1A. Onherroepelijk",
        "1B. Onherroepelijk, uitwerkingsplicht",
        "1C. Onherroepelijk, wijzigingsbevoegdheid",
        "2A. Vastgesteld",
        "2B. Vastgesteld, uitwerkingsplicht",
        "2C. Vastgesteld, wijzigingsbevoegdheid",
    }
    assert fields.soft_zoning == {"3. In voorbereiding", "4A. Visie", "4B. Optie"}


def test_completions_leave_out_withdrawn_projects(now: Monitor, fields: ind.ProjectFields) -> None:
    c = ind.completions(now.projects, fields, TARGETS)
    # 2026: every active plan is 0 (PRJ-1 completed its 2026 dwellings or moved them to 2027)
    # 2027: PRJ-1 25 + PRJ-2 30 + PRJ-3 50 + PRJ-4 0 + PRJ-6 30 = 135 (PRJ-5 withdrawn)
    assert [(y.year, y.planned, y.target) for y in c.years] == [(2026, 0, 150), (2027, 135, 200)]
    assert c.later == 270  # 20 + 50 + 200
    assert c.completed_to_date == 25  # PRJ-1 15 + PRJ-2 10
    assert (c.planned_with_target, c.target_total) == (135, 350)


def test_plan_capacity_splits_hard_and_soft(now: Monitor, fields: ind.ProjectFields) -> None:
    p = ind.plan_capacity(now.projects, fields, TARGETS, 1.3)
    # to build: PRJ-1 40-15=25 hard, PRJ-2 60-10=50 hard, PRJ-3 100 hard (adopted now),
    # PRJ-6 30 hard; PRJ-4 200 soft
    assert (p.hard, p.soft, p.total, p.target) == (205, 200, 405, 350)
    assert p.coverage == pytest.approx(405 / 350)
    assert p.hard_coverage == pytest.approx(205 / 350)
    assert p.norm_dwellings == 455  # 350 × 1,3
    assert p.shortfall == 50  # 455 − 405
    assert (p.first_year, p.last_year) == (2026, 2027)


def test_subregion_scope_scales_the_targets(now: Monitor, fields: ind.ProjectFields) -> None:
    subregion_of = {m.code: m.subregion for m in REGION.municipalities}
    noord = ind.in_scope(now.projects, subregion_of, "Noord")
    targets = ind.scaled_targets(TARGETS, 0.6)
    assert targets == {2026: 90, 2027: 120}
    assert sorted(noord.index) == ["PRJ-1", "PRJ-2", "PRJ-5", "PRJ-6"]
    assert ind.completions(noord, fields, targets).years[1].planned == 85  # 25 + 30 + 30
    p = ind.plan_capacity(noord, fields, targets, 1.3)
    assert (p.hard, p.soft, p.target, p.shortfall) == (105, 0, 210, 168)  # 273 − 105


def test_affordability_shares(now: Monitor, fields: ind.ProjectFields) -> None:
    a = ind.affordability(now.projects, fields, 2 / 3, 1 / 3)
    # affordable: PRJ-1 30 + PRJ-2 30 + PRJ-3 60 + PRJ-4 120 + PRJ-6 30 = 270 of 430
    # social rent: 20 + 0 + 30 + 0 + 30 = 80
    assert (a.dwellings, a.affordable, a.social_rent) == (430, 270, 80)
    assert a.affordable_share == pytest.approx(270 / 430)
    assert a.social_rent_share == pytest.approx(80 / 430)
    assert a.segments == (
        ("Sociale huur", 80),
        ("Middenhuur", 150),
        ("Dure huur", 90),
        ("Betaalbare koop", 40),
        ("Dure koop", 70),
    )


def test_circular_and_target_groups(
    now: Monitor, fields: ind.ProjectFields, tiny_config: Config
) -> None:
    c = ind.circular(now.projects, fields)
    assert (c.projects, c.dwellings, c.all_projects, c.all_dwellings) == (2, 140, 5, 430)
    t = ind.target_groups(now.projects, fields, tiny_config.catalogue.lists["target_groups"])
    assert [(r.group, r.projects, r.dwellings) for r in t.rows] == [
        ("senioren / ouderen", 1, 20),
        ("jongeren en starters", 1, 40),
        ("studenten", 1, 40),
    ]
    assert (t.projects, t.dwellings) == (2, 60)  # PRJ-3 counted once: 20 + 40


def test_agreements_compare_status_with_previous_round(
    now: Monitor, before: Monitor, fields: ind.ProjectFields
) -> None:
    summary = ind.agreements(now.agreements, before.agreements, fields.stoplights)
    assert [(r.id, r.status, r.change) for r in summary.rows] == [
        ("1.01", "geel", "slechter"),
        ("1.02", "groen", "beter"),
        ("2.01", "rood", "gelijk"),
        ("3.01", "geel", "gelijk"),
        ("6.01", "groen", "nieuw"),
    ]
    assert dict(summary.counts) == {"groen": 2, "geel": 2, "rood": 1}
    assert summary.previous_counts == {"groen": 1, "geel": 2, "rood": 1}
    pillar = ind.agreements(now.agreements, before.agreements, fields.stoplights, "1")
    assert [r.id for r in pillar.rows] == ["1.01", "1.02"]
    first = ind.agreements(now.agreements, None, fields.stoplights, "1")
    assert first.previous_counts is None and {r.change for r in first.rows} == {None}


def test_rode_draden_count_projects_and_trend(
    now: Monitor, before: Monitor, fields: ind.ProjectFields, tiny_config: Config
) -> None:
    draden = cw.rode_draden(now.projects, before.projects, fields, tiny_config.rode_draden)
    net, stikstof = draden
    # netcongestie: PRJ-2 (Beekdal, 50 to build), PRJ-3 (Cstad, 100), PRJ-6 (Beekdal, 30);
    # before: PRJ-2 and PRJ-3
    assert (net.category, net.projects, net.dwellings) == ("netcongestie", 3, 180)
    assert net.municipalities == ("GM0002", "GM0003") and net.parties == ("P002", "P003")
    assert (net.trend, net.recurring, net.route) == (1, True, "landelijke tafel")
    assert [c.id for c in net.cases] == ["PRJ-3", "PRJ-2", "PRJ-6"]
    # stikstof: only PRJ-4 now (PRJ-3 dropped it): one municipality, so no rode draad
    assert (stikstof.projects, stikstof.dwellings, stikstof.trend) == (1, 200, -1)
    assert (stikstof.recurring, stikstof.route) == (False, "tafel")


def test_progress_between_rounds(now: Monitor, before: Monitor, fields: ind.ProjectFields) -> None:
    p = cw.progress(now.projects, before.projects, fields)
    assert p == cw.Progress(
        completed=15,  # PRJ-1 0 → 15
        to_hard_projects=1,
        to_hard_dwellings=100,  # PRJ-3 in voorbereiding → vastgesteld
        permits_granted=1,
        construction_started=1,  # PRJ-2
        new_projects=1,
        new_dwellings=30,  # PRJ-6
        withdrawn_projects=1,
        withdrawn_dwellings=20,  # PRJ-5
    )


def test_attention_lists_stalled_red_and_slipped_large(
    now: Monitor, before: Monitor, fields: ind.ProjectFields
) -> None:
    att = cw.attention(
        now.projects,
        before.projects,
        fields,
        {"PRJ-2": 2, "PRJ-3": 2, "PRJ-4": 0},
        large_dwellings=150,
        slip_quarters=2,
    )
    assert [c.id for c in att.stalled] == ["PRJ-4", "PRJ-2"]  # red twice, 200 and 50 to build
    assert [c.id for c in att.newly_red] == ["PRJ-3"]  # geel → rood
    # PRJ-2 slipped 2 quarters but is small (60 < 150, no flag); PRJ-4 did not slip
    assert [(c.id, q) for c, q in att.slipped_large] == [("PRJ-3", 2)]
    assert (att.red_total, att.red_dwellings) == (3, 350)  # 50 + 100 + 200


def test_quarter_index() -> None:
    assert real.quarter_index("2027-K3") - real.quarter_index("2027-K1") == 2  # type: ignore[operator]
    assert real.quarter_index("2028-K1") - real.quarter_index("2027-K4") == 1  # type: ignore[operator]
    assert real.quarter_index(None) is None and real.quarter_index("2027") is None


def test_project_slips_since_first_report(tiny_state: State, fields: ind.ProjectFields) -> None:
    history = [(r, tiny_state.monitor(r)) for r in tiny_state.snapshots()]
    slips = real.project_slips(history, fields)
    one = slips["PRJ-1"]
    # before: 20 in 2026, 20 in 2027 → 2026,5; after: 15 completed in 2026 (H2), 25 in 2027
    # → (15 × 2026 + 25 × 2027) / 40 = 2026,625
    assert one.year_first == pytest.approx(2026.5)
    assert one.year_now == pytest.approx(2026.625)
    assert one.year_slip == pytest.approx(0.125)
    assert one.start_slip_quarters == 0
    assert slips["PRJ-2"].start_slip_quarters == 2  # 2026-K3 → 2027-K1
    assert slips["PRJ-2"].year_slip == pytest.approx(0.0)  # completed ones stay in their year
    # "later" stands for 2028 in both snapshots: (50 × 2027 + 50 × 2028) / 100
    assert slips["PRJ-3"].year_now == pytest.approx(2027.5)
    assert (slips["PRJ-6"].observations, slips["PRJ-6"].first_round) == (1, B)
    summary = real.slip_summary(slips, {"PRJ-5"})
    # seen twice and not withdrawn: PRJ-1 (40), PRJ-2 (60), PRJ-3 (100), PRJ-4 (200)
    assert summary.projects == 4
    assert summary.mean_year_slip == pytest.approx(0.125 * 40 / 400)
    assert summary.mean_start_slip_quarters == pytest.approx((2 * 60 + 2 * 100) / 400)
    assert (summary.slipped_projects, summary.earlier_projects) == (1, 0)


def test_planned_against_completed(tiny_state: State, fields: ind.ProjectFields) -> None:
    history = [(r, tiny_state.monitor(r)) for r in tiny_state.snapshots()]
    (year,) = real.planned_vs_completed(history, fields)
    # 2026 as planned in 2026-H2 (second half): PRJ-1 20 + PRJ-5 10 = 30; completed between
    # 2026-H2 and 2027-H1: PRJ-1 +15. 2027 is not measured yet.
    assert (year.year, year.planned, year.planned_in, year.completed) == (2026, 30, A, 15)
    assert year.complete and year.ratio == pytest.approx(0.5)


def test_realism_forecast_weights_and_shifts(now: Monitor, fields: ind.ProjectFields) -> None:
    f = real.realism_forecast(now.projects, fields, CHANCES, 0.25, TARGETS, years=[2026, 2027])
    # 2027 weighted: PRJ-1 25×1 + PRJ-2 30×0,8 + PRJ-3 50×0,8 + PRJ-6 30×1 = 119;
    # shifted a quarter year: 119 × 0,75 = 89,25 stays, 29,75 moves past 2027 into "later";
    # later weighted: 20×0,8 + 50×0,8 + 200×0,25 = 106, plus 29,75 = 135,75
    assert [(y.year, y.planned, y.realistic, y.target) for y in f.years] == [
        (2026, 0, 0, 150),
        (2027, 135, 89, 200),
    ]
    assert (f.later_planned, f.later_realistic) == (270, 136)
    assert (f.planned_total, f.realistic_total, f.target_total) == (135, 89, 350)
    unshifted = real.realism_forecast(now.projects, fields, CHANCES, -1.0, TARGETS)
    assert unshifted.shift_years == 0.0 and unshifted.years[1].realistic == 119


def test_report_compares_after_merge_with_as_issued(tiny_config: Config, tiny_state: State) -> None:
    assert measured_rounds(tiny_state, A) == (B, A)
    assert measured_rounds(tiny_state, B) == (B, A)
    with pytest.raises(RoundError):
        measured_rounds(tiny_state, Round(2025, 1))
    # A second round (the region started in 2026-H1): compared with the stand after 2026-H1.
    later = replace(tiny_config, round=Round(2026, 1), schedule=None)
    report = compute(later, tiny_state, A)
    assert (report.described_round, report.previous_round) == (A, Round(2026, 1))
    assert [s.name for s in report.subregions] == ["Noord", "Zuid"]
    # The stand after 2026-H2 plans from 2027 on: 2026 has ended and its target is behind us.
    # Remaining target 200, norm 260, capacity 405: no shortfall.
    assert report.years == tuple(range(2027, 2035))
    capacity = report.whole.capacity
    assert capacity is not None
    assert (capacity.target, capacity.total, capacity.shortfall) == (200, 405, 0)
    assert capacity.hard_share == pytest.approx(205 / 405)
    zuid = report.subregions[1]
    # Zuid: PRJ-3 and PRJ-4; target 2027 80, norm 104, capacity 300
    assert zuid.capacity is not None
    assert (zuid.capacity.target, zuid.capacity.total, zuid.capacity.shortfall) == (80, 300, 0)
    assert [y.year for y in report.realism.forecast.years] == list(range(2027, 2035))
    assert [c.id for c in report.withdrawn] == ["PRJ-5"]
    assert report.newly_withdrawn == {"PRJ-5"}
    assert report.projects_with_bottlenecks == 4  # PRJ-2, PRJ-3, PRJ-4, PRJ-6
    assert [s.indicators for s in report.pillars][:2] == [
        ("completions", "plan_capacity", "realism"),
        ("affordability",),
    ]
    # the forecast is shifted by the measured mean slip: 0,125 × 40 / 400 = 0,0125 year
    assert report.realism.forecast.shift_years == pytest.approx(0.0125)


def test_unknown_pillar_indicator_is_a_config_error(tiny_config: Config, tiny_state: State) -> None:
    from dataclasses import replace

    config = replace(tiny_config, reports=ReportSettings(pillar_indicators={"1": ("bogus",)}))
    with pytest.raises(ConfigError, match="bogus"):
        compute(config, tiny_state, A)
