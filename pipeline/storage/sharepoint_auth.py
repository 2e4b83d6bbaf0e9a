"""Signing in to SharePoint Online: where credentials come from and how a token is obtained.

Credentials never live in ``config.toml`` or in the repository. They come from environment
variables, or from a file outside the repository named by ``PLANMONITOR_SP_SECRETS_FILE`` that
holds the same names as ``NAME=value`` lines (``#`` starts a comment; a variable that is set
wins over the file):

==================================  =========================================================
``PLANMONITOR_SP_TENANT``           tenant, ``contoso.onmicrosoft.com`` or its GUID (overrides
                                    ``[sharepoint] tenant``)
``PLANMONITOR_SP_CLIENT_ID``        application (client) id of the Entra ID app registration
                                    (overrides ``[sharepoint] client_id``)
``PLANMONITOR_SP_CERT_PATH``        the certificate with its private key (``certificate``): a
                                    ``.pfx``/``.p12`` file as Windows and Key Vault export it, or
                                    a ``.pem`` file with the key and the certificate
``PLANMONITOR_SP_CERT_PASSPHRASE``  password of the PFX file or of the PEM key, when it has one
``PLANMONITOR_SP_CERT_THUMBPRINT``  optional: the SHA-1 thumbprint Entra ID shows; planmonitor
                                    computes it from the certificate and refuses a mismatch
``PLANMONITOR_SP_TOKEN_CACHE``      file in which delegated sign-in keeps its tokens, so the
                                    secretary does not sign in for every command (optional;
                                    written with permissions 0600, never readable by others)
``PLANMONITOR_SP_ACCESS_TOKEN``     **test only**: a bearer token sent as is (``auth = "token"``)
``PLANMONITOR_SP_SECRETS_FILE``     the file described above
==================================  =========================================================

Sign-in modes (``[sharepoint] auth``):

``certificate``
    app-only, for scheduled runs: an Entra ID app registration with a certificate (MSAL
    client-credentials flow with a signed assertion). The thumbprint is computed from the
    certificate, so it never has to be typed.
``managed_identity``
    app-only on an Azure machine, function or container with a managed identity: no secret on
    disk at all (MSAL ``ManagedIdentityClient``; ``PLANMONITOR_SP_CLIENT_ID`` names a
    user-assigned identity, else the system-assigned one is used).
``device_code``
    delegated, for the secretary at a desk: a code to enter at microsoft.com/devicelogin; the
    text to show reaches the caller through ``notify`` (the library never prints).
``interactive``
    delegated: a browser window on this computer (redirect URI ``http://localhost``).
``token``
    test only: the bearer token in ``PLANMONITOR_SP_ACCESS_TOKEN``, for the fake SharePoint
    server in the tests. Never use it against a real tenant.

The token is handed to the client library through its ``with_access_token`` hook. The flows are
the MSAL flows behind the library's own ``with_client_certificate``, ``with_device_flow`` and
``with_interactive``, run here so that (1) a failure becomes an :class:`AuthenticationError` with
a Dutch message that names the cause without any secret — the library raises a bare
``ValueError`` carrying MSAL's whole response — and (2) the device code reaches the caller
instead of being printed to standard output.

Secrets, tokens and certificate paths never appear in messages, exceptions or logs.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from office365.runtime.auth.token_response import TokenResponse

from ..core import AuthenticationError, SharePointSettings

ENV_TENANT = "PLANMONITOR_SP_TENANT"
ENV_CLIENT_ID = "PLANMONITOR_SP_CLIENT_ID"
ENV_CERT_PATH = "PLANMONITOR_SP_CERT_PATH"
ENV_CERT_THUMBPRINT = "PLANMONITOR_SP_CERT_THUMBPRINT"
ENV_CERT_PASSPHRASE = "PLANMONITOR_SP_CERT_PASSPHRASE"
ENV_TOKEN_CACHE = "PLANMONITOR_SP_TOKEN_CACHE"
ENV_ACCESS_TOKEN = "PLANMONITOR_SP_ACCESS_TOKEN"
ENV_SECRETS_FILE = "PLANMONITOR_SP_SECRETS_FILE"
_NAMES = (
    ENV_TENANT,
    ENV_CLIENT_ID,
    ENV_CERT_PATH,
    ENV_CERT_THUMBPRINT,
    ENV_CERT_PASSPHRASE,
    ENV_TOKEN_CACHE,
    ENV_ACCESS_TOKEN,
)

AUTH_MODES = ("certificate", "managed_identity", "device_code", "interactive", "token")
LOGIN_AUTHORITY = "https://login.microsoftonline.com"

TokenProvider = Callable[[], TokenResponse]
Notify = Callable[[str], None]

# What an Entra ID error code means for the secretary; the codes are stable, the texts are not.
_AADSTS_HINTS = {
    "AADSTS700016": "de app-registratie (client id) bestaat niet in deze tenant",
    "AADSTS90002": "de tenant is onbekend; controleer PLANMONITOR_SP_TENANT",
    "AADSTS700027": "het certificaat of de vingerafdruk hoort niet bij de app-registratie",
    "AADSTS700024": "de tijd op deze computer wijkt te veel af",
    "AADSTS7000215": "het geheim van de app-registratie klopt niet",
    "AADSTS65001": "er is nog geen toestemming (admin consent) gegeven voor de API-rechten",
    "AADSTS50020": "dit account hoort niet bij de tenant",
    "AADSTS50126": "gebruikersnaam of wachtwoord klopt niet",
    "AADSTS70016": "de apparaatcode is nog niet ingevoerd",
    "AADSTS70019": "de apparaatcode is verlopen; probeer opnieuw",
    "AADSTS7000218": "openbare clientstromen staan uit in de app-registratie "
    "(Authentication > Allow public client flows)",
}


@dataclass(frozen=True)
class Credentials:
    """What signing in needs; secret fields are left out of ``repr``."""

    tenant: str = ""
    client_id: str = ""
    cert_path: str = field(default="", repr=False)
    cert_thumbprint: str = field(default="", repr=False)
    cert_passphrase: str = field(default="", repr=False)
    token_cache: str = field(default="", repr=False)
    access_token: str = field(default="", repr=False)


def load_credentials(
    settings: SharePointSettings, environ: Mapping[str, str] | None = None
) -> Credentials:
    """Collect credentials from the environment and the secrets file; settings give defaults."""
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    secrets_file = env.get(ENV_SECRETS_FILE, "").strip()
    if secrets_file:
        values.update(_read_secrets_file(Path(secrets_file)))
    values.update({name: env[name] for name in _NAMES if env.get(name, "").strip()})
    return Credentials(
        tenant=values.get(ENV_TENANT, "").strip() or settings.tenant,
        client_id=values.get(ENV_CLIENT_ID, "").strip() or settings.client_id,
        cert_path=values.get(ENV_CERT_PATH, "").strip(),
        cert_thumbprint=values.get(ENV_CERT_THUMBPRINT, "").strip().replace(":", ""),
        cert_passphrase=values.get(ENV_CERT_PASSPHRASE, ""),
        token_cache=values.get(ENV_TOKEN_CACHE, "").strip(),
        access_token=values.get(ENV_ACCESS_TOKEN, "").strip(),
    )


def token_provider(
    settings: SharePointSettings, credentials: Credentials, *, notify: Notify | None = None
) -> TokenProvider:
    """A callable that returns a fresh access token for the site, for ``with_access_token``.

    Everything that can be checked without the network is checked here, so a missing variable
    is reported before the first request.
    """
    mode = settings.auth
    if mode not in AUTH_MODES:
        raise AuthenticationError(
            f"Onbekende aanmeldwijze '{mode}' in [sharepoint] auth. Kies uit: "
            f"{', '.join(AUTH_MODES)}."
        )
    if mode == "token":
        return _bearer(credentials)
    _require_msal()
    if mode == "managed_identity":
        return _managed_identity(credentials, _origin(settings.site_url))
    missing = [
        name
        for name, value in (
            (ENV_TENANT, credentials.tenant),
            (ENV_CLIENT_ID, credentials.client_id),
        )
        if not value
    ]
    if mode == "certificate" and not credentials.cert_path:
        missing.append(ENV_CERT_PATH)
    if missing:
        raise AuthenticationError(
            "Aanmelden bij SharePoint kan niet: " + ", ".join(missing) + " ontbreekt. Zet de "
            "variabele in de omgeving of in het bestand van PLANMONITOR_SP_SECRETS_FILE "
            "(zie docs/sharepoint.md)."
        )
    scopes = [f"{_origin(settings.site_url)}/.default"]
    authority = f"{LOGIN_AUTHORITY}/{credentials.tenant}"
    if mode == "certificate":
        return _certificate(credentials, authority, scopes)
    if mode == "device_code" and notify is None:
        raise AuthenticationError(
            "Aanmelden met een apparaatcode heeft een plek nodig om de code te tonen; gebruik "
            'de opdrachtregel of kies auth = "interactive".'
        )
    return _delegated(mode, credentials, authority, scopes, notify)


def _bearer(credentials: Credentials) -> TokenProvider:
    if not credentials.access_token:
        raise AuthenticationError(
            f"Aanmeldwijze 'token' (alleen voor tests) vraagt {ENV_ACCESS_TOKEN}; die ontbreekt."
        )
    token = credentials.access_token
    return lambda: TokenResponse(access_token=token, token_type="Bearer")


@dataclass(frozen=True)
class Certificate:
    """A certificate read for signing in: the key stays out of ``repr``."""

    thumbprint: str  # SHA-1, upper-case hex, as Entra ID shows it
    certificate_pem: str
    private_key_pem: str = field(repr=False)
    not_after: dt.datetime | None = None


def load_certificate(path: Path, passphrase: str = "") -> Certificate:
    """The key and certificate of a PFX/P12 or PEM file, with the thumbprint computed.

    Messages name the variable, never the path, the password or the key.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AuthenticationError(
            f"Het certificaatbestand uit {ENV_CERT_PATH} kan niet worden gelezen "
            f"({type(exc).__name__}). Controleer het pad en de leesrechten."
        ) from None
    password = passphrase.encode("utf-8") if passphrase else None
    key: Any
    certificate: Any
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            if b"PRIVATE KEY-----" not in data:
                raise AuthenticationError(
                    f"Het bestand uit {ENV_CERT_PATH} bevat geen private sleutel. Zet sleutel en "
                    "certificaat samen in één .pem-bestand, of gebruik het .pfx-bestand."
                )
            key = serialization.load_pem_private_key(data, password)
            certificates = (
                x509.load_pem_x509_certificates(data) if b"CERTIFICATE-----" in data else []
            )
            certificate = certificates[0] if certificates else None
        else:
            key, certificate, _ = pkcs12.load_key_and_certificates(data, password)
    except AuthenticationError:
        raise
    except (TypeError, ValueError) as exc:
        wrong_password = "password" in str(exc).lower() or "decrypt" in str(exc).lower()
        raise AuthenticationError(
            f"Het certificaat uit {ENV_CERT_PATH} kan niet worden geopend: "
            + (
                f"het wachtwoord ({ENV_CERT_PASSPHRASE}) ontbreekt of klopt niet."
                if wrong_password or isinstance(exc, TypeError)
                else "het is geen PFX- of PEM-bestand met een sleutel en certificaat."
            )
        ) from None
    if key is None or certificate is None:
        raise AuthenticationError(
            f"Het bestand uit {ENV_CERT_PATH} moet de private sleutel én het certificaat bevatten "
            "(een .pfx-bestand, of een .pem-bestand met beide), zodat planmonitor de "
            "vingerafdruk zelf kan bepalen."
        )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return Certificate(
        thumbprint=certificate.fingerprint(hashes.SHA1()).hex().upper(),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        private_key_pem=private_pem,
        not_after=certificate.not_valid_after_utc,
    )


