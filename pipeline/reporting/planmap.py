"""The map of the dashboards: project points and municipality boundaries in RD New.

RD New (EPSG:28992) is a planar projection in metres, so the map is drawn directly as SVG with
no tiles and no network: :func:`map_data` prepares one JSON-ready dict that the map component
(``reports/_map.html.j2``, ``reports/_map.js.j2``, ``reports/_map.css``) draws, pans and zooms.
The regional dashboard and the national one use the same component; the caller decides which
points and areas it gets. Boundaries come from a GeoJSON file (RD New or WGS84 coordinates),
simplified to what the map can show.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..core import ConfigError
from . import indicators as ind

Ring = tuple[tuple[float, float], ...]

# The Netherlands in RD New, with a margin: coordinates outside are a typing error or WGS84.
RD_BOUNDS = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)
# Colours of the stoplight; the hard zoning statuses in blues, the soft ones in ambers.
STOPLIGHT_COLOURS = {"groen": "#2e7d32", "geel": "#f0c419", "rood": "#c62828"}
HARD_COLOURS = ("#0b3c6b", "#1f5f9e", "#3f83c4", "#6aa3d8", "#93bfe6", "#b9d6f0")
SOFT_COLOURS = ("#8a3b00", "#b34700", "#d9730d", "#eb9a3c", "#f4bd73", "#f8d7a6", "#fbe8cd")
UNKNOWN_COLOUR = "#9aa5b1"
UNKNOWN_LABEL = "onbekend"
# Property names that hold a municipality's code and name in common Dutch boundary files
# (CBS gebiedsindelingen: statcode/statnaam; older files: gemeentecode/gemeentenaam).
CODE_KEYS = ("statcode", "gemeentecode", "gm_code", "code", "id")
NAME_KEYS = ("statnaam", "gemeentenaam", "gm_naam", "naam", "name")
# A municipality's name is LABEL_PX screen pixels high on a map NARROW_MAP_PX wide (a 390 px
# phone) and never larger than that in map units, so names placed for the phone fit everywhere.
LABEL_PX = 11
NARROW_MAP_PX = 340
# Upper bounds of a glyph's advance in em for the bold sans-serif fonts the page may get
# (DejaVu Sans Bold is the widest of Segoe UI, Arial and DejaVu Sans).
_NARROW_GLYPHS = frozenset("fijlrtI .,:;'!|()-")
_WIDE_GLYPHS = frozenset("mwMW")


@dataclass(frozen=True)
class Point:
    """One project on the map."""

    id: str
    name: str
    x: float
    y: float
    dwellings: int
    zoning: str | None
    stoplight: str | None
    acceleration_site: bool
    large_scale: bool


@dataclass(frozen=True)
class Area:
    """A municipality (or any area) as rings of RD coordinates; the first ring of each
    polygon is its outline, further rings are holes."""

    code: str
    name: str
    polygons: tuple[tuple[Ring, ...], ...]


@dataclass(frozen=True)
class Basemap:
    """An online background map as WMTS tiles in the RD grid (EPSG:28992), for example the
    national BRT-achtergrondkaart. ``url`` has ``{z}``, ``{x}`` and ``{y}``."""

    url: str
    attribution: str


def points(projects: pd.DataFrame, fields: ind.ProjectFields) -> tuple[Point, ...]:
    """The projects that have RD coordinates, withdrawn ones included (the page hides them).
    A zoning status that is neither hard nor soft (onbekend, empty, an old label) is None."""
    known = fields.hard_zoning | fields.soft_zoning
    x = pd.to_numeric(ind.texts(projects, "x_rd"), errors="coerce")
    y = pd.to_numeric(ind.texts(projects, "y_rd"), errors="coerce")
    remaining = ind.remaining(projects, fields)
    acceleration = ind.flags(projects, fields.acceleration_site)
    large = ind.flags(projects, fields.large_scale)
    found = []
    for pid, row in ind.records(projects).items():
        px, py = x.get(pid), y.get(pid)
        if px is None or py is None or not (math.isfinite(px) and math.isfinite(py)):
            continue
        if not in_rd_bounds(float(px), float(py)):
            continue
        found.append(
            Point(
                id=str(pid),
                name=str(row.get(ind.NAME) or ""),
                x=float(px),
                y=float(py),
                dwellings=round(float(remaining.get(pid, 0))),
                zoning=_known(ind.as_text(row.get(ind.ZONING)), known),
                stoplight=ind.as_text(row.get(ind.STOPLIGHT)) or None,
                acceleration_site=bool(acceleration.get(pid)),
                large_scale=bool(large.get(pid)),
            )
        )
    return tuple(found)


def _known(status: str, known: frozenset[str]) -> str | None:
    return status if status in known else None


def in_rd_bounds(x: float, y: float) -> bool:
    return RD_BOUNDS[0] <= x <= RD_BOUNDS[2] and RD_BOUNDS[1] <= y <= RD_BOUNDS[3]


def zoning_legend(
    statuses: Sequence[str], hard: Iterable[str], soft: Iterable[str]
) -> list[dict[str, Any]]:
    """A colour per zoning status in ladder order: hard ones blue, soft ones amber, then
    "onbekend" in grey for every status that is neither (onbekend, empty)."""
    hard_set, soft_set = set(hard), set(soft)
    legend: list[dict[str, Any]] = []
    hard_seen = soft_seen = 0
    for status in statuses:
        if status not in hard_set | soft_set:
            continue
        if status in hard_set:
            colour = HARD_COLOURS[min(hard_seen, len(HARD_COLOURS) - 1)]
            hard_seen += 1
        else:
            colour = SOFT_COLOURS[min(soft_seen, len(SOFT_COLOURS) - 1)]
            soft_seen += 1
        legend.append({"key": status, "label": status, "colour": colour})
    legend.append({"key": None, "label": UNKNOWN_LABEL, "colour": UNKNOWN_COLOUR})
    return legend


def stoplight_legend(stoplights: Sequence[str]) -> list[dict[str, Any]]:
    legend: list[dict[str, Any]] = [
        {"key": s, "label": s, "colour": STOPLIGHT_COLOURS.get(s, UNKNOWN_COLOUR)}
        for s in stoplights
    ]
    legend.append({"key": None, "label": "geen stoplicht", "colour": UNKNOWN_COLOUR})
    return legend


def map_data(
    found: Sequence[Point],
    areas: Sequence[Area] = (),
    *,
    zoning: Sequence[str],
    hard_zoning: Iterable[str],
    soft_zoning: Iterable[str],
    stoplights: Sequence[str],
    basemap: Basemap | None = None,
    areas_source: str = "",
) -> dict[str, Any]:
    """What the map component draws, JSON-ready. Coordinates stay RD metres (rounded to 1 m);
    the component flips y for SVG. ``bbox`` covers the points, the areas and their names;
    ``labelSize`` is the largest font size of a name in map units (see :func:`place_labels`)."""
    xs = [p.x for p in found] + [x for a in areas for poly in a.polygons for x, _ in poly[0]]
    ys = [p.y for p in found] + [y for a in areas for poly in a.polygons for _, y in poly[0]]
    if xs:
        margin = max(max(xs) - min(xs), max(ys) - min(ys), 2_000.0) * 0.04
        bbox = (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin)
    else:
        bbox = (150_000.0, 400_000.0, 230_000.0, 470_000.0)
    size = math.floor((bbox[2] - bbox[0]) * LABEL_PX / NARROW_MAP_PX)
    labels = place_labels(areas, bbox, size)
    # a name wider than the whole region still fits: the map grows around it
    boxes = [label_box(a.name, xy, size) for a, xy in zip(areas, labels, strict=True)]
    bbox = (
        min([bbox[0], *(b[0] for b in boxes)]),
        min([bbox[1], *(b[1] for b in boxes)]),
        max([bbox[2], *(b[2] for b in boxes)]),
        max([bbox[3], *(b[3] for b in boxes)]),
    )
    return {
        "bbox": [math.floor(bbox[0]), math.floor(bbox[1]), math.ceil(bbox[2]), math.ceil(bbox[3])],
        "labelSize": size,
        "points": [
            {
                "id": p.id,
                "name": p.name,
                "x": round(p.x),
                "y": round(p.y),
                "n": p.dwellings,
                "zoning": p.zoning,
                "light": p.stoplight,
                "acc": p.acceleration_site,
                "large": p.large_scale,
            }
            for p in found
        ],
        "areas": [
            {"code": a.code, "name": a.name, "d": svg_path(a), "label": [round(x), round(y)]}
            for a, (x, y) in zip(areas, labels, strict=True)
        ],
        "areasSource": areas_source,
        "legend": {
            "zoning": zoning_legend(zoning, hard_zoning, soft_zoning),
            "light": stoplight_legend(stoplights),
        },
        "basemap": ({"url": basemap.url, "attribution": basemap.attribution} if basemap else None),
    }


# -- boundaries -----------------------------------------------------------------------------


RawArea = tuple[str, str, list[list[list[tuple[float, float]]]]]


def read_areas(path: Path, *, tolerance: float | None = None) -> tuple[Area, ...]:
    """Municipality boundaries from a GeoJSON FeatureCollection of (Multi)Polygons or an ESRI
    shapefile (``.shp`` with its ``.dbf``), in RD New or in WGS84 (longitude, latitude;
    converted), simplified to ``tolerance`` metres (by default 1/1500 of the extent: invisible
    on a dashboard, a fraction of the file)."""
    raw = _shapefile(path) if path.suffix.lower() == ".shp" else _geojson(path)
    return _areas(path, raw, tolerance)


def _shapefile(path: Path) -> list[RawArea]:
    import shapefile  # pyshp

    try:
        with shapefile.Reader(str(path)) as reader:
            names = [field[0].lower() for field in reader.fields[1:]]
            found = list(zip(reader.shapes(), reader.records(), strict=True))
    except (OSError, shapefile.ShapefileException) as exc:
        raise ConfigError(
            f"Het shapebestand met gemeentegrenzen {path} kan niet worden gelezen ({exc}). Zet "
            "het .shp-bestand met het .dbf-bestand ernaast in de regiomap."
        ) from exc
    raw: list[RawArea] = []
    for number, (shape, record) in enumerate(found, start=1):
        if shape.shapeType not in (shapefile.POLYGON, shapefile.POLYGONZ, shapefile.POLYGONM):
            continue  # points or lines are no boundaries
        properties = dict(zip(names, list(record), strict=False))
        code = next((str(properties[k]) for k in CODE_KEYS if properties.get(k)), str(number))
        name = next((str(properties[k]) for k in NAME_KEYS if properties.get(k)), code)
        starts = [*shape.parts, len(shape.points)]
        # each ring its own outline: the map fills with even-odd, so holes stay holes
        rings = [
            [[(float(x), float(y)) for x, y, *_ in shape.points[a:b]]]
            for a, b in itertools.pairwise(starts)
            if b - a >= 4
        ]
        raw.append((code.strip(), name.strip(), rings))
    return raw


def _geojson(path: Path) -> list[RawArea]:
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(
            f"Het bestand met gemeentegrenzen {path} kan niet worden gelezen ({exc}). Het moet "
            "een GeoJSON-bestand zijn (FeatureCollection met polygonen)."
        ) from exc
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        raise ConfigError(
            f"{path} is geen GeoJSON FeatureCollection: er staat geen lijst 'features' in."
        )
    raw: list[RawArea] = []
    for number, feature in enumerate(features, start=1):
        geometry = (feature or {}).get("geometry") or {}
        kind, coordinates = geometry.get("type"), geometry.get("coordinates")
        if kind not in ("Polygon", "MultiPolygon") or not isinstance(coordinates, list):
            continue  # points or lines are no boundaries
        polygons: list[Any] = [coordinates] if kind == "Polygon" else coordinates
        properties = {str(k).lower(): v for k, v in ((feature.get("properties") or {}).items())}
        code = next((str(properties[k]) for k in CODE_KEYS if properties.get(k)), str(number))
        name = next((str(properties[k]) for k in NAME_KEYS if properties.get(k)), code)
        try:
            parsed = [
                [[(float(c[0]), float(c[1])) for c in ring] for ring in poly] for poly in polygons
            ]
        except (TypeError, ValueError, IndexError) as exc:
            raise ConfigError(
                f"In {path} heeft gebied {name} coördinaten die geen getallenparen zijn."
            ) from exc
        raw.append((code.strip(), name.strip(), parsed))
    return raw


def _areas(path: Path, raw: list[RawArea], tolerance: float | None) -> tuple[Area, ...]:
    coordinates = [c for _, _, polys in raw for poly in polys for ring in poly for c in ring]
    if not coordinates:
        raise ConfigError(f"{path} bevat geen polygonen met gemeentegrenzen.")
    wgs84 = all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in coordinates)
    if wgs84:
        coordinates = [rd_from_wgs84(lon, lat) for lon, lat in coordinates]
    elif not all(in_rd_bounds(x, y) for x, y in coordinates):
        raise ConfigError(
            f"De coördinaten in {path} zijn geen RD New (EPSG:28992) en geen WGS84. Sla het "
            "bestand op in een van die twee."
        )
    xs = [x for x, _ in coordinates]
    ys = [y for _, y in coordinates]
    extent = max(max(xs) - min(xs), max(ys) - min(ys))
    step = tolerance if tolerance is not None else extent / 1500
    areas = []
    for code, name, polys in raw:
        converted: list[tuple[Ring, ...]] = []
        for poly in polys:
            rings: list[Ring] = []
            for ring in poly:
                points_ = [rd_from_wgs84(x, y) for x, y in ring] if wgs84 else ring
                simplified = simplify(points_, step)
                if len(simplified) >= 4:
                    rings.append(tuple(simplified))
            if rings:
                converted.append(tuple(rings))
        if converted:
            areas.append(Area(code, name, tuple(converted)))
    return tuple(areas)


def simplify(ring: Sequence[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker: drop the vertices closer than ``tolerance`` to the simplified line.
    The ring stays closed (first point equals last)."""
    if len(ring) < 4 or tolerance <= 0:
        return list(ring)
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    # a closed ring has no line to measure from: split it at the vertex farthest from the start
    far = max(range(len(ring)), key=lambda i: _distance2(ring[i], ring[0]))
    keep[far] = True
    stack = [(0, far), (far, len(ring) - 1)]
    limit = tolerance * tolerance
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            d = _segment_distance2(ring[i], ring[first], ring[last])
            if d > worst:
                worst, index = d, i
        if index >= 0 and worst > limit:
            keep[index] = True
            stack.extend(((first, index), (index, last)))
    return [p for p, kept in zip(ring, keep, strict=True) if kept]


