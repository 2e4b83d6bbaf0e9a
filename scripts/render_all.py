"""Render everything a party or a board member sees to PNG, in one folder, to look at in a minute.

Runs the demo (two rounds, with simulated parties) in a temporary folder, then renders:
- party workbooks (one per kind of party) and feedback workbooks with LibreOffice, each visible
  sheet as the first screen a person sees on opening it (top-left, at 100%);
- the factsheets and the progress report (PDF) with pdftoppm, every page;
- the dashboard and the HTML progress report with headless Chromium at 390 and 1440 pixels
  wide, the whole page.
An ``index.html`` shows them all, and ``manifest.json`` lists each source with its images.

    scripts/render-all [MAP]        (default: var/beelden)
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import openpyxl  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402

from pipeline.core import config as config_module  # noqa: E402
from pipeline.core.config import Paths  # noqa: E402
from pipeline.demo import run_demo  # noqa: E402

WIDTHS = (390, 1440)
SCREEN_COLUMNS_WIDTH = 190  # characters of column width that fit a laptop screen
SCREEN_ROWS = 32
PDF_DPI = 60


@dataclass
class Rendered:
    source: str
    kind: str
    images: list[str] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=REPO / "var" / "beelden")
    parser.add_argument("--rondes", type=int, default=2, help="rondes van de demo")
    parser.add_argument(
        "--regios", type=int, default=3, help="regio's in het landelijke overzicht (0: geen)"
    )
    args = parser.parse_args(argv)
    rendered = render_all(args.out, rounds=args.rondes, regions=args.regios)
    images = sum(len(r.images) for r in rendered)
    print(f"{images} afbeeldingen van {len(rendered)} bestanden in {args.out}")
    print(f"Bekijk ze in {args.out / 'index.html'}")
    return 0


def render_all(out: Path, *, rounds: int = 2, regions: int = 3) -> list[Rendered]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="planmonitor-render-") as temp:
        base = Path(temp)
        paths = Paths(state=base / "state", outputs=base / "uitvoer", storage=base / "opslag")
        config = config_module.load(REPO / "config.toml", paths=paths)
        summary = run_demo(config, rounds=rounds, reports=True, national_regions=regions)
        rendered: list[Rendered] = []
        rendered += _workbooks(_party_workbooks(paths.storage), out, base, "werkmap")
        rendered += _workbooks(_feedback_workbooks(paths.storage), out, base, "terugkoppeling")
        outputs = list(summary.reports)
        if summary.national is not None:
            outputs += [p for p in summary.national.overview.paths if p.suffix in {".pdf", ".html"}]
        pdfs = [p for p in outputs if p.suffix == ".pdf"]
        rendered += [_pdf(p, out) for p in pdfs]
        pages = [p for p in outputs if p.suffix == ".html"]
        rendered += _pages(pages, out)
    _index(rendered, out)
    (out / "manifest.json").write_text(
        json.dumps([r.__dict__ for r in rendered], indent=2, ensure_ascii=False),
        encoding="utf-8",
    )
    return rendered


# -- choosing what to show ------------------------------------------------------------------


def _party_workbooks(storage: Path) -> list[Path]:
    """The newest workbook of a municipality, a corporation, a developer and a tempomaker."""
    folders = sorted((storage / "Partijen").iterdir())
    wanted = ("gemeente", "woon", "ontwikkel", "provincie")
    chosen = []
    for word in wanted:
        folder = next((f for f in folders if word in f.name.lower()), None)
        if folder is None:
            continue
        books = sorted(folder.glob("Planmonitor *.xlsx"))
        if books:
            chosen.append(books[-1])
    return chosen


def _feedback_workbooks(storage: Path) -> list[Path]:
    """A few feedback workbooks, those with blocking findings first."""
    found = sorted((storage / "Partijen").glob("*/Terugkoppeling *.xlsx"))
    with_errors = []
    for path in found:
        book = openpyxl.load_workbook(path, read_only=True)
        text = str(book["Bevindingen"]["A2"].value or "") if "Bevindingen" in book else ""
        book.close()
        if text and not text.startswith("0 blokkerende"):
            with_errors.append(path)
    rest = [p for p in found if p not in with_errors]
    return (with_errors[:3] + rest[:1]) or found[:2]


# -- workbooks: LibreOffice -------------------------------------------------------------------


def _workbooks(paths: Iterable[Path], out: Path, base: Path, kind: str) -> list[Rendered]:
    paths = list(paths)
    if not paths:
        return []
    screens = base / f"scherm-{kind}"
    screens.mkdir()
    copies = [_screen_copy(path, screens / f"{kind}-{i:02d}.xlsx") for i, path in enumerate(paths)]
    profile = (base / "lo-profiel").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(screens),
            *map(str, copies),
        ],
        check=True,
        capture_output=True,
        timeout=900,
    )
    results = []
    for path, copy in zip(paths, copies, strict=True):
        item = _pdf(copy.with_suffix(".pdf"), out, kind=kind, dpi=80, source=path.name)
        results.append(item)
    return results


def _screen_copy(path: Path, target: Path) -> Path:
    """A copy that prints what a person sees on opening each sheet: the top-left screen at
    100%, with the sheet's own fonts, widths, colours and wrapping."""
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        width, last = 0.0, 1
        # at least a screen wide: text may run on past the last column that has cells
        for index in range(1, max(ws.max_column or 1, 60) + 1):
            letter = get_column_letter(index)
            width += ws.column_dimensions[letter].width or 8.43
            last = index
            if width > SCREEN_COLUMNS_WIDTH:
                break
        rows = min(ws.max_row or 1, SCREEN_ROWS)
        ws.print_area = f"A1:{get_column_letter(last)}{rows}"
        ws.print_title_rows = None
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A3
    book.save(target)
    return target