def _certificate(credentials: Credentials, authority: str, scopes: list[str]) -> TokenProvider:
    certificate = load_certificate(Path(credentials.cert_path), credentials.cert_passphrase)
    given = credentials.cert_thumbprint.upper()
    if given and given != certificate.thumbprint:
        raise AuthenticationError(
            f"{ENV_CERT_THUMBPRINT} hoort niet bij het certificaat uit {ENV_CERT_PATH}. Laat de "
            "variabele weg: planmonitor bepaalt de vingerafdruk zelf uit het certificaat."
        )
    if certificate.not_after is not None and certificate.not_after < dt.datetime.now(dt.UTC):
        raise AuthenticationError(
            f"Het certificaat uit {ENV_CERT_PATH} is verlopen op "
            f"{certificate.not_after:%d-%m-%Y}. Maak een nieuw certificaat en upload het bij de "
            "app-registratie (zie docs/sharepoint.md)."
        )
    client_credential = {
        "private_key": certificate.private_key_pem,
        "thumbprint": certificate.thumbprint,
    }
    state: dict[str, Any] = {}

    def acquire() -> TokenResponse:
        import msal

        def run() -> dict[str, Any]:
            if "app" not in state:
                state["app"] = msal.ConfidentialClientApplication(
                    credentials.client_id,
                    authority=authority,
                    client_credential=client_credential,
                )
            result: dict[str, Any] = state["app"].acquire_token_for_client(scopes=scopes)
            return result

        return _token_from(_call_msal(run))

    return acquire