def _distance2(a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def _segment_distance2(
    p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]
) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return _distance2(p, a)
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return _distance2(p, (a[0] + t * dx, a[1] + t * dy))


def svg_path(area: Area) -> str:
    """The area as an SVG path in map units: RD metres with y negated (SVG y runs down)."""
    parts = []
    for polygon in area.polygons:
        for ring in polygon:
            coords = " ".join(f"{round(x)} {-round(y)}" for x, y in ring[:-1])
            parts.append(f"M{coords}Z")
    return "".join(parts)


def label_point(area: Area) -> list[int]:
    """The centroid of the area's largest outline: where its name goes if it has room."""
    outline = _outline(area)
    a = _signed_area(outline)
    if a == 0:
        x = sum(p[0] for p in outline) / len(outline)
        y = sum(p[1] for p in outline) / len(outline)
        return [round(x), round(y)]
    cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(outline):
        cross = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return [round(cx / (6 * a)), round(cy / (6 * a))]


def place_labels(
    areas: Sequence[Area], bbox: tuple[float, float, float, float], size: float
) -> list[tuple[int, int]]:
    """Where each area's name goes at font size ``size`` (map units): its centroid, or the
    nearest spot that keeps clear of the names placed before it (smaller areas first: they
    have the least room), inside
    the area where there is one; always with the whole name inside ``bbox``, so that no edge
    of the map cuts it off."""
    boxes: list[tuple[float, float, float, float]] = []
    placed: dict[int, tuple[int, int]] = {}
    offsets = sorted(
        (
            (dx, dy)
            for dx in (0, -0.25, 0.25, -0.5, 0.5)
            for dy in (0, 0.6, -0.6, 1.2, -1.2, 1.8, -1.8, 2.5, -2.5)
        ),
        key=lambda o: (math.hypot(o[0] * 4, o[1]), o),  # sideways moves a name far: last
    )
    order = sorted(range(len(areas)), key=lambda i: (_outline_area(areas[i]), areas[i].code))
    for i in order:
        area = areas[i]
        cx, cy = label_point(area)
        outline = _outline(area)
        half_w = text_width(area.name) * size / 2
        inset = 0.25 * size
        spots = []
        for dx, dy in offsets:
            x = _clamp(cx + dx * 2 * half_w, bbox[0] + half_w + inset, bbox[2] - half_w - inset)
            y = _clamp(cy + dy * size, bbox[1] + size + inset, bbox[3] - size - inset)
            spots.append((round(x), round(y)))
        free = [
            s for s in spots if not any(_overlap(label_box(area.name, s, size), b) for b in boxes)
        ]
        # in its own area if it can, else just clear of the others (a small area, a long name)
        inside = [s for s in free if s == spots[0] or _contains(outline, s)]
        placed[i] = (inside or free or spots)[0]
        boxes.append(label_box(area.name, placed[i], size))
    return [placed[i] for i in range(len(areas))]


