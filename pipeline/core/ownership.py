"""Who owns which cell: the rule behind "everyone sees everything, each changes only their own".

Sheet protection in Excel is a convenience; this module is what the validation and the merge
enforce.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .catalogue import Column, Entity, Field, Roles
from .region import Party, Region


def owners(field: Field, row: Mapping[str, Any], region: Region, roles: Roles) -> frozenset[str]:
    """Ids of the parties that own this field of this row (empty: only the secretary)."""
    if field.owner == "initiator":
        initiator = row.get(roles.initiator)
        return frozenset({initiator}) if isinstance(initiator, str) else frozenset()
    if field.owner == "municipality":
        party = region.municipality_party(str(row.get(roles.municipality)))
        return frozenset({party.id}) if party else frozenset()
    if field.owner == "tempomaker":
        return region.tempomaker_ids(row.get(roles.pillar))
    return frozenset()


def owns(party: Party, field: Field, row: Mapping[str, Any], region: Region, roles: Roles) -> bool:
    return party.id in owners(field, row, region, roles)


def owned_columns(
    party: Party, columns: list[Column], row: Mapping[str, Any], region: Region, roles: Roles
) -> set[str]:
    """Keys of the columns of this row the party may change."""
    # Who owns a field of a row depends on the field's kind of owner only: asked once per kind.
    mine: dict[str, bool] = {}
    for column in columns:
        kind = column.field.owner
        if kind not in mine:
            mine[kind] = owns(party, column.field, row, region, roles)
    return {c.key for c in columns if mine[c.field.owner]}


def is_party_row(party: Party, entity: Entity, row: Mapping[str, Any], roles: Roles) -> bool:
    """Does this row belong in the party's own sheet?"""
    if entity == "project":
        return row.get(roles.initiator) == party.id or (
            party.municipality_code is not None
            and row.get(roles.municipality) == party.municipality_code
        )
    return row.get(roles.pillar) in party.pillars