def _managed_identity(credentials: Credentials, resource: str) -> TokenProvider:
    state: dict[str, Any] = {}

    def acquire() -> TokenResponse:
        import msal
        import requests

        def run() -> dict[str, Any]:
            if "client" not in state:
                identity: Any = (
                    msal.UserAssignedManagedIdentity(client_id=credentials.client_id)
                    if credentials.client_id
                    else msal.SystemAssignedManagedIdentity()
                )
                state["client"] = msal.ManagedIdentityClient(
                    identity, http_client=requests.Session()
                )
            result: dict[str, Any] = state["client"].acquire_token_for_client(resource=resource)
            return result

        return _token_from(_call_msal(run))

    return acquire


def _delegated(
    mode: str, credentials: Credentials, authority: str, scopes: list[str], notify: Notify | None
) -> TokenProvider:
    def acquire() -> TokenResponse:
        import msal

        def run() -> dict[str, Any]:
            cache = msal.SerializableTokenCache()
            cache_path = Path(credentials.token_cache) if credentials.token_cache else None
            if cache_path is not None and cache_path.is_file():
                cache.deserialize(cache_path.read_text(encoding="utf-8"))
            app = msal.PublicClientApplication(
                credentials.client_id, authority=authority, token_cache=cache
            )
            result: dict[str, Any] | None = None
            accounts = app.get_accounts()
            if accounts:
                result = app.acquire_token_silent(scopes, account=accounts[0])
            if not result:
                if mode == "device_code":
                    flow = app.initiate_device_flow(scopes=scopes)
                    if "user_code" not in flow:
                        return dict(flow)
                    assert notify is not None
                    page = flow.get("verification_uri", "https://microsoft.com/devicelogin")
                    notify(
                        f"Open {page} en voer de code {flow['user_code']} in om aan te "
                        "melden bij SharePoint."
                    )
                    result = app.acquire_token_by_device_flow(flow)
                else:
                    result = app.acquire_token_interactive(scopes=scopes)
            if cache_path is not None and cache.has_state_changed:
                write_private(cache_path, cache.serialize())
            return dict(result or {})

        return _token_from(_call_msal(run))

    return acquire


