"""Who may do what in the SharePoint library, and a check that the set-up is usable.

The permission layout (each folder stops inheriting from the library; *Limited Access*, which
SharePoint adds itself so people can reach a folder they were given, is left alone):

==========================  ================================================================
``Partijen``                secretary: Volledig beheer (parties reach their own folder by link)
``Partijen/<partij>``       the party's people or group: Bijdragen; secretary: Volledig beheer
``Monitor``                 the table's group: Lezen; secretary: Volledig beheer
``Archief``                 secretary: Volledig beheer, nobody else
==========================  ================================================================

A party's people are ``[sharepoint.party_principals]`` for its id (e-mail addresses, claims or
SharePoint group names), else its contact e-mail from the party registry. A name with ``@`` or
``|`` is a user or a directory group (``EnsureUser``); anything else is a SharePoint group of the
site, which must exist.

Least privilege: the identity planmonitor signs in with has one of three roles on the site
(``[sharepoint] role``), and each command needs one (:data:`COMMAND_ROLES`):

``read``    see the library and the folders (``sharepoint check``);
``write``   also add, change and delete files and make folders: every command of a round
            (``collect`` writes the archive copy, ``validate`` the feedback, ``merge`` and
            ``report`` the shared folder, ``issue`` the workbooks);
``manage``  also read and change permissions (``sharepoint inrichten``).

With ``Sites.Selected`` these are the site roles an administrator grants the app: ``read``,
``write`` and ``fullcontrol`` (for ``manage``: setting permissions needs full control).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote

from office365.sharepoint.permissions.kind import PermissionKind
from office365.sharepoint.sharing.role_type import RoleType
from office365.sharepoint.webs.web import Web

from ..core import AuthenticationError, Party, StorageError
from .sharepoint import NotFound, SharePointStorage

ROLE_NAMES = {
    RoleType.Administrator: "Volledig beheer",
    RoleType.Editor: "Bewerken",
    RoleType.Contributor: "Bijdragen",
    RoleType.Reader: "Lezen",
}
LIMITED_ACCESS_KIND = 1  # RoleTypeKind.Guest: SharePoint's own Limited Access

ROLES = ("read", "write", "manage")
# What each role must be able to do on the site, with the words the secretary reads.
ROLE_RIGHTS: dict[str, dict[PermissionKind, str]] = {
    "read": {
        PermissionKind.ViewListItems: "bestanden zien",
        PermissionKind.OpenItems: "bestanden openen",
    },
    "write": {
        PermissionKind.AddListItems: "bestanden en mappen toevoegen",
        PermissionKind.EditListItems: "bestanden wijzigen",
        PermissionKind.DeleteListItems: "onvolledige uploads opruimen",
    },
    "manage": {
        PermissionKind.EnumeratePermissions: "rechten lezen",
        PermissionKind.ManagePermissions: "rechten op mappen zetten",
    },
}
# The role each command that talks to SharePoint needs, and why (Dutch, for check and docs).
COMMAND_ROLES: dict[str, tuple[str, str]] = {
    "sharepoint check": ("read", "leest de site, de bibliotheek en de mappen"),
    "issue": ("write", "maakt ontbrekende mappen en zet de werkmappen in de partijmappen"),
    "collect": ("write", "leest de partijmappen en zet een kopie in Archief"),
    "validate": ("write", "zet de terugkoppeling in de partijmappen"),
    "merge": ("write", "zet de monitor in Monitor en de werkmappen van de volgende ronde klaar"),
    "report": ("write", "zet de rapportages in Monitor"),
    "sharepoint inrichten": ("manage", "maakt de mappen en zet de rechten per map"),
}


def role_rights(role: str) -> dict[PermissionKind, str]:
    """Every right a role needs: its own and those of the roles below it."""
    if role not in ROLES:
        raise StorageError(
            f"Onbekende rol '{role}' in [sharepoint] role. Kies read, write of manage "
            "(zie docs/sharepoint.md, 'Welke rechten elke handeling nodig heeft')."
        )
    rights: dict[PermissionKind, str] = {}
    for level in ROLES[: ROLES.index(role) + 1]:
        rights.update(ROLE_RIGHTS[level])
    return rights


@dataclass(frozen=True)
class PermissionChange:
    """One change to a folder's permissions, done or (in a dry run) to be done."""

    folder: str
    action: str  # "break-inheritance", "grant", "revoke" or "skip" (principal not found)
    principal: str = ""
    role: str = ""

    def __str__(self) -> str:
        if self.action == "break-inheritance":
            return f"{self.folder}: eigen rechten instellen (overerving van de bibliotheek stopt)"
        if self.action == "grant":
            return f"{self.folder}: {self.role} geven aan {self.principal}"
        if self.action == "skip":
            return (
                f"{self.folder}: {self.role} NIET gegeven aan {self.principal}: niet gevonden in "
                "de organisatie en (nog) geen gast; zie de uitnodigingen hierboven"
            )
        return f"{self.folder}: {self.role} afnemen van {self.principal}"


