"""The SharePoint backend, driven through the real client library against the fake site."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, ClassVar

import pytest
from certificates import make_certificate
from fake_sharepoint import FakeSharePoint
from fake_sharepoint import fake_sharepoint as _fake_sharepoint_fixture

from pipeline.core.config import Config
from pipeline.core.errors import AuthenticationError, StorageError
from pipeline.core.region import Party
from pipeline.state.database import State
from pipeline.storage import StoredFile, open_storage, party_folder_name
from pipeline.storage.local import LocalStorage
from pipeline.storage.sharepoint import SharePointStorage
from pipeline.storage.sharepoint_admin import check, set_permissions
from pipeline.storage.sharepoint_auth import (
    ENV_CERT_PASSPHRASE,
    ENV_CERT_PATH,
    ENV_CERT_THUMBPRINT,
    ENV_CLIENT_ID,
    ENV_SECRETS_FILE,
    ENV_TENANT,
    load_credentials,
    token_provider,
)

ARNHEM = Party(
    "P001",
    "Gemeente Arnhem",
    "gemeente",
    "overheid",
    contact_email="wonen@arnhem.example",
    municipality_code="GM0202",
)
BOUWER = Party(
    "P002", "Bouwbedrijf De Zon & Co", "bouwer", "markt", contact_email="plan@dezon.example"
)
SECRETARY = "secretaris@tafel.example"
TABLE = "Versnellingstafel"
WORKBOOK = "Planmonitor 2026-H2 - Gemeente Arnhem.xlsx"

fake_sharepoint = _fake_sharepoint_fixture  # the fixture, under its own name


def folder(party: Party) -> str:
    return f"Partijen/{party_folder_name(party)}"


@pytest.fixture
def storage(fake_sharepoint: FakeSharePoint, config: Config) -> SharePointStorage:
    store = fake_sharepoint.storage(config)
    store.ensure_layout([ARNHEM, BOUWER])
    return store


def temporary_files(fake: FakeSharePoint) -> list[str]:
    return [path for path in fake.tree() if "~tmp-" in path]


# --- layout and files ------------------------------------------------------------------------


def test_ensure_layout_creates_folders_once(
    fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    store = fake_sharepoint.storage(config)
    created = store.ensure_layout([ARNHEM, BOUWER])
    assert created == [
        "map aangemaakt: Partijen",
        "map aangemaakt: Monitor",
        "map aangemaakt: Archief",
        f"map aangemaakt: {folder(ARNHEM)}",
        f"map aangemaakt: {folder(BOUWER)}",
    ]
    assert fake_sharepoint.folder_names() == [
        "Archief",
        "Monitor",
        "Partijen",
        folder(ARNHEM),
        folder(BOUWER),
    ]
    assert store.ensure_layout([ARNHEM, BOUWER]) == []


def test_ensure_layout_names_a_missing_library(
    fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    store = fake_sharepoint.storage(config, library="Documenten")
    with pytest.raises(StorageError, match="bibliotheek 'Documenten' bestaat niet"):
        store.ensure_layout([ARNHEM])


def test_small_workbook_round_trip(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    data = b"PK\x03\x04 klein werkboek" * 20
    storage.put_party_file(ARNHEM, WORKBOOK, data)
    [stored] = storage.list_party_files(ARNHEM)
    assert (stored.name, stored.size, stored.modified_by) == (WORKBOOK, len(data), "SharePoint App")
    assert stored.etag.endswith(',1"') and stored.modified.endswith("+00:00")
    assert storage.get_party_file(ARNHEM, WORKBOOK) == data
    assert fake_sharepoint.count("POST", "/Files/add") == 1
    assert temporary_files(fake_sharepoint) == []


def test_large_workbook_goes_up_in_chunks_with_progress(
    fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    store = fake_sharepoint.storage(config, chunk_bytes=1000)
    store.ensure_layout([ARNHEM])
    data = bytes(range(256)) * 22  # 5632 bytes: start, 4 × continue, finish
    seen: list[tuple[int, int, str]] = []
    store.put_party_file(ARNHEM, WORKBOOK, data, progress=lambda *p: seen.append(p))
    assert fake_sharepoint.file_bytes(f"{folder(ARNHEM)}/{WORKBOOK}") == data
    assert [
        fake_sharepoint.count("POST", op)
        for op in ("startUpload", "continueUpload", "finishUpload")
    ] == [1, 4, 1]
    assert [done for done, _, _ in seen] == [1000, 2000, 3000, 4000, 5000, 5632]
    assert {(total, name) for _, total, name in seen} == {(5632, WORKBOOK)}
    assert store.get_party_file(ARNHEM, WORKBOOK) == data
    assert temporary_files(fake_sharepoint) == []


def test_replacing_a_file_keeps_the_item_and_its_version_history(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    storage.put_party_file(ARNHEM, WORKBOOK, b"oud")
    first = fake_sharepoint.file(f"{folder(ARNHEM)}/{WORKBOOK}")
    item, unique = first.item_id, first.unique_id
    storage.put_party_file(ARNHEM, WORKBOOK, b"nieuw")
    [stored] = storage.list_party_files(ARNHEM)
    assert storage.get_party_file(ARNHEM, WORKBOOK) == b"nieuw"
    assert stored.etag.endswith(',2"')
    now = fake_sharepoint.file(f"{folder(ARNHEM)}/{WORKBOOK}")
    assert (now.item_id, now.unique_id) == (item, unique)
    assert fake_sharepoint.history(f"{folder(ARNHEM)}/{WORKBOOK}") == [b"oud", b"nieuw"]
    assert fake_sharepoint.count("POST", "/moveto(") == 0
    assert temporary_files(fake_sharepoint) == []


def test_listing_hides_temporary_and_lock_files(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    fake_sharepoint.put(f"{folder(ARNHEM)}/{WORKBOOK}", b"echt", by="wonen@arnhem.example")
    fake_sharepoint.put(f"{folder(ARNHEM)}/~tmp-0123456789ab-{WORKBOOK}", b"half")
    fake_sharepoint.put(f"{folder(ARNHEM)}/~$Planmonitor.xlsx", b"slot")
    files = storage.list_party_files(ARNHEM)
    assert [(f.name, f.modified_by) for f in files] == [(WORKBOOK, "wonen <wonen@arnhem.example>")]


def test_missing_folder_and_file(fake_sharepoint: FakeSharePoint, config: Config) -> None:
    store = fake_sharepoint.storage(config)
    assert store.list_party_files(ARNHEM) == []
    with pytest.raises(StorageError, match="niet gevonden"):
        store.get_party_file(ARNHEM, WORKBOOK)


def test_publish_twice_uploads_once(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    assert storage.publish("Monitor 2026-H2.xlsx", b"monitor v1") is True
    uploads = fake_sharepoint.count("POST", "/Files/add")
    assert storage.publish("Monitor 2026-H2.xlsx", b"monitor v1") is False
    assert fake_sharepoint.count("POST", "/Files/add") == uploads
    assert storage.publish("Monitor 2026-H2.xlsx", b"monitor v2") is True  # same size, new bytes
    assert fake_sharepoint.file_bytes("Monitor/Monitor 2026-H2.xlsx") == b"monitor v2"


def test_archive_keeps_the_first_copy(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    storage.put_archive("P001-2026-H2-ontvangen.xlsx", b"eerste")
    storage.put_archive("P001-2026-H2-ontvangen.xlsx", b"tweede")
    assert fake_sharepoint.file_bytes("Archief/P001-2026-H2-ontvangen.xlsx") == b"eerste"


# --- a shared service: throttling and dropped connections ------------------------------------


def test_throttled_upload_waits_what_retry_after_asks(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    fake_sharepoint.throttle("/Files/add", times=2, retry_after="1")
    storage.put_party_file(ARNHEM, WORKBOOK, b"na twee keer wachten")
    assert fake_sharepoint.sleeps == [1, 1]
    assert storage.get_party_file(ARNHEM, WORKBOOK) == b"na twee keer wachten"
    assert temporary_files(fake_sharepoint) == []


def test_throttled_chunk_without_retry_after_backs_off(
    fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    store = fake_sharepoint.storage(config, chunk_bytes=100)
    store.ensure_layout([ARNHEM])
    fake_sharepoint.throttle("continueUpload", times=3, status=503, retry_after=None)
    data = b"x" * 450
    store.put_party_file(ARNHEM, WORKBOOK, data)
    assert fake_sharepoint.sleeps == [0.01, 0.02, 0.04]  # exponential, from base_delay 0.01
    assert fake_sharepoint.file_bytes(f"{folder(ARNHEM)}/{WORKBOOK}") == data
    assert fake_sharepoint.count("POST", "startUpload") == 1  # the session went on


def test_retry_after_is_honoured_as_given_until_the_budget_is_spent(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    storage.retry = dataclasses.replace(storage.retry, budget=100.0)
    fake_sharepoint.throttle("/Files/add", times=2, retry_after="45")
    storage.put_party_file(ARNHEM, WORKBOOK, b"na lang wachten")
    assert fake_sharepoint.sleeps == [45, 45]  # not capped at max_delay (2 s here)
    fake_sharepoint.throttle("/Files/add", times=99, retry_after="3600")
    with pytest.raises(StorageError, match="te druk") as caught:
        storage.put_party_file(ARNHEM, WORKBOOK, b"gaat niet")
    assert "3600 s" in str(caught.value) and "100 s" in str(caught.value)
    assert fake_sharepoint.sleeps == [45, 45]  # an hour does not fit what is left: no sleep
    assert fake_sharepoint.tree() == {f"{folder(ARNHEM)}/{WORKBOOK}": b"na lang wachten"}


def test_interrupted_chunked_upload_restarts_and_leaves_no_partial(
    fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    store = fake_sharepoint.storage(config, chunk_bytes=100)
    store.ensure_layout([ARNHEM])
    store.put_party_file(ARNHEM, WORKBOOK, b"oude versie")
    fake_sharepoint.drop("continueUpload", times=1)
    data = bytes(range(250)) * 2
    store.put_party_file(ARNHEM, WORKBOOK, data)
    assert fake_sharepoint.tree() == {f"{folder(ARNHEM)}/{WORKBOOK}": data}
    assert fake_sharepoint.count("POST", "startUpload") == 2
    assert [f.name for f in store.list_party_files(ARNHEM)] == [WORKBOOK]


def test_upload_that_keeps_breaking_off_leaves_the_old_file(
    fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    store = fake_sharepoint.storage(config, chunk_bytes=100)
    store.ensure_layout([ARNHEM])
    store.put_party_file(ARNHEM, WORKBOOK, b"oude versie")
    fake_sharepoint.drop("finishUpload", times=99)
    with pytest.raises(StorageError, match="verbinding met SharePoint wegviel") as caught:
        store.put_party_file(ARNHEM, WORKBOOK, b"y" * 350)
    assert "ongewijzigd" in str(caught.value)
    assert fake_sharepoint.tree() == {f"{folder(ARNHEM)}/{WORKBOOK}": b"oude versie"}


def test_dropped_answer_after_finish_upload_counts_as_done(
    fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    store = fake_sharepoint.storage(config, chunk_bytes=100)
    store.ensure_layout([ARNHEM])
    fake_sharepoint.drop("finishUpload", after_apply=True)
    data = b"z" * 250
    store.put_party_file(ARNHEM, WORKBOOK, data)
    assert fake_sharepoint.tree() == {f"{folder(ARNHEM)}/{WORKBOOK}": data}
    assert fake_sharepoint.count("POST", "finishUpload") == 1


def test_dropped_connection_on_a_read_is_retried(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    storage.put_party_file(ARNHEM, WORKBOOK, b"lezen")
    fake_sharepoint.drop("/$value", times=2)
    assert storage.get_party_file(ARNHEM, WORKBOOK) == b"lezen"
    assert len(fake_sharepoint.sleeps) == 2


# --- permissions -----------------------------------------------------------------------------


def test_permissions_give_each_party_only_its_own_folder(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    fake_sharepoint.add_user(SECRETARY, "Secretaris")
    fake_sharepoint.add_user("wonen@arnhem.example", "Team Wonen Arnhem")
    fake_sharepoint.add_group(TABLE, ["wonen@arnhem.example", "plan@dezon.example"])
    changes = set_permissions(storage, [ARNHEM, BOUWER], SECRETARY, TABLE, dry_run=False)
    assert fake_sharepoint.assignments(folder(ARNHEM)) == {
        "Secretaris": {"Full Control"},
        "Team Wonen Arnhem": {"Contribute"},
    }
    assert set(fake_sharepoint.assignments(folder(BOUWER))) == {"Secretaris", "plan"}
    assert fake_sharepoint.assignments("Monitor") == {
        "Secretaris": {"Full Control"},
        TABLE: {"Read"},
    }
    assert fake_sharepoint.assignments("Archief") == {"Secretaris": {"Full Control"}}
    assert fake_sharepoint.assignments("Partijen") == {"Secretaris": {"Full Control"}}
    assert all(fake_sharepoint.is_unique(f) for f in fake_sharepoint.folder_names())
    assert f"{folder(ARNHEM)}: Bijdragen geven aan wonen@arnhem.example" in map(str, changes)
    assert set_permissions(storage, [ARNHEM, BOUWER], SECRETARY, TABLE, dry_run=False) == []


def test_permissions_are_enforced_for_parties(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    for guest in ("wonen@arnhem.example", "plan@dezon.example", SECRETARY):
        fake_sharepoint.add_user(guest)
    set_permissions(
        storage,
        [ARNHEM, BOUWER],
        SECRETARY,
        "",
        dry_run=False,
        party_principals={"P001": ["wonen@arnhem.example"], "P002": ["plan@dezon.example"]},
    )
    token = fake_sharepoint.token_for("wonen@arnhem.example")
    arnhem = fake_sharepoint.storage(config, token=token)
    arnhem.put_party_file(ARNHEM, WORKBOOK, b"ingevuld door Arnhem")
    storage.put_party_file(BOUWER, "werkboek.xlsx", b"van de bouwer")
    assert storage.list_party_files(ARNHEM)[0].modified_by.endswith("<wonen@arnhem.example>")
    with pytest.raises(StorageError, match="Geen rechten"):
        arnhem.get_party_file(BOUWER, "werkboek.xlsx")
    with pytest.raises(StorageError, match="Geen rechten"):
        arnhem.put_archive("stiekem.xlsx", b"mag niet")


def test_dry_run_changes_nothing_and_lists_what_the_real_run_does(
    storage: SharePointStorage, fake_sharepoint: FakeSharePoint
) -> None:
    fake_sharepoint.add_group(TABLE)
    for guest in ("wonen@arnhem.example", "plan@dezon.example", SECRETARY):
        fake_sharepoint.add_user(guest)
    before = fake_sharepoint.snapshot()
    planned = set_permissions(storage, [ARNHEM, BOUWER], SECRETARY, TABLE, dry_run=True)
    assert fake_sharepoint.snapshot() == before
    assert fake_sharepoint.count("POST", "EnsureUser") == 0
    assert str(planned[0]) == (
        f"{folder(ARNHEM)}: eigen rechten instellen (overerving van de bibliotheek stopt)"
    )
    assert "Archief: Read afnemen van Planmonitor Visitors" in map(str, planned)
    done = set_permissions(storage, [ARNHEM, BOUWER], SECRETARY, TABLE, dry_run=False)
    assert done == planned


def test_permissions_need_an_existing_group_and_a_secretary(storage: SharePointStorage) -> None:
    with pytest.raises(StorageError, match="groep 'Versnellingstafel' bestaat niet"):
        set_permissions(storage, [ARNHEM], SECRETARY, TABLE, dry_run=True)
    with pytest.raises(StorageError, match="secretaris"):
        set_permissions(storage, [ARNHEM], "", TABLE, dry_run=True)
    nameless = dataclasses.replace(ARNHEM, contact_email="")
    with pytest.raises(StorageError, match="party_principals"):
        set_permissions(storage, [nameless], SECRETARY, "", dry_run=True)


def test_check_reports_connection_folders_and_permission_drift(
    fake_sharepoint: FakeSharePoint, config: Config
) -> None:
    store = fake_sharepoint.storage(config, secretary=SECRETARY, role="manage")
    fake_sharepoint.add_user(SECRETARY)
    fake_sharepoint.add_user(ARNHEM.contact_email)
    results = [r for r in check(store, [ARNHEM]) if not r.code.startswith("command-")]
    assert [(r.code, r.ok) for r in results] == [
        ("connected", True),
        ("rights", True),
        ("missing-folders", False),
    ]
    assert "Partijen, Monitor, Archief" in results[-1].message
    store.ensure_layout([ARNHEM])
    assert [(r.code, r.ok) for r in check(store, [ARNHEM])][-1] == ("permissions-differ", False)
    set_permissions(store, [ARNHEM], SECRETARY, "", dry_run=False)
    assert [(r.code, r.ok) for r in check(store, [ARNHEM])][-2:] == [
        ("folders", True),
        ("permissions", True),
    ]


def test_check_reports_an_unreachable_site(config: Config) -> None:
    with FakeSharePoint() as fake:
        store = fake.storage(config, retry=None)
        store.retry = dataclasses.replace(store.retry, max_attempts=2, base_delay=0.0)
    [result] = check(store)  # the server has stopped
    assert (result.code, result.ok) == ("no-connection", False)
    assert "niet bereikbaar" in result.message


# --- signing in and secrets ------------------------------------------------------------------


def test_refused_token_is_an_authentication_error_without_the_token(
    fake_sharepoint: FakeSharePoint, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "geheim-token-7Qx9"
    store = fake_sharepoint.storage(config, token=secret)
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as caught:
        store.ensure_layout([ARNHEM])
    assert "401" in str(caught.value)
    assert secret not in str(caught.value) and secret not in repr(caught.value)
    assert secret not in caplog.text
    [result] = check(store)
    assert (result.code, result.ok) == ("sign-in-failed", False) and secret not in result.message
    assert (caught.value.__cause__ is None and caught.value.__context__ is None) or (
        secret not in str(caught.value.__context__)
    )


class _StubConfidentialApp:
    """Stands in for msal.ConfidentialClientApplication: Entra ID refuses the certificate."""

    seen: ClassVar[dict[str, Any]] = {}

    def __init__(self, client_id: str, authority: str, client_credential: dict[str, Any]) -> None:
        type(self).seen = {"client_id": client_id, "authority": authority, **client_credential}

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
        type(self).seen["scopes"] = scopes
        return {
            "error": "invalid_client",
            "error_description": "AADSTS700027: Client assertion contains an invalid signature. [Reason - "
            f"thumbprint {self.seen['thumbprint']}, key {self.seen['private_key'][40:80]}]",
        }


def certificate_env(tmp_path: Path) -> dict[str, str]:
    key, thumbprint = make_certificate(
        tmp_path / "buiten-de-repo" / "planmonitor-geheim.pem",
        password="wachtwoord-van-de-sleutel",
    )
    return {
        ENV_TENANT: "contoso.onmicrosoft.com",
        ENV_CLIENT_ID: "11111111-2222-3333-4444-5555",
        ENV_CERT_PATH: str(key),
        ENV_CERT_THUMBPRINT: thumbprint,
        ENV_CERT_PASSPHRASE: "wachtwoord-van-de-sleutel",
    }


def test_certificate_sign_in_failure_shows_the_cause_not_the_secrets(
    fake_sharepoint: FakeSharePoint,
    config: Config,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import msal

    monkeypatch.setattr(msal, "ConfidentialClientApplication", _StubConfidentialApp)
    env = certificate_env(tmp_path)
    sp = fake_sharepoint.settings(auth="certificate")
    store = SharePointStorage.connect(dataclasses.replace(config, sharepoint=sp), environ=env)
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as caught:
        store.ensure_layout([ARNHEM])
    store.close()
    message = str(caught.value)
    assert "AADSTS700027" in message and "certificaat" in message
    for secret in (
        env[ENV_CERT_THUMBPRINT],
        env[ENV_CERT_PASSPHRASE],
        env[ENV_CERT_PATH],
        Path(env[ENV_CERT_PATH]).read_text().splitlines()[1],  # a line of the key
        "planmonitor-geheim",
    ):
        assert secret not in message and secret not in caplog.text
    assert _StubConfidentialApp.seen["scopes"] == [
        f"{fake_sharepoint.site_url.split('/sites')[0]}/.default"
    ]
    assert _StubConfidentialApp.seen["authority"].endswith("/contoso.onmicrosoft.com")
    assert fake_sharepoint.requests == []  # nothing was sent without a token


def test_unreadable_certificate_names_the_variable_not_the_path(
    tmp_path: Path, config: Config
) -> None:
    env = certificate_env(tmp_path) | {ENV_CERT_PATH: str(tmp_path / "geheime-map" / "weg.pem")}
    sp = dataclasses.replace(
        config.sharepoint,
        auth="certificate",
        site_url="https://contoso.sharepoint.com/sites/planmonitor",
    )
    with pytest.raises(AuthenticationError, match=ENV_CERT_PATH) as caught:
        token_provider(sp, load_credentials(sp, env))
    assert "geheime-map" not in str(caught.value)


def test_missing_variables_and_missing_msal_are_explained(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    sp = dataclasses.replace(
        config.sharepoint,
        auth="certificate",
        tenant="",
        client_id="",
        site_url="https://contoso.sharepoint.com/sites/planmonitor",
    )
    with pytest.raises(
        AuthenticationError,
        match=f"{ENV_TENANT}, {ENV_CLIENT_ID}, {ENV_CERT_PATH} ontbreekt",
    ):
        token_provider(sp, load_credentials(sp, {}))
    from pipeline.storage import sharepoint_auth

    real = sharepoint_auth.importlib.util.find_spec
    monkeypatch.setattr(
        sharepoint_auth.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "msal" else real(name, *a),
    )
    with pytest.raises(AuthenticationError, match="pip install msal"):
        token_provider(dataclasses.replace(sp, auth="device_code"), load_credentials(sp, {}))
    with pytest.raises(AuthenticationError, match="Onbekende aanmeldwijze"):
        token_provider(dataclasses.replace(sp, auth="wachtwoord"), load_credentials(sp, {}))


def test_device_code_reaches_the_caller_and_the_cache_is_kept(
    tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    import msal

    class StubPublicApp:
        def __init__(self, client_id: str, authority: str, token_cache: Any) -> None:
            self.cache = token_cache

        def get_accounts(self) -> list[Any]:
            return []

        def initiate_device_flow(self, scopes: list[str]) -> dict[str, str]:
            return {
                "user_code": "ABCD-1234",
                "verification_uri": "https://microsoft.com/devicelogin",
            }

        def acquire_token_by_device_flow(self, flow: dict[str, str]) -> dict[str, Any]:
            self.cache.has_state_changed = True
            return {"access_token": "delegated-token", "token_type": "Bearer", "expires_in": 3600}

    monkeypatch.setattr(msal, "PublicClientApplication", StubPublicApp)
    cache = tmp_path / "cache" / "msal.json"
    sp = dataclasses.replace(
        config.sharepoint,
        auth="device_code",
        tenant="contoso.onmicrosoft.com",
        client_id="app",
        site_url="https://contoso.sharepoint.com/sites/pm",
    )
    with pytest.raises(AuthenticationError, match="code te tonen"):
        token_provider(sp, load_credentials(sp, {}))
    shown: list[str] = []
    provider = token_provider(
        sp, load_credentials(sp, {"PLANMONITOR_SP_TOKEN_CACHE": str(cache)}), notify=shown.append
    )
    token = provider()
    assert (token.accessToken, token.tokenType) == ("delegated-token", "Bearer")
    assert shown == [
        "Open https://microsoft.com/devicelogin en voer de code ABCD-1234 in om aan "
        "te melden bij SharePoint."
    ]
    assert cache.is_file() and oct(cache.stat().st_mode & 0o777) == "0o600"


def test_credentials_come_from_the_environment_and_the_secrets_file(
    tmp_path: Path, config: Config
) -> None:
    secrets = tmp_path / "planmonitor-secrets.env"
    secrets.write_text(
        f"# buiten de repository\nexport {ENV_TENANT}=uit-bestand.onmicrosoft.com\n"
        f"{ENV_CERT_THUMBPRINT}='AB:CD:EF'\n{ENV_CERT_PASSPHRASE}=heel-geheim\n"
        "ONBEKEND=genegeerd\n"
    )
    env = {ENV_SECRETS_FILE: str(secrets), ENV_TENANT: "uit-omgeving.onmicrosoft.com"}
    credentials = load_credentials(
        dataclasses.replace(config.sharepoint, client_id="uit-config"), env
    )
    assert (
        credentials.tenant,
        credentials.client_id,
        credentials.cert_thumbprint,
        credentials.cert_passphrase,
    ) == ("uit-omgeving.onmicrosoft.com", "uit-config", "ABCDEF", "heel-geheim")
    assert "heel-geheim" not in repr(credentials) and "ABCDEF" not in repr(credentials)


def test_open_storage_picks_the_backend(config: Config) -> None:
    local = open_storage(config)
    assert isinstance(local, LocalStorage) and local.root == config.paths.storage
    sp = dataclasses.replace(
        config.sharepoint, auth="token", site_url="https://contoso.sharepoint.com/sites/planmonitor"
    )
    online = dataclasses.replace(
        config, sharepoint=sp, storage=dataclasses.replace(config.storage, backend="sharepoint")
    )
    with pytest.raises(AuthenticationError, match="PLANMONITOR_SP_ACCESS_TOKEN"):
        open_storage(online)
    unknown = dataclasses.replace(
        config, storage=dataclasses.replace(config.storage, backend="dropbox")
    )
    with pytest.raises(StorageError, match="Onbekende opslag 'dropbox'"):
        open_storage(unknown)
    empty = dataclasses.replace(online, sharepoint=dataclasses.replace(sp, site_url=""))
    with pytest.raises(StorageError, match="site_url"):
        open_storage(empty)


# --- a whole round through both backends -----------------------------------------------------


class Both:
    """Writes go to two backends at once, so both receive the very same bytes."""

    def __init__(self, first: Any, second: Any) -> None:
        self.first, self.second = first, second

    def __getattr__(self, name: str) -> Any:
        def both(*args: Any, **kwargs: Any) -> Any:
            result = getattr(self.first, name)(*args, **kwargs)
            assert getattr(self.second, name)(*args, **kwargs) == result or name in (
                "ensure_layout",
                "describe",
            )
            return result

        return both


def local_tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith((".", "~"))
    }


@pytest.mark.slow
def test_a_round_through_sharepoint_matches_the_local_folder(
    fake_sharepoint: FakeSharePoint, config: Config, state: State
) -> None:
    from pipeline.stages.issue import issue_round

    parties = list(state.region().parties)[:3]
    principals = {p.id: [f"contact-{p.id.lower()}@partij.example"] for p in parties}
    for people in [*principals.values(), [SECRETARY]]:
        fake_sharepoint.add_user(people[0])  # already guests of the tenant
    online = fake_sharepoint.storage(config, chunk_bytes=16 * 1024)  # workbooks go up in chunks
    local = LocalStorage(config.paths.storage)
    online.ensure_layout(parties)
    set_permissions(online, parties, SECRETARY, "", dry_run=False, party_principals=principals)
    summary = issue_round(config, state, Both(online, local), party_ids=[p.id for p in parties])
    assert summary.parties == 3
    assert fake_sharepoint.count("POST", "continueUpload") > 0

    for party in parties:  # each party saves its filled-in workbook in its own folder
        [issued] = local.list_party_files(party)
        filled = local.get_party_file(party, issued.name) + f"ingevuld door {party.id}".encode()
        as_party = fake_sharepoint.storage(
            config, token=fake_sharepoint.token_for(principals[party.id][0])
        )
        as_party.put_party_file(party, issued.name, filled)
        local.put_party_file(party, issued.name, filled)

    for party in parties:  # the secretary collects, archives and answers with feedback
        [saved] = online.list_party_files(party)
        assert isinstance(saved, StoredFile)
        assert saved.modified_by.endswith(f"<{principals[party.id][0]}>")
        received = online.get_party_file(party, saved.name)
        assert received == local.get_party_file(party, saved.name)
        Both(online, local).put_archive(f"{party.id} {saved.name}", received)
        Both(online, local).put_party_file(
            party, f"Terugkoppeling {party.id}.html", f"<p>Dank, {party.name}</p>".encode()
        )
    assert Both(online, local).publish("Monitor 2026-H2.xlsx", b"monitor" * 5000) is True
    assert Both(online, local).publish("Monitor 2026-H2.xlsx", b"monitor" * 5000) is False

    assert fake_sharepoint.tree() == local_tree(config.paths.storage)
    assert len(fake_sharepoint.tree()) == 3 * 2 + 3 + 1
    assert temporary_files(fake_sharepoint) == []
