"""The field catalogue: roles name the fields the code needs, each exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core import ConfigError
from pipeline.core import catalogue as catalogue_module


def test_roles_name_the_fields_the_code_needs() -> None:
    roles = catalogue_module.load().roles
    assert (roles.name, roles.municipality, roles.initiator, roles.pillar) == (
        "name",
        "municipality",
        "initiator",
        "pillar",
    )


def test_a_role_on_another_key_is_followed(tmp_path: Path) -> None:
    text = catalogue_module.DEFAULT_PATH.read_text(encoding="utf-8")
    renamed = text.replace('key = "initiator"', 'key = "trekker"')
    (tmp_path / "c.toml").write_text(renamed, encoding="utf-8")
    assert catalogue_module.load(tmp_path / "c.toml").roles.initiator == "trekker"


@pytest.mark.parametrize(("role", "other"), [("name", "place"), ("pillar", "text")])
def test_a_missing_or_double_role_is_refused(tmp_path: Path, role: str, other: str) -> None:
    text = catalogue_module.DEFAULT_PATH.read_text(encoding="utf-8")
    (tmp_path / "none.toml").write_text(text.replace(f'role = "{role}"\n', ""), encoding="utf-8")
    with pytest.raises(ConfigError, match=f"rol '{role}'"):
        catalogue_module.load(tmp_path / "none.toml")
    doubled = text.replace(f'key = "{other}"\n', f'key = "{other}"\nrole = "{role}"\n')
    (tmp_path / "two.toml").write_text(doubled, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"rol '{role}'"):
        catalogue_module.load(tmp_path / "two.toml")