@dataclass(frozen=True)
class GuestResult:
    """What happened to one person of a party when inviting guests."""

    party: str  # the party's name
    principal: str
    outcome: str  # "al aanwezig", "uitgenodigd", "wordt uitgenodigd" (dry run) or "mislukt"
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome == "mislukt"

    def __str__(self) -> str:
        return f"{self.party}: {self.principal}: {self.outcome}" + (
            f" ({self.reason})" if self.reason else ""
        )


# Why SharePoint did not share (SP.SharingOperationStatusCode), for the secretary.
_SHARING_FAILURES = {
    -1: "SharePoint kon het adres niet vinden of uitnodigen. Met een app-aanmelding (certificaat) "
    "kan SharePoint geen nieuwe gasten uitnodigen: meld u aan als site-eigenaar (auth = "
    '"device_code") en richt opnieuw in, of laat de beheerder de gast uitnodigen in Entra ID',
    -2: "geen recht om te delen; daarvoor is rol manage nodig",
    -7: "extern delen staat uit voor deze site of tenant (zie docs/sharepoint.md, 'Gasten')",
    -12: "dit account bestaat niet in de eigen organisatie",
}


@dataclass(frozen=True)
class CheckResult:
    """One finding of :func:`check`: a stable code, ok or not, and a Dutch message."""

    code: str
    ok: bool
    message: str

    def __str__(self) -> str:
        return f"{'in orde' if self.ok else 'PROBLEEM'}: {self.message}"


@dataclass(frozen=True)
class _Step:
    change: PermissionChange
    name: str = ""  # principal as configured (grants)
    role_id: int = 0
    principal_id: int | None = None  # known up front for revocations


@dataclass(frozen=True)
class _Principal:
    name: str
    id: int | None  # None: not yet known on the site (dry run)


def planned_access(
    storage: SharePointStorage,
    parties: Sequence[Party],
    secretary: str,
    table_group: str,
    party_principals: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, list[tuple[str, RoleType]]]:
    """Which principal gets which role on each folder of the layout."""
    mapping = storage.settings.party_principals if party_principals is None else party_principals
    admin = (secretary, RoleType.Administrator)
    # Party folders first: a folder is changed before the folder it inherits from, so a dry run
    # lists exactly what the real run will do.
    plan: dict[str, list[tuple[str, RoleType]]] = {}
    for party in parties:
        people = list(mapping.get(party.id, ())) or (
            [party.contact_email] if party.contact_email else []
        )
        if not people:
            raise StorageError(
                f"Voor {party.name} ({party.id}) is niet bekend wie de map mag bewerken: geef "
                "een contact-e-mail in het partijenregister of een regel in "
                "[sharepoint.party_principals]."
            )
        plan[storage.party_path(party)] = [admin, *((p, RoleType.Contributor) for p in people)]
    plan[storage.parties_path] = [admin]
    plan[storage.shared_path] = [admin, *([(table_group, RoleType.Reader)] if table_group else [])]
    plan[storage.archive_path] = [admin]
    return plan