def text_width(text: str) -> float:
    """An upper bound of the width of ``text`` in bold sans-serif, in em."""
    return sum(
        0.5 if c in _NARROW_GLYPHS else 1.1 if c in _WIDE_GLYPHS else 0.86 if c.isupper() else 0.72
        for c in text
    )


def label_box(text: str, at: tuple[float, float], size: float) -> tuple[float, float, float, float]:
    """The box (x0, y0, x1, y1) a name centred at ``at`` takes at font size ``size``: its
    estimated width, and ascent plus descent with room to spare (the page centres the text
    on ``at`` with dominant-baseline: central)."""
    half_w, half_h = text_width(text) * size / 2, 0.65 * size
    return (at[0] - half_w, at[1] - half_h, at[0] + half_w, at[1] + half_h)


def _clamp(value: float, low: float, high: float) -> float:
    return (low + high) / 2 if low > high else min(max(value, low), high)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _outline(area: Area) -> Ring:
    return max((poly[0] for poly in area.polygons), key=lambda r: abs(_signed_area(r)))


def _outline_area(area: Area) -> float:
    return abs(_signed_area(_outline(area)))


def _contains(ring: Ring, point: tuple[float, float]) -> bool:
    """Whether the point lies inside the ring (even-odd rule)."""
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _signed_area(ring: Ring) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def to_geojson(areas: Sequence[Area]) -> dict[str, Any]:
    """Areas as a GeoJSON FeatureCollection in RD New (for a region folder or a test)."""
    return {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"statcode": a.code, "statnaam": a.name},
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [
                        [[list(c) for c in ring] for ring in polygon] for polygon in a.polygons
                    ],
                },
            }
            for a in areas
        ],
    }


