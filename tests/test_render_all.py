"""scripts/render-all: every party- and board-facing output as an image, each one there and
not blank (a page that failed to render is one colour)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest
from browser import CHROMIUM

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "render_all.py"
TOOLS = ("soffice", "pdftoppm")


def _load() -> object:
    spec = importlib.util.spec_from_file_location("render_all", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def not_blank(path: Path) -> float:
    """The share of pixels that differ from the most common colour."""
    from PIL import Image

    with Image.open(path) as image:
        counts = image.convert("L").histogram()
        return 1 - max(counts) / sum(counts)


@pytest.mark.slow
@pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS) or not CHROMIUM.exists(),
    reason="LibreOffice, pdftoppm of Chromium ontbreekt",
)
def test_render_all_makes_an_image_of_everything(tmp_path: Path) -> None:
    module = _load()
    out = tmp_path / "beelden"
    rendered = module.render_all(out, rounds=1, regions=2)  # type: ignore[attr-defined]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    kinds = {item["kind"] for item in manifest}
    assert kinds == {"werkmap", "terugkoppeling", "pdf", "html"}
    sources = [item["source"] for item in manifest]
    assert any(s.startswith("factsheet") for s in sources)
    assert any(s.startswith("voortgangsrapportage") and s.endswith(".pdf") for s in sources)
    assert any(s.startswith("dashboard") for s in sources)
    assert any(s.startswith("landelijk") or "landelijk" in s for s in sources)
    assert sum(1 for item in manifest if item["kind"] == "werkmap") >= 3
    for item in manifest:
        assert item["images"], item["source"]  # every output has at least one image
        if item["kind"] == "html":
            assert [i.rsplit("-", 1)[1] for i in item["images"]] == ["390.png", "1440.png"]
        for name in item["images"]:
            image = out / name
            assert image.is_file() and image.stat().st_size > 2_000, name
            # a page that failed to render is one colour; even a page with one line has ink
            assert not_blank(image) > 0.0001, name
    assert len(rendered) == len(manifest)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(name in index for item in manifest for name in item["images"])
