"""SharePoint Online as a real tenant behaves: locks, overwrite in place, throttling etiquette.

Driven through the real client library against the fake site, which behaves like SharePoint
Online where a real table would break (see the sources in ``tests/fake_sharepoint.py``).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from certificates import make_certificate
from fake_sharepoint import FULL_CONTROL, FakeSharePoint
from fake_sharepoint import fake_sharepoint as _fake_sharepoint_fixture

from pipeline.core.config import Config, SharePointSettings
from pipeline.core.errors import AuthenticationError, StorageError
from pipeline.core.region import Party
from pipeline.storage import FileLocked, party_folder_name
from pipeline.storage.sharepoint import USER_AGENT, NotFound, SharePointStorage
from pipeline.storage.sharepoint_admin import (
    COMMAND_ROLES,
    ROLES,
    check,
    invite_guests,
    set_permissions,
)
from pipeline.storage.sharepoint_auth import (
    ENV_CERT_PASSPHRASE,
    ENV_CERT_PATH,
    ENV_CERT_THUMBPRINT,
    load_certificate,
    load_credentials,
    token_provider,
    write_private,
)

fake_sharepoint = _fake_sharepoint_fixture
ARNHEM = Party(
    "P001", "Gemeente Arnhem", "gemeente", "overheid", contact_email="wonen@arnhem.example"
)
WORKBOOK = "Planmonitor 2026-H2 - Gemeente Arnhem.xlsx"
PATH = f"Partijen/{party_folder_name(ARNHEM)}/{WORKBOOK}"


@pytest.fixture
def storage(fake_sharepoint: FakeSharePoint, config: Config) -> SharePointStorage:
    store = fake_sharepoint.storage(config, chunk_bytes=100)
    store.ensure_layout([ARNHEM])
    return store


# --- overwrite in place ----------------------------------------------------------------------


def test_a_chunked_overwrite_keeps_the_item_and_the_party_never_sees_half_a_file(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    storage.put_party_file(ARNHEM, WORKBOOK, b"uitgegeven" * 30)
    fake_sharepoint.put(PATH, b"ingevuld door Arnhem" * 20, by="wonen@arnhem.example")
    item = fake_sharepoint.file(PATH).item_id
    seen: list[bytes | None] = []
    storage.put_party_file(
        ARNHEM,
        WORKBOOK,
        b"opnieuw" * 60,
        progress=lambda *_: seen.append(fake_sharepoint.file_bytes(PATH)),
    )
    assert fake_sharepoint.file(PATH).item_id == item
    # Until FinishUpload the party's own version is what anyone opens.
    assert seen[:-1] == [b"ingevuld door Arnhem" * 20] * (len(seen) - 1)
    # A new large file starts as an empty placeholder (version 1.0) that the session fills.
    assert fake_sharepoint.history(PATH) == [
        b"",
        b"uitgegeven" * 30,
        b"ingevuld door Arnhem" * 20,
        b"opnieuw" * 60,
    ]
    assert [f.name for f in storage.list_party_files(ARNHEM)] == [WORKBOOK]
    assert fake_sharepoint.count("POST", "/Files/add") == 1  # only the first, new file


def test_a_broken_chunked_upload_is_cancelled_and_leaves_no_file_behind(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    fake_sharepoint.drop("continueUpload", times=99)
    with pytest.raises(Exception, match="verbinding met SharePoint wegviel"):
        storage.put_party_file(ARNHEM, WORKBOOK, b"q" * 350)
    assert fake_sharepoint.count("POST", "cancelUpload") == storage.retry.max_attempts
    assert fake_sharepoint.sessions == {}  # no upload session left open on the server
    assert fake_sharepoint.tree() == {}  # the empty placeholder of the new file is gone


def test_a_broken_upload_of_an_existing_file_is_cancelled_and_keeps_the_old_content(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    storage.put_party_file(ARNHEM, WORKBOOK, b"oud")
    fake_sharepoint.drop("finishUpload", times=99)
    with pytest.raises(Exception, match="ongewijzigd"):
        storage.put_party_file(ARNHEM, WORKBOOK, b"n" * 350)
    assert fake_sharepoint.sessions == {}
    assert fake_sharepoint.history(PATH) == [b"oud"]


# --- locks -----------------------------------------------------------------------------------


def test_a_locked_workbook_is_retried_with_backoff_then_reported_with_who_has_it_open(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    storage.put_party_file(ARNHEM, WORKBOOK, b"uitgegeven")
    fake_sharepoint.lock(PATH, by="Team Wonen Arnhem")
    storage.retry = dataclasses.replace(storage.retry, lock_wait=40.0)
    before = len(fake_sharepoint.sleeps)
    with pytest.raises(FileLocked) as caught:
        storage.put_party_file(ARNHEM, WORKBOOK, b"nieuw")
    assert fake_sharepoint.sleeps[before:] == [5.0, 10.0, 20.0]  # 35 s; 40 more would exceed 40
    assert caught.value.holder == "Team Wonen Arnhem"
    assert "in gebruik door Team Wonen Arnhem" in str(caught.value)
    assert "ongewijzigd" in str(caught.value)
    assert fake_sharepoint.file_bytes(PATH) == b"uitgegeven"
    # reading a locked file works, as in SharePoint
    assert storage.get_party_file(ARNHEM, WORKBOOK) == b"uitgegeven"


def test_a_lock_that_is_let_go_while_waiting_is_written_through(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    storage.put_party_file(ARNHEM, WORKBOOK, b"uitgegeven" * 40)
    fake_sharepoint.lock(PATH, by="Team Wonen Arnhem", refusals=2)
    storage.put_party_file(ARNHEM, WORKBOOK, b"nieuw" * 80)  # chunked: StartUpload is refused
    assert fake_sharepoint.file_bytes(PATH) == b"nieuw" * 80
    assert fake_sharepoint.history(PATH)[-2:] == [b"uitgegeven" * 40, b"nieuw" * 80]


# --- throttling etiquette --------------------------------------------------------------------


def test_every_request_carries_the_decorated_user_agent(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    storage.put_party_file(ARNHEM, WORKBOOK, b"x" * 250)
    storage.list_party_files(ARNHEM)
    assert USER_AGENT.startswith("NONISV|planmonitor|planmonitor/")
    assert fake_sharepoint.user_agents and set(fake_sharepoint.user_agents) == {USER_AGENT}


def test_ratelimit_headers_slow_the_next_request_down_before_a_429(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    fake_sharepoint.rate_limit(limit=1200, remaining=0, reset=31)
    storage.list_party_files(ARNHEM)
    assert fake_sharepoint.sleeps == []
    storage.list_party_files(ARNHEM)  # nothing left until the reset: wait it out first
    assert fake_sharepoint.sleeps == [31.0]
    fake_sharepoint.rate_limit(limit=1200, remaining=100, reset=50)
    storage.list_party_files(ARNHEM)
    storage.list_party_files(ARNHEM)  # 100 left for 50 s: spread them
    assert fake_sharepoint.sleeps == [31.0, 0.5]
    fake_sharepoint.rate_limit(limit=1200, remaining=1000, reset=50)
    storage.list_party_files(ARNHEM)
    storage.list_party_files(ARNHEM)  # plenty left: no wait
    assert fake_sharepoint.sleeps == [31.0, 0.5]


def test_all_waits_of_a_run_stay_within_its_budget(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    storage.retry = dataclasses.replace(storage.retry, budget=10.0)
    fake_sharepoint.throttle("/Files/add", times=1, retry_after="8")
    storage.put_party_file(ARNHEM, "een.xlsx", b"1")
    fake_sharepoint.throttle("/Files/add", times=1, retry_after="8")
    with pytest.raises(Exception, match="te druk"):
        storage.put_party_file(ARNHEM, "twee.xlsx", b"2")
    assert sum(fake_sharepoint.sleeps) == 8 and storage.waited == 8


# --- signing in as municipal IT expects ------------------------------------------------------


class _RecordingApp:
    """Stands in for msal.ConfidentialClientApplication and keeps what it was given."""

    given: ClassVar[dict[str, Any]] = {}

    def __init__(self, client_id: str, authority: str, client_credential: dict[str, Any]) -> None:
        type(self).given = dict(client_credential)

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
        return {"access_token": "app-token", "token_type": "Bearer", "expires_in": 3600}


def certificate_settings(config: Config) -> SharePointSettings:
    return dataclasses.replace(
        config.sharepoint,
        auth="certificate",
        tenant="contoso.onmicrosoft.com",
        client_id="app",
        site_url="https://contoso.sharepoint.com/sites/planmonitor",
    )


@pytest.mark.parametrize("kind", ["pfx", "pem"])
def test_a_pfx_or_pem_certificate_signs_in_with_a_computed_thumbprint(
    kind: str, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    import msal

    monkeypatch.setattr(msal, "ConfidentialClientApplication", _RecordingApp)
    path, thumbprint = make_certificate(tmp_path / f"planmonitor.{kind}", kind=kind, password="pw!")
    sp = certificate_settings(config)
    env = {ENV_CERT_PATH: str(path), ENV_CERT_PASSPHRASE: "pw!"}  # no thumbprint typed
    token = token_provider(sp, load_credentials(sp, env))()
    assert token.accessToken == "app-token"
    assert _RecordingApp.given["thumbprint"] == thumbprint
    assert "-----BEGIN PRIVATE KEY-----" in _RecordingApp.given["private_key"]  # decrypted
    loaded = load_certificate(path, "pw!")
    assert loaded.thumbprint == thumbprint and "pw!" not in repr(loaded)
    assert "PRIVATE" not in repr(loaded)


def test_a_wrong_password_a_wrong_thumbprint_and_an_expired_certificate_are_explained(
    tmp_path: Path, config: Config
) -> None:
    sp = certificate_settings(config)
    path, _ = make_certificate(tmp_path / "geheim.pfx", kind="pfx", password="goed")
    with pytest.raises(AuthenticationError, match=f"wachtwoord \\({ENV_CERT_PASSPHRASE}\\)") as e:
        token_provider(
            sp, load_credentials(sp, {ENV_CERT_PATH: str(path), ENV_CERT_PASSPHRASE: "fout"})
        )
    assert "fout" not in str(e.value) and "geheim.pfx" not in str(e.value)
    env = {ENV_CERT_PATH: str(path), ENV_CERT_PASSPHRASE: "goed", ENV_CERT_THUMBPRINT: "AB" * 20}
    with pytest.raises(AuthenticationError, match="hoort niet bij het certificaat"):
        token_provider(sp, load_credentials(sp, env))
    old, _ = make_certificate(tmp_path / "oud.pem", days=-2)
    with pytest.raises(AuthenticationError, match="is verlopen op"):
        token_provider(sp, load_credentials(sp, {ENV_CERT_PATH: str(old)}))
    key_only = tmp_path / "alleen-sleutel.pem"
    key_only.write_bytes(old.read_bytes().split(b"-----BEGIN CERTIFICATE")[0])
    with pytest.raises(AuthenticationError, match="én het certificaat"):
        token_provider(sp, load_credentials(sp, {ENV_CERT_PATH: str(key_only)}))


def test_the_token_cache_is_never_readable_by_others(tmp_path: Path) -> None:
    cache = tmp_path / "planmonitor" / "tokens.json"
    cache.parent.mkdir()
    cache.write_text("oud")
    cache.chmod(0o644)  # an old cache, too open
    old_umask = os.umask(0)
    try:
        write_private(cache, '{"AccessToken": {}}')
    finally:
        os.umask(old_umask)
    assert cache.read_text() == '{"AccessToken": {}}'
    assert oct(cache.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in cache.parent.iterdir()] == ["tokens.json"]


def test_managed_identity_asks_msal_for_a_token_for_the_site(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    import msal

    asked: dict[str, Any] = {}

    class StubClient:
        def __init__(self, identity: Any, http_client: Any) -> None:
            asked["identity"] = identity

        def acquire_token_for_client(self, resource: str) -> dict[str, Any]:
            asked["resource"] = resource
            return {"access_token": "mi-token", "token_type": "Bearer", "expires_in": 3600}

    monkeypatch.setattr(msal, "ManagedIdentityClient", StubClient)
    sp = dataclasses.replace(certificate_settings(config), auth="managed_identity", client_id="")
    assert token_provider(sp, load_credentials(sp, {}))().accessToken == "mi-token"
    assert asked["resource"] == "https://contoso.sharepoint.com"
    assert isinstance(asked["identity"], msal.SystemAssignedManagedIdentity)


# --- least privilege: each role, as Sites.Selected grants it --------------------------------

SITES_SELECTED = {"read": "read", "write": "write", "manage": "fullcontrol"}


def role_storage(fake: FakeSharePoint, config: Config, role: str) -> SharePointStorage:
    fake.set_app_role(SITES_SELECTED[role])
    return fake.storage(config, role=role, secretary="secretaris@tafel.example")


def operations(store: SharePointStorage) -> dict[str, Callable[[], object]]:
    """What each command does on the site, step by step (the rights table in the docs)."""
    return {
        "sharepoint check": lambda: store.list_party_files(ARNHEM),
        "issue": lambda: (
            store.ensure_layout([ARNHEM]),
            store.put_party_file(ARNHEM, "w.xlsx", b"w"),
        ),
        "collect": lambda: (store.list_party_files(ARNHEM), store.put_archive("a.xlsx", b"a")),
        "validate": lambda: store.put_party_file(ARNHEM, "Terugkoppeling.xlsx", b"t"),
        "merge": lambda: store.publish("Monitor.xlsx", b"m"),
        "report": lambda: store.publish("Rapport.html", b"r"),
        "sharepoint inrichten": lambda: set_permissions(
            store, [ARNHEM], "secretaris@tafel.example", "", dry_run=False
        ),
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_command_works_exactly_with_the_role_the_docs_name(
    role: str, fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    fake_sharepoint.add_user("secretaris@tafel.example")
    fake_sharepoint.add_user(ARNHEM.contact_email)
    admin = fake_sharepoint.storage(config)
    admin.ensure_layout([ARNHEM])  # the folders exist, as after inrichten
    store = role_storage(fake_sharepoint, config, role)
    for command, run in operations(store).items():
        needs = COMMAND_ROLES[command][0]
        if ROLES.index(needs) <= ROLES.index(role):
            run()  # works
        else:
            with pytest.raises(StorageError, match="Geen rechten"):
                run()


@pytest.mark.parametrize("role", ROLES)
def test_check_demands_only_what_the_configured_role_needs(
    role: str, fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    fake_sharepoint.add_user("secretaris@tafel.example")
    fake_sharepoint.add_user(ARNHEM.contact_email)
    admin = fake_sharepoint.storage(config)
    admin.ensure_layout([ARNHEM])
    set_permissions(admin, [ARNHEM], "secretaris@tafel.example", "", dry_run=False)
    store = role_storage(fake_sharepoint, config, role)
    before = fake_sharepoint.count("GET", "roleassignments")
    results = check(store, [ARNHEM])
    assert all(r.ok for r in results), [str(r) for r in results if not r.ok]
    commands = {r.message.split(":")[0]: r for r in results if r.code.startswith("command-")}
    assert set(commands) == {f"planmonitor {c}" for c in COMMAND_ROLES}
    for command, (needs, _) in COMMAND_ROLES.items():
        works = ROLES.index(needs) <= ROLES.index(role)
        assert (commands[f"planmonitor {command}"].code == "command-works") == works, command
    if role != "manage":
        assert "permissions-not-checked" in [r.code for r in results]
        assert fake_sharepoint.count("GET", "roleassignments") == before  # not even tried


def test_check_says_what_fails_when_the_grant_is_below_the_configured_role(
    fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    fake_sharepoint.set_app_role("read")  # the administrator granted read, config says write
    store = fake_sharepoint.storage(config, role="write")
    results = check(store, [ARNHEM])
    [rights] = [r for r in results if r.code == "missing-rights"]
    assert not rights.ok and "bestanden en mappen toevoegen" in rights.message
    blocked = [r for r in results if r.code == "command-blocked" and not r.ok]
    assert {r.message.split(":")[0] for r in blocked} == {
        "planmonitor issue",
        "planmonitor collect",
        "planmonitor validate",
        "planmonitor merge",
        "planmonitor report",
    }
    with pytest.raises(StorageError, match="Onbekende rol 'beheer'"):
        check(store, [ARNHEM], role="beheer")


# --- guests: parties from other organisations ------------------------------------------------

INVITATION = ("Uitnodiging voor {party}", "Welkom, {party}: uw map staat klaar.")


def test_an_uninvited_external_party_is_invited_then_granted_its_folder(
    fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    secretary = fake_sharepoint.add_user("secretaris@tafel.example", "Secretaris")
    fake_sharepoint.web.assignments[secretary.id] = {FULL_CONTROL}  # site owner, signed in
    store = fake_sharepoint.storage(
        config, token=fake_sharepoint.token_for("secretaris@tafel.example"), role="manage"
    )
    fake_sharepoint.storage(config).ensure_layout([ARNHEM])
    assert not fake_sharepoint.knows(ARNHEM.contact_email)
    with pytest.raises(NotFound):  # what stopped 'inrichten' before: not in the directory
        store.execute(lambda: store.context.web.ensure_user(ARNHEM.contact_email), "opzoeken")

    planned = invite_guests(
        store, [ARNHEM], subject=INVITATION[0], body=INVITATION[1], dry_run=True
    )
    assert [(g.principal, g.outcome) for g in planned] == [
        (ARNHEM.contact_email, "wordt uitgenodigd")
    ]
    assert fake_sharepoint.invitations == []  # a dry run invites nobody

    [invited] = invite_guests(
        store, [ARNHEM], subject=INVITATION[0], body=INVITATION[1], dry_run=False
    )
    assert (invited.outcome, invited.failed) == ("uitgenodigd", False)
    assert fake_sharepoint.invitations == [
        (ARNHEM.contact_email, "Welkom, Gemeente Arnhem: uw map staat klaar.")
    ]
    changes = set_permissions(store, [ARNHEM], "secretaris@tafel.example", "", dry_run=False)
    assert not [c for c in changes if c.action == "skip"]
    folder = f"Partijen/{party_folder_name(ARNHEM)}"
    assert "Contribute" in fake_sharepoint.assignments(folder)["wonen"]
    [again] = invite_guests(store, [ARNHEM], subject="", body="", dry_run=False)
    assert again.outcome == "al aanwezig" and len(fake_sharepoint.invitations) == 1


def test_inviting_reports_per_party_and_one_failure_stops_nobody(
    fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    bouwer = Party(
        "P002", "Bouwbedrijf De Zon", "bouwer", "markt", contact_email="plan@dezon.example"
    )
    lid = Party("P003", "Provincie", "overheid", "overheid", contact_email="wonen@tafel.example")
    fake_sharepoint.add_user("wonen@tafel.example")  # a member of the organisation
    store = fake_sharepoint.storage(config, role="manage")  # signed in as the app
    store.ensure_layout([ARNHEM, bouwer, lid])
    results = invite_guests(
        store, [ARNHEM, bouwer, lid], subject=INVITATION[0], body=INVITATION[1], dry_run=False
    )
    outcomes = {r.party: (r.outcome, r.reason) for r in results}
    assert outcomes["Provincie"] == ("al aanwezig", "")
    for name in ("Gemeente Arnhem", "Bouwbedrijf De Zon"):
        outcome, reason = outcomes[name]
        assert outcome == "mislukt" and "app-aanmelding" in reason and "device_code" in reason
    assert fake_sharepoint.invitations == []
    # The rights of the party that is present are set; the others are reported, not fatal.
    fake_sharepoint.add_user("secretaris@tafel.example")
    changes = set_permissions(
        store, [ARNHEM, bouwer, lid], "secretaris@tafel.example", "", dry_run=False
    )
    skipped = [str(c) for c in changes if c.action == "skip"]
    assert len(skipped) == 2 and all("NIET gegeven" in s for s in skipped)
    assert (
        "Contribute" in fake_sharepoint.assignments(f"Partijen/{party_folder_name(lid)}")["wonen"]
    )


def test_external_sharing_turned_off_is_named(
    fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    secretary = fake_sharepoint.add_user("secretaris@tafel.example")
    fake_sharepoint.web.assignments[secretary.id] = {FULL_CONTROL}
    fake_sharepoint.external_sharing = False
    store = fake_sharepoint.storage(
        config, token=fake_sharepoint.token_for("secretaris@tafel.example"), role="manage"
    )
    fake_sharepoint.storage(config).ensure_layout([ARNHEM])
    [result] = invite_guests(store, [ARNHEM], subject="", body="", dry_run=False)
    assert result.failed and "extern delen staat uit" in result.reason


def test_the_rights_table_in_the_docs_is_the_one_the_code_checks() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "sharepoint.md").read_text()
    rows = re.findall(r"^\| `planmonitor ([a-z ]+)` \| `(read|write|manage)` \|", docs, re.M)
    assert dict(rows) == {command: role for command, (role, _) in COMMAND_ROLES.items()}