# -- PDFs and pages ---------------------------------------------------------------------------


def _pdf(
    pdf: Path, out: Path, *, kind: str = "pdf", dpi: int = PDF_DPI, source: str = ""
) -> Rendered:
    stem = _slug(Path(source).stem if source else pdf.stem)
    prefix = out / f"{kind}-{stem}"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True, timeout=300
    )
    images = sorted(p.name for p in out.glob(f"{prefix.name}-*.png"))
    return Rendered(source or pdf.name, kind, images)


def _pages(pages: list[Path], out: Path) -> list[Rendered]:
    from browser import Browser

    results = []
    with Browser(timeout=120) as browser:
        for page in pages:
            item = Rendered(page.name, "html")
            for width in WIDTHS:
                browser.open(page.as_uri(), width, 844 if width < 600 else 900)
                image = out / f"html-{_slug(page.stem)}-{width}.png"
                browser.screenshot(image)
                item.images.append(image.name)
            results.append(item)
    return results


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text).strip("-")


def _index(rendered: list[Rendered], out: Path) -> None:
    parts = [
        "<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>Alles wat partijen en bestuurders zien</title><style>",
        "body{font-family:sans-serif;margin:16px} .row{display:flex;gap:12px;flex-wrap:wrap}",
        "figure{margin:0 0 12px} img{max-width:420px;max-height:600px;border:1px solid #ccc}",
        "</style></head><body><h1>Alles wat partijen en bestuurders zien</h1>",
    ]
    for item in rendered:
        parts.append(
            f"<h2>{html.escape(item.source)} <small>({item.kind})</small></h2><div class='row'>"
        )
        for image in item.images:
            parts.append(
                f"<figure><a href='{html.escape(image)}'><img src='{html.escape(image)}' "
                f"alt='{html.escape(image)}'></a><figcaption>{html.escape(image)}</figcaption></figure>"
            )
        parts.append("</div>")
    parts.append("</body></html>")
    (out / "index.html").write_text("\n".join(parts), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