def voronoi_areas(
    centres: Mapping[str, tuple[str, tuple[float, float]]], margin: float = 6_000.0
) -> tuple[Area, ...]:
    """Schematic areas around centres (code → (name, (x, y))): each the part of a box around
    all centres that is nearer to its own centre than to any other. The demo region has no
    real boundaries; this gives it believable ones, labelled as schematic."""
    xs = [c[1][0] for c in centres.values()]
    ys = [c[1][1] for c in centres.values()]
    box = [
        (min(xs) - margin, min(ys) - margin),
        (max(xs) + margin, min(ys) - margin),
        (max(xs) + margin, max(ys) + margin),
        (min(xs) - margin, max(ys) + margin),
    ]
    areas = []
    for code, (name, (cx, cy)) in centres.items():
        cell = list(box)
        for other, (_, (ox, oy)) in centres.items():
            if other == code:
                continue
            # keep the half-plane nearer to (cx, cy): n·p <= c with n = o - c
            nx, ny = ox - cx, oy - cy
            limit = (ox * ox + oy * oy - cx * cx - cy * cy) / 2
            cell = _clip(cell, nx, ny, limit)
            if not cell:
                break
        if cell:
            ring = (*cell, cell[0])
            areas.append(Area(code, name, ((tuple(ring),),)))
    return tuple(areas)


