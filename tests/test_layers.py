"""The package's shape: stage subpackages with faces, imported only through those faces.

The layers themselves (which stage may import which) are import-linter's contract in
pyproject.toml, run by ``scripts/test``; these tests check what it cannot.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"
PACKAGES = sorted(p.name for p in PIPELINE.iterdir() if (p / "__init__.py").is_file())
PRIVATE_API_HOME = PIPELINE / "workbook" / "xlsx.py"


def module_name(path: Path, root: Path = PIPELINE) -> str:
    parts = ["pipeline", *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def cross_package_imports(root: Path = PIPELINE) -> list[tuple[str, str, str, int]]:
    """(importing module, imported module, name, line) for every import between packages."""
    found = []
    for path in sorted(root.rglob("*.py")):
        current = module_name(path, root)
        package = current if path.name == "__init__.py" else current.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").startswith("pipeline"):
                target = node.module or ""
            else:
                continue
            own = current.split(".")[:2]
            if target.split(".")[:2] != own:
                found += [(current, target, alias.name, node.lineno) for alias in node.names]
    return found


def test_every_stage_is_a_package_with_a_face() -> None:
    assert PACKAGES == [
        "core",
        "demo",
        "national",
        "reporting",
        "sources",
        "stages",
        "state",
        "storage",
        "validation",
        "workbook",
    ]
    loose = sorted(p.name for p in PIPELINE.glob("*.py"))
    assert loose == ["__init__.py", "cli.py"]


@pytest.mark.parametrize("package", PACKAGES)
def test_face_lists_only_what_exists(package: str) -> None:
    face = importlib.import_module(f"pipeline.{package}")
    assert face.__all__, f"pipeline.{package} has no __all__"
    assert len(set(face.__all__)) == len(face.__all__)
    for name in face.__all__:
        if not hasattr(face, name):  # a submodule loaded on use
            importlib.import_module(f"pipeline.{package}.{name}")


def test_packages_import_each_other_only_through_faces() -> None:
    wrong = []
    for current, target, name, line in cross_package_imports():
        if target == "pipeline":
            continue  # __version__
        face = importlib.import_module(".".join(target.split(".")[:2]))
        if target.count(".") > 1:
            wrong.append(f"{current}:{line} imports {target} (not a face)")
        elif name not in face.__all__:
            wrong.append(f"{current}:{line} imports {name} from {target}, not in its __all__")
    assert wrong == []


def test_openpyxl_private_api_only_in_one_module() -> None:
    ours = set()
    trees = {}
    for path in PIPELINE.rglob("*.py"):
        trees[path] = tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                ours.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                ours.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                ours.add(node.id)
    wrong = []
    for path, tree in trees.items():
        if path == PRIVATE_API_HOME:
            continue
        for node in ast.walk(tree):
            private_import = (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("openpyxl")
                and any(part.startswith("_") for part in (node.module or "").split("."))
            )
            private_attribute = (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in ours
            )
            if private_import or private_attribute:
                wrong.append(f"{path.relative_to(PIPELINE)}:{node.lineno}")
    assert wrong == []


def test_the_scan_finds_a_deep_import(tmp_path: Path) -> None:
    """The face check above sees an import that reaches past a face, relative or absolute."""
    (tmp_path / "stages").mkdir()
    (tmp_path / "stages" / "merge.py").write_text(
        "from ..state.database import State\nfrom .check import x\n"
        "from pipeline.core.values import check\n"
    )
    assert cross_package_imports(tmp_path) == [
        ("pipeline.stages.merge", "pipeline.state.database", "State", 1),
        ("pipeline.stages.merge", "pipeline.core.values", "check", 3),
    ]
