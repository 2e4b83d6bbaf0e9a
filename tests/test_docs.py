"""The guides keep up with the code: every command, option and finding code is documented, and
every command's help ends with an example that runs (as in sqlite-utils' ``tests/test_docs.py``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.messages import TEMPLATES

DOCS = Path(__file__).resolve().parent.parent / "docs"
SECRETARY = DOCS / "secretaris.md"
EXAMPLE_PREFIX = "Voorbeeld: planmonitor"
# Commands whose help has no example yet; cli.py belongs to the lead. Strict, so the marker has
# to go as soon as the example is added.
KNOWN_WITHOUT_EXAMPLE: set[str] = set()


def _walk(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _walk(sub, f"{path} {name}")


COMMANDS = list(_walk(main, "planmonitor"))
OPTIONS = [
    (path, opt)
    for path, command in COMMANDS
    for param in command.params
    if isinstance(param, click.Option)
    for opt in param.opts
    if opt.startswith("--")
]


@pytest.fixture(scope="module")
def secretary_guide() -> str:
    return SECRETARY.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS if p != "planmonitor"])
def test_secretary_guide_mentions_command(secretary_guide: str, path: str) -> None:
    assert path in secretary_guide, f"'{path}' ontbreekt in docs/secretaris.md"


@pytest.mark.parametrize(("path", "option"), OPTIONS)
def test_secretary_guide_mentions_option(secretary_guide: str, path: str, option: str) -> None:
    assert option in secretary_guide, f"optie {option} van '{path}' ontbreekt in docs/secretaris.md"


@pytest.mark.parametrize("code", sorted(TEMPLATES))
def test_secretary_guide_lists_finding_code(secretary_guide: str, code: str) -> None:
    assert f"`{code}`" in secretary_guide, f"bevinding {code} ontbreekt in docs/secretaris.md"


def _example(command: click.Command) -> str | None:
    lines = [line.strip() for line in (command.help or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines and lines[-1].startswith(EXAMPLE_PREFIX) else None


def _resolve(args: list[str]) -> str:
    """The command an example line calls, parsed by click without running it (``--help``)."""
    result = CliRunner().invoke(main, [*args, "--help"], prog_name="planmonitor")
    assert result.exit_code == 0, result.output
    usage = result.output.splitlines()[0]
    assert usage.startswith("Usage: planmonitor"), usage
    return usage.removeprefix("Usage: ").split(" [")[0]


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(
            p,
            marks=pytest.mark.xfail(
                strict=True, reason="help zonder voorbeeld; meld het aan de lead"
            ),
        )
        if p in KNOWN_WITHOUT_EXAMPLE
        else p
        for p, _ in COMMANDS
    ],
)
def test_command_help_ends_with_runnable_example(path: str) -> None:
    command = dict(COMMANDS)[path]
    example = _example(command)
    assert example is not None, f"de help van '{path}' eindigt niet met '{EXAMPLE_PREFIX} ...'"
    args = shlex.split(example.removeprefix("Voorbeeld:").strip())[1:]
    resolved = _resolve(args)
    assert resolved.startswith(path), f"het voorbeeld van '{path}' roept '{resolved}' aan"


@pytest.mark.parametrize("guide", ["secretaris.md", "partijen.md"])
def test_guide_links_to_existing_files(guide: str) -> None:
    text = (DOCS / guide).read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", text)
    missing = [t for t in targets if not (DOCS / t).is_file()]
    assert not missing, f"{guide} verwijst naar ontbrekende bestanden: {missing}"


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("guide", ["secretaris.md", "partijen.md"])
def test_guide_anchors_point_to_headings(guide: str) -> None:
    text = (DOCS / guide).read_text(encoding="utf-8")
    headings = {_slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}
    anchors = re.findall(r"\]\(#([^)]+)\)", text)
    missing = [a for a in anchors if a not in headings]
    assert not missing, f"{guide} verwijst naar ontbrekende kopjes: {missing}"