def guest_addresses(
    storage: SharePointStorage,
    parties: Sequence[Party],
    party_principals: Mapping[str, Sequence[str]] | None = None,
) -> list[tuple[Party, str]]:
    """The e-mail addresses of the parties' people (claims and SharePoint groups left out)."""
    mapping = storage.settings.party_principals if party_principals is None else party_principals
    found = []
    for party in parties:
        people = list(mapping.get(party.id, ())) or (
            [party.contact_email] if party.contact_email else []
        )
        found += [(party, p) for p in people if "@" in p and "|" not in p]
    return found


def invite_guests(
    storage: SharePointStorage,
    parties: Sequence[Party],
    *,
    subject: str,
    body: str,
    dry_run: bool,
    party_principals: Mapping[str, Sequence[str]] | None = None,
) -> list[GuestResult]:
    """Make sure every party's people can be given their folder: invite who is not yet known.

    Someone the site finds (``EnsureUser``: a member of the organisation or an existing guest)
    is "al aanwezig". Anyone else is invited by sharing the party's own folder with them
    (``SP.Web.ShareObject``, Bijdragen, with the Dutch invitation ``subject``/``body``):
    SharePoint sends the invitation and makes them a guest once they accept. The result says per
    person what happened; one failure does not stop the others.
    """
    roles = _role_ids(storage)
    results = []
    web = storage.context.web
    for party, address in guest_addresses(storage, parties, party_principals):
        if dry_run:
            try:
                storage.execute(
                    lambda a=address: web.site_users.get_by_email(a).get(),  # type: ignore[misc]
                    f"gebruiker {address} opzoeken",
                )
            except NotFound:
                results.append(
                    GuestResult(
                        party.name,
                        address,
                        "wordt uitgenodigd",
                        "nog niet op de site; is het een gast of lid van de organisatie, dan "
                        "wordt het alleen toegevoegd",
                    )
                )
                continue
            results.append(GuestResult(party.name, address, "al aanwezig"))
            continue
        try:
            storage.execute(
                lambda a=address: web.ensure_user(a),  # type: ignore[misc]
                f"gebruiker {address} opzoeken",
            )
            results.append(GuestResult(party.name, address, "al aanwezig"))
            continue
        except NotFound:
            pass  # not in the site's directory yet: invited below by sharing the folder
        except StorageError as exc:
            results.append(GuestResult(party.name, address, "mislukt", str(exc)))
            continue
        results.append(
            _share_folder(
                storage, party, address, roles[RoleType.Contributor], subject=subject, body=body
            )
        )
    return results


def _share_folder(
    storage: SharePointStorage, party: Party, address: str, role_id: int, *, subject: str, body: str
) -> GuestResult:
    folder = storage.party_path(party)
    origin = storage.site_url.removesuffix(storage.site_path)
    picker = json.dumps(
        [
            {
                "Key": address,
                "DisplayText": address,
                "Description": address,
                "IsResolved": True,
                "EntityType": "",
                "EntityData": {
                    "Email": address,
                    "AccountName": address,
                    "PrincipalType": "UNVALIDATED_EMAIL_ADDRESS",
                },
                "MultipleMatches": [],
            }
        ]
    )
    try:
        result = storage.execute(
            lambda: Web.share_object(
                storage.context,
                origin + quote(folder),
                picker,
                role_value=f"role:{role_id}",
                send_email=True,
                email_subject=subject.replace("{party}", party.name),
                email_body=body.replace("{party}", party.name),
            ),
            f"{address} uitnodigen voor {storage.shown(folder)}",
        )
    except StorageError as exc:
        return GuestResult(party.name, address, "mislukt", str(exc))
    code = int(result.properties.get("StatusCode") or 0)
    if code in (0, 1):
        return GuestResult(party.name, address, "uitgenodigd", f"voor {storage.shown(folder)}")
    reason = _SHARING_FAILURES.get(
        code, f"SharePoint meldt code {code}: {result.properties.get('ErrorMessage') or '?'}"
    )
    return GuestResult(party.name, address, "mislukt", reason)


