"""`planmonitor demo --landelijk`: the demo region's export, generated regions and the national
overview, after one demo round on part of the demo region."""

from __future__ import annotations

import json

import pytest
from conftest import make_config
from test_demo import cast_of

from pipeline.demo.runner import run_demo
from pipeline.stages.export import MANIFEST
from pipeline.stages.init import initialise
from pipeline.state.database import State

pytestmark = pytest.mark.slow


def test_demo_landelijk_makes_exports_and_the_overview(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    base = tmp_path_factory.mktemp("demo-landelijk")
    config = make_config(base)
    probe = make_config(base / "probe")
    with State(probe.paths.database) as state:
        initialise(probe, state)
        parties = cast_of(probe, state)
    summary = run_demo(config, rounds=1, parties=parties, reports=False, national_regions=4)
    national = summary.national
    assert national is not None
    assert len(national.exports) == 4
    manifests = [json.loads((f / MANIFEST).read_text(encoding="utf-8")) for f in national.exports]
    own = manifests[0]
    assert own["region"]["name"] == config.region_name
    assert own["round"] == str(config.round) and own["measured_round"] == str(config.round.next())
    assert len({m["region"]["name"] for m in manifests}) == 4
    assert len({m["region"]["landsdeel"] for m in manifests}) >= 3  # spread over the landsdelen
    rollup = national.overview.rollup
    assert len(rollup.regions) == 4 and rollup.refused == ()
    assert rollup.mixed_rounds  # every other generated region is a round behind
    for path in national.overview.paths:
        assert path.is_file() and path.stat().st_size > 500, path
    table = national.overview.table.read_text(encoding="utf-8-sig").splitlines()
    assert len(table) == 1 + 4  # a header and a line per region
    assert all(
        p.is_relative_to(config.paths.outputs / "landelijk") for p in national.overview.paths
    )
