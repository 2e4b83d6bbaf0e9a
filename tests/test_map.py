"""The map of the dashboards (pipeline/reporting/planmap.py), the woondeal's focus locations and
the red agreements in escalation order. The browser side is in test_reports.py, except the
municipality names in Chromium (the slow tests at the end)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from browser import Browser
from conftest import make_config

from pipeline.core import ConfigError, Round, config
from pipeline.reporting import escalation, focus, planmap
from pipeline.reporting import indicators as ind
from pipeline.reporting.dashboard import region_areas
from pipeline.reporting.render import compute, render_dashboard
from pipeline.sources import demo_region
from pipeline.state import State

# A published pair of the RD New approximation (Westertoren, Amsterdam).
WESTERTOREN_RD = (120700.723, 487525.501)
WESTERTOREN_WGS84 = (4.88352559, 52.37453253)


def test_rd_and_wgs84_convert_both_ways() -> None:
    x, y = planmap.rd_from_wgs84(*WESTERTOREN_WGS84)
    assert math.hypot(x - WESTERTOREN_RD[0], y - WESTERTOREN_RD[1]) < 0.05
    lon, lat = planmap.wgs84_from_rd(*WESTERTOREN_RD)
    assert abs(lon - WESTERTOREN_WGS84[0]) < 1e-6 and abs(lat - WESTERTOREN_WGS84[1]) < 1e-6
    assert planmap.rd_from_wgs84(5.38720621, 52.15517440) == pytest.approx((155_000, 463_000))
    for lon, lat in ((3.6, 51.4), (5.9, 51.84), (7.0, 53.3)):
        back = planmap.wgs84_from_rd(*planmap.rd_from_wgs84(lon, lat))
        assert back == pytest.approx((lon, lat), abs=1e-6)


def _projects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["Noord", "Zuid", "Ergens", "Kwijt", "WGS"],
            "x_rd": [190_000.0, 191_000.0, None, 190_500.0, 5.9],
            "y_rd": [444_000.0, 443_000.0, 444_000.0, None, 51.8],
            "total_dwellings": [100, 700, 50, 20, 10],
            "completed": [40, 0, 0, 0, 0],
            "zoning_status": ["1A. Onherroepelijk", "3. In voorbereiding", None, None, None],
            "stoplight": ["groen", "rood", None, None, None],
            "acceleration_site": [False, True, False, False, False],
            "large_scale": [False, True, False, False, False],
        },
        index=pd.Index(["P1", "P2", "P3", "P4", "P5"], name="project_id"),
    )


def _fields() -> ind.ProjectFields:
    return ind.ProjectFields.from_catalogue(config.load(Path("config.toml")).catalogue)


def test_points_are_the_projects_with_rd_coordinates() -> None:
    found = planmap.points(_projects(), _fields())
    # P3 and P4 lack a coordinate; P5 typed degrees where metres belong
    assert [p.id for p in found] == ["P1", "P2"]
    north, south = found
    assert (north.x, north.y, north.dwellings) == (190_000.0, 444_000.0, 60)
    assert (south.zoning, south.stoplight, south.acceleration_site, south.large_scale) == (
        "3. In voorbereiding",
        "rood",
        True,
        True,
    )


def test_map_data_covers_points_and_areas_and_colours_every_status() -> None:
    fields = _fields()
    found = planmap.points(_projects(), fields)
    areas = planmap.voronoi_areas(
        {"A": ("Aa", (189_000, 444_000)), "B": ("Bee", (192_000, 443_000))}
    )
    statuses = ["onherroepelijk", "vastgesteld", "in voorbereiding", "visie", "onbekend"]
    data = planmap.map_data(
        found,
        areas,
        zoning=statuses,
        hard_zoning=["onherroepelijk", "vastgesteld"],
        soft_zoning=["in voorbereiding", "visie"],
        stoplights=fields.stoplights,
    )
    assert json.loads(json.dumps(data)) == data  # JSON-ready
    x0, y0, x1, y1 = data["bbox"]
    for p in data["points"]:
        assert x0 < p["x"] < x1 and y0 < p["y"] < y1
    for area in areas:
        for x, y in area.polygons[0][0]:
            assert x0 <= x <= x1 and y0 <= y <= y1
    zoning = data["legend"]["zoning"]
    # unknown is its own category, once, for "onbekend" and for an empty status alike
    assert [z["key"] for z in zoning] == [*statuses[:4], None]
    colours = [z["colour"] for z in zoning]
    assert len(set(colours)) == len(colours)
    hard = {z["colour"] for z in zoning[:2]}
    assert hard <= set(planmap.HARD_COLOURS) and not hard & set(planmap.SOFT_COLOURS)
    assert [light["key"] for light in data["legend"]["light"]] == [*fields.stoplights, None]
    assert data["basemap"] is None  # offline unless a region configures one


def test_voronoi_areas_split_the_box_between_the_centres() -> None:
    centres = {code: (name, xy) for code, (name, xy) in demo_region.municipality_centres().items()}
    areas = planmap.voronoi_areas(centres)
    assert {a.code for a in areas} == set(centres)
    for area in areas:
        ring = area.polygons[0][0]
        assert ring[0] == ring[-1]
        # every centre lies in its own cell, and the cell is nearer to it than to the others
        x, y = centres[area.code][1]
        assert _inside((x, y), ring)
        cx, cy = planmap.label_point(area)
        nearest = min(centres, key=lambda c: math.dist(centres[c][1], (cx, cy)))
        assert nearest == area.code


def _inside(point: tuple[float, float], ring: tuple[tuple[float, float], ...]) -> bool:
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _square(cx: float, cy: float, half: float, steps: int = 50) -> list[list[float]]:
    """A square outline with many points on each side, as real boundary files have."""
    corners = [
        (cx - half, cy - half),
        (cx + half, cy - half),
        (cx + half, cy + half),
        (cx - half, cy + half),
    ]
    ring = []
    for (ax, ay), (bx, by) in zip(corners, [*corners[1:], corners[0]], strict=True):
        ring += [[ax + (bx - ax) * i / steps, ay + (by - ay) * i / steps] for i in range(steps)]
    return [*ring, ring[0]]


def test_read_areas_takes_rd_or_wgs84_and_simplifies(tmp_path: Path) -> None:
    rd = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"statcode": "GM0202", "statnaam": "Arnhem"},
                "geometry": {"type": "Polygon", "coordinates": [_square(190_000, 444_000, 4_000)]},
            },
            {
                "type": "Feature",
                "properties": {"GemeenteCode": "GM0268", "Gemeentenaam": "Nijmegen"},
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [[_square(187_000, 428_000, 3_000)]],
                },
            },
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [1, 2]},
            },
        ],
    }
    path = tmp_path / "gemeenten.geojson"
    path.write_text(json.dumps(rd))
    areas = planmap.read_areas(path)
    assert [(a.code, a.name) for a in areas] == [("GM0202", "Arnhem"), ("GM0268", "Nijmegen")]
    outline = areas[0].polygons[0][0]
    assert len(outline) == 5  # 201 points on straight sides: the four corners remain, closed
    assert planmap.label_point(areas[0]) == [190_000, 444_000]
    assert planmap.svg_path(areas[0]).startswith("M186000 -440000 ")

    wgs = json.loads(json.dumps(rd))
    for feature in wgs["features"][:2]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for polygon in polygons:
            for ring in polygon:
                ring[:] = [list(planmap.wgs84_from_rd(x, y)) for x, y in ring]
    path.write_text(json.dumps(wgs))
    again = planmap.read_areas(path)
    for (x, y), (ex, ey) in zip(again[0].polygons[0][0], outline, strict=True):
        assert math.hypot(x - ex, y - ey) < 0.5


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "kan niet worden gelezen"),
        ('{"type": "Feature"}', "geen GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "geen polygonen"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "geometry": {
                                "type": "Polygon",
                                "coordinates": [[[1e7, 1e7], [1e7, 2e7], [2e7, 1e7], [1e7, 1e7]]],
                            }
                        }
                    ],
                }
            ),
            "geen RD New",
        ),
    ],
)
def test_read_areas_says_what_is_wrong(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "gemeenten.geojson"
    path.write_text(content)
    with pytest.raises(ConfigError, match=says):
        planmap.read_areas(path)


def test_a_region_folder_brings_its_own_boundaries(tmp_path: Path) -> None:
    cfg = config.load(Path("config.toml"))
    areas, source = region_areas(cfg)
    assert len(areas) == len(demo_region.municipality_centres()) and "schematisch" in source
    folder = tmp_path / "regio"
    folder.mkdir()
    real = dataclasses.replace(cfg, root=tmp_path, region_source="regio")
    assert region_areas(real) == ((), "")
    (folder / "gemeenten.geojson").write_text(
        json.dumps(
            planmap.to_geojson(
                planmap.voronoi_areas(
                    {"GM1": ("Een", (190_000, 440_000)), "GM2": ("Twee", (200_000, 440_000))}
                )
            )
        )
    )
    areas, source = region_areas(real)
    assert [a.name for a in areas] == ["Een", "Twee"] and source == "gemeentegrenzen van de regio"


# -- red agreements -------------------------------------------------------------------------


def _agreements(statuses: dict[str, str], **columns: dict[str, object]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "status": statuses,
            "pillar": dict.fromkeys(statuses, "1"),
            "text": {k: f"Afspraak {k}" for k in statuses},
        }
    )
    for key, values in columns.items():
        frame[key] = pd.Series(values)
    frame.index.name = "agreement_id"
    return frame


def test_red_agreements_longest_red_first_then_most_dwellings() -> None:
    r1, r2, r3 = Round(2026, 1), Round(2026, 2), Round(2027, 1)
    history = [
        (r1, _agreements({"1.1": "rood", "1.2": "geel", "1.3": "rood", "1.10": "groen"})),
        (r2, _agreements({"1.1": "rood", "1.2": "rood", "1.3": "geel", "1.10": "rood"})),
        (
            r3,
            _agreements(
                {
                    "1.1": "rood",
                    "1.2": "rood",
                    "1.3": "rood",
                    "1.10": "rood",
                    "1.9": "rood",
                    "1.4": "groen",
                },
                route={"1.1": "landelijke versnellingstafel", "1.3": "bestuurlijk overleg"},
                dependent_dwellings={"1.2": 300, "1.10": 1200, "1.3": 5000},
                actions={"1.1": "Brief aan BZK"},
            ),
        ),
    ]
    red = escalation.red_agreements(history)
    # 1.1: three measurements; 1.10 and 1.2: two (1.10 has more dwellings); then one each:
    # 1.3 (red again, with 5000 dwellings) before 1.9 (new, no estimate)
    assert [(r.id, r.measurements, r.since) for r in red] == [
        ("1.1", 3, r1),
        ("1.10", 2, r2),
        ("1.2", 2, r2),
        ("1.3", 1, r3),
        ("1.9", 1, r3),
    ]
    first = red[0]
    assert (first.route, first.actions, first.dwellings) == (
        "landelijke versnellingstafel",
        "Brief aan BZK",
        None,
    )
    assert red[3].previous_status == "geel" and red[4].previous_status is None
    assert escalation.red_agreements([]) == ()


def test_red_agreements_of_the_demo_state_match_a_plain_count(state: State) -> None:
    rounds = state.snapshots()
    history = [(r, state.monitor(r).agreements) for r in rounds]
    red = escalation.red_agreements(history)
    latest = history[-1][1]
    assert {r.id for r in red} == set(latest.index[latest["status"] == "rood"].astype(str))
    assert all(r.route for r in red)  # the demo region gives every red agreement a route
    keys = [(-r.measurements, -(r.dwellings or 0)) for r in red]
    assert keys == sorted(keys)


# -- focus locations ------------------------------------------------------------------------


def test_focus_counts_the_acceleration_and_large_scale_sites(state: State) -> None:
    cfg = config.load(Path("config.toml"))
    fields = ind.ProjectFields.from_catalogue(cfg.catalogue)
    projects = state.monitor(state.snapshots()[-1]).projects
    found = focus.focus(projects, fields, cfg.realism, 0.0, {})
    # the oracle: plain pandas over the monitor
    live = projects[projects["withdrawn"] != True]  # noqa: E712 - object column of True/None
    chosen = live[(live["acceleration_site"] == True) | (live["large_scale"] == True)]  # noqa: E712
    remaining = (chosen["total_dwellings"].fillna(0) - chosen["completed"].fillna(0)).clip(lower=0)
    assert len(found.locations) == len(chosen) > 0
    assert found.dwellings == int(remaining.sum())
    hard = chosen["zoning_status"].isin(cfg.catalogue.hard_zoning_statuses)
    assert found.hard_dwellings == int(remaining[hard].sum())
    soft = chosen["zoning_status"].isin(cfg.catalogue.soft_zoning_statuses)
    assert found.soft_dwellings == int(remaining[soft].sum())
    assert found.hard_share == pytest.approx(
        remaining[hard].sum() / (remaining[hard].sum() + remaining[soft].sum())
    )
    assert found.acceleration_sites == int((live["acceleration_site"] == True).sum())  # noqa: E712
    assert [f.case.dwellings for f in found.locations] == sorted(
        (f.case.dwellings for f in found.locations), reverse=True
    )
    years = [c for c in chosen.columns if c.startswith("planning_") and c[9:].isdigit()]
    assert found.planned == int(chosen[years].fillna(0).to_numpy().sum())
    assert 0 < found.realistic < found.planned


def test_a_basemap_only_when_configured(tmp_path: Path) -> None:
    cfg = config.load(Path("config.toml"))
    assert cfg.reports.basemap_url == ""  # offline by default
    url = "https://tegels.example/wmts/{z}/{x}/{y}.png"
    text = Path("config.toml").read_text(encoding="utf-8")
    configured = tmp_path / "config.toml"
    configured.write_text(
        text.replace('basemap_url = ""', f'basemap_url = "{url}"'), encoding="utf-8"
    )
    (tmp_path / "pipeline").symlink_to(Path("pipeline").resolve())
    loaded = config.load(configured)
    assert loaded.reports.basemap_url == url
    configured.write_text(
        text.replace('basemap_url = ""', 'basemap_url = "http://tegels.example/kaart.png"'),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="geen tegeladres"):
        config.load(configured)


def test_read_areas_takes_a_shapefile(tmp_path: Path) -> None:
    import shapefile  # pyshp

    path = tmp_path / "gemeenten.shp"
    # the files passed in as our own: pyshp 3.1 leaves the .dbf it opens itself unclosed
    with (
        path.open("wb+") as shp,
        path.with_suffix(".shx").open("wb+") as shx,
        path.with_suffix(".dbf").open("wb+") as dbf,
        shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON) as writer,
    ):
        writer.field("STATCODE", "C", size=10)
        writer.field("STATNAAM", "C", size=40)
        # shapefiles draw outlines clockwise and holes counter-clockwise
        outline = list(reversed([tuple(p) for p in _square(190_000, 444_000, 4_000)]))
        hole = [tuple(p) for p in _square(190_000, 444_000, 1_000, steps=2)]
        writer.poly([outline, hole])
        writer.record("GM0202", "Arnhem")
        writer.poly([list(reversed([tuple(p) for p in _square(187_000, 428_000, 3_000)]))])
        writer.record("GM0268", "Nijmegen")
    areas = planmap.read_areas(path)
    assert [(a.code, a.name) for a in areas] == [("GM0202", "Arnhem"), ("GM0268", "Nijmegen")]
    arnhem = areas[0]
    assert len(arnhem.polygons) == 2  # outline and hole, drawn even-odd in one path
    assert {len(p[0]) for p in arnhem.polygons} == {5}  # simplified to the corners
    assert planmap.svg_path(arnhem).count("M") == 2
    folder = tmp_path
    cfg = dataclasses.replace(
        config.load(Path("config.toml")), root=folder.parent, region_source=folder.name
    )
    found, source = region_areas(cfg)
    assert [a.name for a in found] == [
        "Arnhem",
        "Nijmegen",
    ] and source == "gemeentegrenzen van de regio"


# -- municipality names ---------------------------------------------------------------------


def _demo_map() -> dict[str, object]:
    areas = planmap.voronoi_areas(demo_region.municipality_centres())
    return planmap.map_data((), areas, zoning=[], hard_zoning=[], soft_zoning=[], stoplights=[])


def _label_boxes(data: dict[str, object]) -> dict[str, tuple[float, float, float, float]]:
    size = data["labelSize"]
    assert isinstance(size, int) and size > 0
    return {
        a["name"]: planmap.label_box(a["name"], a["label"], size)
        for a in data["areas"]  # type: ignore[attr-defined]
    }


def _inside_box(box: tuple[float, ...], bbox: list[int]) -> bool:
    return bbox[0] <= box[0] and bbox[1] <= box[1] and box[2] <= bbox[2] and box[3] <= bbox[3]


def test_map_data_keeps_every_name_inside_the_map() -> None:
    data = _demo_map()
    boxes = _label_boxes(data)
    assert len(boxes) == len(demo_region.municipality_centres())
    outside = [name for name, box in boxes.items() if not _inside_box(box, data["bbox"])]  # type: ignore[arg-type]
    assert outside == []
    # a long name in an area at the edge of the map moves in from the edge, and a name wider
    # than the whole region makes the map wider
    edge = planmap.Area("E", "Montferland-aan-de-Oude-IJssel", ((tuple(_ring(0, 0, 4_000)),),))
    inner = planmap.Area("I", "Binnen", ((tuple(_ring(-8_000, 0, 4_000)),),))
    data = planmap.map_data(
        (), (inner, edge), zoning=[], hard_zoning=[], soft_zoning=[], stoplights=[]
    )
    boxes = _label_boxes(data)
    centroid = planmap.label_point(edge)
    assert data["areas"][1]["label"][0] < centroid[0]  # type: ignore[index]
    assert all(_inside_box(box, data["bbox"]) for box in boxes.values())  # type: ignore[arg-type]
    wide = planmap.Area(
        "W", "Een naam die breder is dan het gebied " * 2, ((tuple(_ring(0, 0, 500)),),)
    )
    data = planmap.map_data((), (wide,), zoning=[], hard_zoning=[], soft_zoning=[], stoplights=[])
    (box,) = _label_boxes(data).values()
    assert _inside_box(box, data["bbox"])  # type: ignore[arg-type]
    # (1,000 m of area and 2,000 m at least for the margin's base: 1,160 m without the name)
    assert data["bbox"][2] - data["bbox"][0] > 1_160  # type: ignore[index]


def _ring(cx: float, cy: float, half: float) -> list[tuple[float, float]]:
    return [(cx - half, cy - half), (cx + half, cy - half), (cx + half, cy + half),
            (cx - half, cy + half), (cx - half, cy - half)]  # fmt: skip


def test_place_labels_keeps_names_apart_and_in_their_own_area() -> None:
    areas = planmap.voronoi_areas(demo_region.municipality_centres())
    data = _demo_map()
    assert data == _demo_map()  # the same placement every time
    boxes = list(_label_boxes(data).values())
    overlapping = [
        (a["name"], b["name"])
        for (i, a), (j, b) in itertools.combinations(enumerate(data["areas"]), 2)  # type: ignore[arg-type]
        if boxes[i][0] < boxes[j][2] and boxes[j][0] < boxes[i][2]
        and boxes[i][1] < boxes[j][3] and boxes[j][1] < boxes[i][3]
    ]  # fmt: skip
    assert overlapping == []
    for area, drawn in zip(areas, data["areas"], strict=True):  # type: ignore[call-overload]
        assert _inside(tuple(drawn["label"]), area.polygons[0][0]), area.name
    # two names at the same spot: the smaller area (least room) keeps it, the larger one's
    # name moves aside within its own area
    big = planmap.Area("B", "Groot", ((tuple(_ring(0, 0, 6_000)),),))
    small = planmap.Area("S", "Klein", ((tuple(_ring(0, 1_000, 3_000)),),))
    placed = planmap.place_labels((big, small), (-20_000, -20_000, 20_000, 20_000), 800)
    assert placed[1] == tuple(planmap.label_point(small))
    assert placed[0] != tuple(planmap.label_point(big))
    assert _inside(placed[0], big.polygons[0][0])
    boxes = [planmap.label_box(a.name, xy, 800) for a, xy in zip((big, small), placed, strict=True)]
    assert boxes[0][3] <= boxes[1][1] or boxes[1][3] <= boxes[0][1]


@pytest.fixture(scope="module")
def map_page(tmp_path_factory: pytest.TempPathFactory, _demo_database: Path) -> Path:
    """The dashboard of the demo region (boundaries and every project on the map)."""
    base = tmp_path_factory.mktemp("map")
    cfg = make_config(base)
    with State(_demo_database) as state:
        page = render_dashboard(compute(cfg, state, cfg.round))
    path = base / "dashboard.html"
    path.write_text(page, encoding="utf-8")
    return path


# Boxes on the page, in CSS pixels: the card, the map, the boundaries and each name with the
# box planmap.label_box estimated for it (map units) and its font size (map units).
MAP_BOXES = """(function () {
  function box(e) { var r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }
  var fig = document.getElementById('map'), svg = fig.querySelector('svg'), cs = getComputedStyle(fig);
  var f = fig.getBoundingClientRect(), pad = parseFloat(cs.paddingLeft), border = parseFloat(cs.borderLeftWidth);
  return {
    card: [f.left + border + pad, f.top, f.right - border - pad, f.bottom],
    svg: box(svg),
    areas: box(fig.querySelector('.planmap-areas')),
    layers: [...svg.children].map(function (g) { return g.getAttribute('class'); }),
    labels: [...fig.querySelectorAll('.planmap-labels text')].map(function (t) {
      var b = t.getBBox(), s = getComputedStyle(t);
      return { name: t.textContent, screen: box(t), bbox: [b.x, -b.y - b.height, b.x + b.width, -b.y],
               size: parseFloat(t.parentNode.getAttribute('font-size')),
               paint: s.paintOrder, pointer: s.pointerEvents, stroke: s.stroke };
    })
  };
})()"""


def _within(inner: list[float], outer: list[float], slack: float = 0.5) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


@pytest.mark.slow
@pytest.mark.parametrize("width", (390, 1440))
def test_municipality_names_are_inside_the_map_and_above_the_points(
    map_page: Path, browser: Browser, width: int
) -> None:
    browser.open(map_page.as_uri(), width, 844 if width < 600 else 900)
    boxes = browser.evaluate(MAP_BOXES)
    names = {a.name for a in planmap.voronoi_areas(demo_region.municipality_centres())}
    assert {label["name"] for label in boxes["labels"]} == names
    # the map stays in its card, the boundaries and every name in the map
    assert _within(boxes["svg"], boxes["card"]), boxes
    assert _within(boxes["areas"], boxes["svg"]), boxes
    clipped = [lb["name"] for lb in boxes["labels"] if not _within(lb["screen"], boxes["svg"])]
    assert clipped == []
    # the names are painted after (above) the points, with a halo, and let clicks through
    layers = boxes["layers"]
    assert layers.index("planmap-labels") > layers.index("planmap-points")
    for label in boxes["labels"]:
        assert label["paint"].startswith("stroke") and label["stroke"] != "none"
        assert label["pointer"] == "none"
    # the text is no larger than planmap estimated: its box inside the estimated one
    data = json.loads(browser.evaluate("document.getElementById('monitor-data').textContent"))[
        "map"
    ]
    at = {a["name"]: a["label"] for a in data["areas"]}
    for label in boxes["labels"]:
        assert label["size"] <= data["labelSize"] + 1e-6
        estimate = planmap.label_box(label["name"], at[label["name"]], label["size"])
        assert _within(label["bbox"], list(estimate), slack=1.0), label
    # and no two names on top of each other
    screens = [(lb["name"], lb["screen"]) for lb in boxes["labels"]]
    overlapping = [
        (a, b)
        for (a, p), (b, q) in itertools.combinations(screens, 2)
        if p[0] < q[2] - 1 and q[0] < p[2] - 1 and p[1] < q[3] - 1 and q[1] < p[3] - 1
    ]
    assert overlapping == []