def _clip(
    polygon: list[tuple[float, float]], nx: float, ny: float, limit: float
) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: the part of a convex polygon where nx*x + ny*y <= limit."""
    result: list[tuple[float, float]] = []
    for i, current in enumerate(polygon):
        previous = polygon[i - 1]
        inside_now = nx * current[0] + ny * current[1] <= limit
        inside_before = nx * previous[0] + ny * previous[1] <= limit
        if inside_now != inside_before:
            a = nx * previous[0] + ny * previous[1]
            b = nx * current[0] + ny * current[1]
            t = (limit - a) / (b - a)
            result.append(
                (
                    previous[0] + t * (current[0] - previous[0]),
                    previous[1] + t * (current[1] - previous[1]),
                )
            )
        if inside_now:
            result.append(current)
    return result


# -- coordinates ------------------------------------------------------------------------------

# The approximation of the RD New projection by Schreutelkamp and Strang van Hees ("Benaderings-
# formules voor de transformatie tussen RD- en WGS84-kaartcoördinaten", 2001): within about a
# metre over the Netherlands, far below what a dashboard map shows.
_X0, _Y0, _PHI0, _LAM0 = 155_000.0, 463_000.0, 52.15517440, 5.38720621
_RD_P = ((0, 1, 190094.945), (1, 1, -11832.228), (2, 1, -114.221), (0, 3, -32.391),
         (1, 0, -0.705), (3, 1, -2.340), (1, 3, -0.608), (0, 2, -0.008), (2, 3, 0.148))  # fmt: skip
_RD_Q = ((1, 0, 309056.544), (0, 2, 3638.893), (2, 0, 73.077), (1, 2, -157.984),
         (3, 0, 59.788), (0, 1, 0.433), (2, 2, -6.439), (1, 1, -0.032), (0, 4, 0.092),
         (1, 4, -0.054))  # fmt: skip
_WGS_K = ((0, 1, 3235.65389), (2, 0, -32.58297), (0, 2, -0.24750), (2, 1, -0.84978),
          (0, 3, -0.06550), (2, 2, -0.01709), (1, 0, -0.00738), (4, 0, 0.00530),
          (2, 3, -0.00039), (4, 1, 0.00033), (1, 1, -0.00012))  # fmt: skip
_WGS_L = ((1, 0, 5260.52916), (1, 1, 105.94684), (1, 2, 2.45656), (3, 0, -0.81885),
          (1, 3, 0.05594), (3, 1, -0.05607), (0, 1, 0.01199), (3, 2, -0.00256),
          (1, 4, 0.00128), (0, 2, 0.00022), (2, 0, -0.00022), (5, 0, 0.00026))  # fmt: skip


def rd_from_wgs84(longitude: float, latitude: float) -> tuple[float, float]:
    """RD New (x, y) in metres of a WGS84 point."""
    dphi = 0.36 * (latitude - _PHI0)
    dlam = 0.36 * (longitude - _LAM0)
    x = _X0 + sum(c * dphi**p * dlam**q for p, q, c in _RD_P)
    y = _Y0 + sum(c * dphi**p * dlam**q for p, q, c in _RD_Q)
    return x, y


def wgs84_from_rd(x: float, y: float) -> tuple[float, float]:
    """WGS84 (longitude, latitude) of an RD New point."""
    dx = (x - _X0) * 1e-5
    dy = (y - _Y0) * 1e-5
    latitude = _PHI0 + sum(c * dx**p * dy**q for p, q, c in _WGS_K) / 3600
    longitude = _LAM0 + sum(c * dx**p * dy**q for p, q, c in _WGS_L) / 3600
    return longitude, latitude