def set_permissions(
    storage: SharePointStorage,
    parties: Sequence[Party],
    secretary_principal: str,
    table_group: str,
    *,
    dry_run: bool,
    party_principals: Mapping[str, Sequence[str]] | None = None,
) -> list[PermissionChange]:
    """Bring each folder's permissions to the layout; with ``dry_run`` only say what would change.

    Grants come before revocations, so the secretary never loses access halfway.
    """
    if not secretary_principal:
        raise StorageError(
            "Geef de secretaris op ([sharepoint] secretary: e-mailadres of groep); zonder "
            "secretaris met volledig beheer worden geen rechten gezet."
        )
    plan = planned_access(storage, parties, secretary_principal, table_group, party_principals)
    roles = _role_ids(storage)
    principals: dict[str, _Principal] = {}
    changes: list[PermissionChange] = []
    for path, wanted in plan.items():
        if not storage.folder_exists(path):
            raise StorageError(
                f"De map {storage.shown(path)} bestaat nog niet; maak eerst de mappen aan "
                "(ensure_layout) en zet dan de rechten."
            )
        shown = storage.shown(path)
        unique, current = _assignments(storage, path)
        for name, _ in wanted:
            if name not in principals:
                principals[name] = _resolve(storage, name, create=not dry_run)
        wanted_keys = {(principals[name].id, roles[role]) for name, role in wanted}
        steps: list[_Step] = []
        if not unique:
            steps.append(_Step(PermissionChange(shown, "break-inheritance")))
        for name, role in wanted:
            key = (principals[name].id, roles[role])
            if key[0] is None or key not in current:
                steps.append(
                    _Step(
                        PermissionChange(shown, "grant", name, ROLE_NAMES[role]), name, roles[role]
                    )
                )
        for (principal_id, role_id), (title, role_name) in sorted(current.items()):
            if (principal_id, role_id) not in wanted_keys:
                steps.append(
                    _Step(
                        PermissionChange(shown, "revoke", title, role_name),
                        principal_id=principal_id,
                        role_id=role_id,
                    )
                )
        if not dry_run:
            # Someone the directory does not know cannot be granted; say so and go on.
            unknown = [
                s for s in steps if s.change.action == "grant" and principals[s.name].id is None
            ]
            steps = [s for s in steps if s not in unknown]
            steps += [
                _Step(PermissionChange(shown, "skip", s.name, s.change.role)) for s in unknown
            ]
            _apply(storage, path, [s for s in steps if s.change.action != "skip"], principals)
        changes += [step.change for step in steps]
    return changes