def _call_msal(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run an MSAL call; anything it raises becomes a message without its details."""
    try:
        return run()
    except AuthenticationError:
        raise
    except Exception as exc:  # MSAL raises many types (network, key format, ...)
        raise AuthenticationError(
            f"Aanmelden bij SharePoint mislukt: {type(exc).__name__} tijdens het ophalen van een "
            "token bij Entra ID. Controleer de netwerkverbinding naar login.microsoftonline.com, "
            "het certificaat en de wachtwoordzin (zie docs/sharepoint.md)."
        ) from None


def _token_from(result: dict[str, Any]) -> TokenResponse:
    token = result.get("access_token")
    if isinstance(token, str) and token:
        return TokenResponse(
            access_token=token,
            token_type=str(result.get("token_type", "Bearer")),
            expiresIn=int(result.get("expires_in", 3600)),
        )
    raise AuthenticationError(describe_sign_in_failure(result))


def describe_sign_in_failure(result: Mapping[str, Any]) -> str:
    """A Dutch message for a failed MSAL result: the error and Entra ID codes, nothing else."""
    error = str(result.get("error") or "onbekende fout")
    error = re.sub(r"[^a-z_]", "", error.lower()) or "onbekende_fout"
    codes = list(dict.fromkeys(re.findall(r"AADSTS\d+", str(result.get("error_description", "")))))
    hints = [f"{code}: {_AADSTS_HINTS[code]}" for code in codes if code in _AADSTS_HINTS]
    hints += [code for code in codes if code not in _AADSTS_HINTS]
    detail = f" ({'; '.join(hints)})" if hints else ""
    return (
        f"Aanmelden bij SharePoint mislukt: {error}{detail}. Controleer de app-registratie, "
        "de tenant en het certificaat (zie docs/sharepoint.md, 'Problemen oplossen')."
    )


def write_private(path: Path, text: str) -> None:
    """Write a file that only its owner may read (0600 from the first byte, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o600)  # the umask cannot widen it, an old file cannot either
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _require_msal() -> None:
    if importlib.util.find_spec("msal") is None:
        raise AuthenticationError(
            "Voor aanmelden bij SharePoint is het pakket msal nodig, en dat is niet "
            "geïnstalleerd. Installeer het met: pip install msal"
        )


def _origin(site_url: str) -> str:
    parsed = urlparse(site_url)
    return f"{parsed.scheme}://{parsed.netloc}"


def _read_secrets_file(path: Path) -> dict[str, str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthenticationError(
            f"Het bestand uit {ENV_SECRETS_FILE} kan niet worden gelezen ({type(exc).__name__})."
        ) from None
    values: dict[str, str] = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        name = name.strip().removeprefix("export ").strip()
        if name in _NAMES:
            values[name] = value.strip().strip('"').strip("'")
    return values