def check(
    storage: SharePointStorage, parties: Sequence[Party] = (), role: str | None = None
) -> list[CheckResult]:
    """Test the connection, the rights of the configured role, the folders and their rights.

    Only what the role needs is demanded; for every command it says whether it will work.
    """
    role = role or storage.settings.role
    needed = role_rights(role)
    results: list[CheckResult] = []
    try:
        web = storage.execute(
            lambda: storage.context.web.get().select(["Title", "Url", "EffectiveBasePermissions"]),
            "de site openen",
        )
        user = storage.execute(
            lambda: storage.context.web.current_user.get(), "de aangemelde gebruiker opvragen"
        )
    except AuthenticationError as exc:
        return [CheckResult("sign-in-failed", False, str(exc))]
    except StorageError as exc:
        return [CheckResult("no-connection", False, str(exc))]
    who = user.properties.get("Title") or user.properties.get("LoginName") or "?"
    results.append(
        CheckResult(
            "connected",
            True,
            f"Verbonden met '{web.properties.get('Title')}' ({storage.site_url}) als {who}.",
        )
    )
    permissions = web.properties.get("EffectiveBasePermissions")
    has: set[PermissionKind] = set()
    if permissions is not None and hasattr(permissions, "has"):
        has = {kind for kind in role_rights("manage") if permissions.has(kind)}
        missing = [what for kind, what in needed.items() if kind not in has]
        results.append(
            CheckResult(
                "rights" if not missing else "missing-rights",
                not missing,
                f"De aangemelde identiteit heeft de rechten van rol {role} op de site."
                if not missing
                else f"Voor rol {role} ontbreken rechten op de site: " + ", ".join(missing) + ". "
                "Zie docs/sharepoint.md voor de rechten per handeling.",
            )
        )
        results += _command_results(role, has)
    if not storage.folder_exists(storage.library_path):
        results.append(
            CheckResult(
                "missing-library",
                False,
                f"De bibliotheek '{storage.settings.library}' bestaat niet op de site; controleer "
                "[sharepoint] library (de naam zoals in het webadres).",
            )
        )
        return results
    missing_folders = [
        storage.shown(p)
        for p in storage.layout_paths(list(parties))
        if not storage.folder_exists(p)
    ]
    results.append(
        CheckResult(
            "folders" if not missing_folders else "missing-folders",
            not missing_folders,
            "Alle mappen zijn aanwezig."
            if not missing_folders
            else "Deze mappen ontbreken: " + ", ".join(missing_folders) + ". Laat planmonitor de "
            "mappen aanmaken (planmonitor sharepoint inrichten, of de eerste issue).",
        )
    )
    secretary = storage.settings.secretary
    if secretary and not missing_folders:
        if role != "manage":
            results.append(
                CheckResult(
                    "permissions-not-checked",
                    True,
                    f"De rechten per map zijn niet gecontroleerd: rechten lezen hoort niet bij rol "
                    f"{role} (wel bij manage).",
                )
            )
            return results
        try:
            pending = set_permissions(
                storage, parties, secretary, storage.settings.table_group, dry_run=True
            )
        except StorageError as exc:
            results.append(CheckResult("permissions-unknown", False, str(exc)))
        else:
            results.append(
                CheckResult(
                    "permissions" if not pending else "permissions-differ",
                    not pending,
                    "De rechten op de mappen kloppen."
                    if not pending
                    else f"{len(pending)} rechten wijken af van de indeling, bijvoorbeeld: "
                    f"{pending[0]}. Laat planmonitor de rechten zetten.",
                )
            )
    return results


def _command_results(role: str, has: set[PermissionKind]) -> list[CheckResult]:
    """Per command: works with the rights found, or what is missing.

    A command that needs more than the configured role is expected not to work (it is not a
    problem); one within the role that cannot work is.
    """
    results = []
    for command, (needs, what) in COMMAND_ROLES.items():
        missing = [text for kind, text in role_rights(needs).items() if kind not in has]
        within = ROLES.index(needs) <= ROLES.index(role)
        if not missing:
            message = f"planmonitor {command}: werkt ({what})."
        elif within:
            message = (
                f"planmonitor {command}: werkt niet, want {', '.join(missing)} ontbreekt "
                f"(nodig: rol {needs})."
            )
        else:
            message = (
                f"planmonitor {command}: niet met rol {role} (nodig: rol {needs}, om "
                f"{', '.join(missing)}); laat dit zo nodig eenmalig doen met rol {needs}."
            )
        results.append(
            CheckResult(
                "command-works" if not missing else "command-blocked",
                not missing or not within,
                message,
            )
        )
    return results


def _role_ids(storage: SharePointStorage) -> dict[RoleType, int]:
    ids = {}
    for role in ROLE_NAMES:
        definition = storage.execute(
            partial(lambda r: storage.context.web.role_definitions.get_by_type(r).get(), role),
            f"rolniveau {ROLE_NAMES[role]} opvragen",
        )
        ids[role] = int(definition.properties["Id"])
    return ids


def _item(storage: SharePointStorage, path: str) -> Any:
    return storage.context.web.get_folder_by_server_relative_path(path).list_item_all_fields


def _assignments(
    storage: SharePointStorage,
    path: str,
) -> tuple[bool, dict[tuple[int, int], tuple[str, str]]]:
    """Whether the folder has its own permissions, and (principal, role) → (names) in force."""
    shown = storage.shown(path)
    item = storage.execute(
        lambda: _item(storage, path).get().select(["HasUniqueRoleAssignments"]),
        f"rechten van {shown} opvragen",
    )
    assignments = storage.execute(
        lambda: (
            _item(storage, path).role_assignments.get().expand(["Member", "RoleDefinitionBindings"])
        ),
        f"rechten van {shown} opvragen",
    )
    current: dict[tuple[int, int], tuple[str, str]] = {}
    for assignment in assignments:
        member = assignment.properties.get("Member")
        member_props = member.properties if member is not None else {}
        principal_id = int(assignment.properties.get("PrincipalId") or member_props.get("Id") or 0)
        title = str(member_props.get("Title") or member_props.get("LoginName") or principal_id)
        for binding in assignment.properties.get("RoleDefinitionBindings", []):
            props = binding.properties
            if int(props.get("RoleTypeKind", 0)) == LIMITED_ACCESS_KIND:
                continue
            current[(principal_id, int(props["Id"]))] = (title, str(props.get("Name", "")))
    return bool(item.properties.get("HasUniqueRoleAssignments")), current


def _resolve(storage: SharePointStorage, name: str, *, create: bool) -> _Principal:
    web = storage.context.web
    if "@" in name or "|" in name:
        if create:
            try:
                user = storage.execute(lambda: web.ensure_user(name), f"gebruiker {name} opzoeken")
            except NotFound:
                return _Principal(name, None)  # not in the directory: reported, not granted
            return _Principal(name, int(user.properties["Id"]))
        try:
            user = storage.execute(
                lambda: (
                    web.site_users.get_by_login_name(name)
                    if "|" in name
                    else web.site_users.get_by_email(name)
                ).get(),
                f"gebruiker {name} opzoeken",
            )
        except NotFound:
            return _Principal(name, None)  # EnsureUser adds it when the change is made
        return _Principal(name, int(user.properties["Id"]))
    try:
        group = storage.execute(
            lambda: web.site_groups.get_by_name(name).get(), f"groep {name} opzoeken"
        )
    except NotFound:
        raise StorageError(
            f"De SharePoint-groep '{name}' bestaat niet op de site. Maak hem aan onder "
            "Site-instellingen > Personen en groepen, of geef e-mailadressen op."
        ) from None
    return _Principal(name, int(group.properties["Id"]))


def _apply(
    storage: SharePointStorage, path: str, steps: list[_Step], principals: Mapping[str, _Principal]
) -> None:
    # Grants before revocations, so nobody who should keep access loses it halfway.
    for step in sorted(
        steps, key=lambda s: ("break-inheritance", "grant", "revoke").index(s.change.action)
    ):
        what = str(step.change)
        if step.change.action == "break-inheritance":
            # Copy what is inherited, so access does not drop before the grants are made; what
            # does not belong is revoked afterwards.
            storage.execute(
                lambda: _item(storage, path).break_role_inheritance(
                    copy_role_assignments=True, clear_sub_scopes=False
                ),
                what,
            )
            continue
        principal_id = step.principal_id or principals[step.name].id
        if principal_id is None:
            raise StorageError(f"{what}: {step.name} is niet gevonden op de site.")
        storage.execute(
            partial(
                _assign, storage, path, principal_id, step.role_id, step.change.action == "grant"
            ),
            what,
        )


def _assign(
    storage: SharePointStorage, path: str, principal_id: int, role_id: int, grant: bool
) -> object:
    collection = _item(storage, path).role_assignments
    if grant:
        return collection.add_role_assignment(principal_id, role_id)
    return collection.remove_role_assignment(principal_id, role_id)
