"""The SharePoint Online backend: the storage layout as folders in one document library.

Everything goes through ``office365-rest-python-client`` (``ClientContext``) against the site in
``[sharepoint] site_url``; the library (``[sharepoint] library``) is named as it appears in the
site's web address, e.g. ``Gedeelde documenten`` or ``Shared Documents``. Signing in is in
:mod:`.sharepoint_auth`; folder permissions and the connection check in :mod:`.sharepoint_admin`.

Behaviour on a shared service (each point checked against Microsoft's documentation; the
sources are named in ``tests/fake_sharepoint.py``, which behaves the same way):

* **Overwrite in place.** A file is written under its real name: in one request
  (``Files/Add(overwrite=true)``) up to ``chunk_bytes``, above that in an upload session
  (StartUpload, ContinueUpload, FinishUpload) on the existing file, which SharePoint commits in
  one step at FinishUpload. Either way the list item stays the same item: its id, sharing links,
  permissions and version history are kept, and the previous content is a version in the
  history. A party never sees half a workbook and no temporary file appears in its folder. A
  broken upload session is cancelled (CancelUpload) and started again; a placeholder that this
  upload created for a new file is removed again when the upload does not finish.
* **Locks.** A workbook someone has open in Excel (also in the browser, also only viewing) is
  locked: SharePoint answers 423. The write is tried again with a growing wait for at most
  ``lock_wait_seconds``; then :class:`FileLocked` says who holds it, and the caller decides
  (``issue`` skips that party and lists it for a re-run).
* **Throttling** (HTTP 429 and 503): wait exactly what ``Retry-After`` asks, else an exponential
  backoff (1, 2, 4 … s, at most ``max_delay_seconds``), as long as the total of all waits of this
  connection stays within ``budget_seconds``; past the budget the step fails with a message
  instead of sleeping for an hour. ``RateLimit-Remaining`` and ``RateLimit-Reset`` (sent when
  the app has used most of its quota) slow the next requests down before a 429 comes.
* Passing server errors (500, 502, 504) and dropped connections are retried with the same
  backoff, at most ``max_attempts`` attempts in all.
* Every request carries the ``User-Agent`` ``NONISV|planmonitor|planmonitor/<version>``, as
  Microsoft asks of background tools ("decorate your traffic").
* :meth:`SharePointStorage.publish` compares size and SHA-256 with what is already there and
  uploads nothing when the bytes are the same.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

import requests
from office365.runtime.client_request_exception import ClientRequestException
from office365.runtime.retry import response_retry_after
from office365.sharepoint.client_context import ClientContext

from .. import __version__
from ..core import (
    DEFAULT_SP_BUDGET_SECONDS,
    DEFAULT_SP_LOCK_WAIT_SECONDS,
    DEFAULT_SP_MAX_ATTEMPTS,
    DEFAULT_SP_MAX_DELAY_SECONDS,
    AuthenticationError,
    Party,
    Progress,
    SharePointSettings,
    StorageError,
    StorageSettings,
    sha256,
)
from . import FileLocked, StoredFile, party_folder_name
from .sharepoint_auth import Notify, load_credentials, token_provider

if TYPE_CHECKING:
    from ..core import Config

T = TypeVar("T")

TEMP_PREFIX = "~tmp-"  # temporary files of versions before 0.2; still never listed
HIDDEN_PREFIXES = (TEMP_PREFIX, "~$", ".")
THROTTLED = frozenset({429, 503})
PASSING_ERRORS = frozenset({408, 500, 502, 504})
LOCKED = 423
LOCK_ERROR = "SPFileLockException"
CONNECT_TIMEOUT_SECONDS = 10.0
USER_AGENT = f"NONISV|planmonitor|planmonitor/{__version__}"


# What a file listing asks SharePoint for: enough for a StoredFile.
FILE_PROPERTIES = [
    "Name",
    "Length",
    "TimeLastModified",
    "ETag",
    "ModifiedBy/Title",
    "ModifiedBy/Email",
    "ModifiedBy/LoginName",
]


@dataclass(frozen=True)
class RetryPolicy:
    """How often to try and how long to wait when SharePoint throttles, locks or drops a line.

    ``budget`` bounds the sum of all waits of one connection (one run of a command);
    ``lock_wait`` bounds the waits for one locked file.
    """

    max_attempts: int = DEFAULT_SP_MAX_ATTEMPTS
    base_delay: float = 1.0
    max_delay: float = DEFAULT_SP_MAX_DELAY_SECONDS
    budget: float = DEFAULT_SP_BUDGET_SECONDS
    lock_wait: float = DEFAULT_SP_LOCK_WAIT_SECONDS
    lock_delay: float = 5.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based).

        The server's ``Retry-After`` is taken as given; the budget, not a cap, bounds it.
        """
        if retry_after is not None:
            return max(0.0, float(retry_after))
        return max(0.0, min(self.base_delay * 2.0 ** (attempt - 1), self.max_delay))

    def lock_delay_after(self, attempt: int) -> float:
        """Seconds to wait before trying a locked file again: 5, 10, 20 … s, at most 60."""
        return min(self.lock_delay * 2.0 ** (attempt - 1), max(self.lock_delay, 60.0))


class NotFound(StorageError):
    """A file or folder that SharePoint does not have (HTTP 404)."""


class _ConnectionLost(StorageError):
    """The connection dropped during a step that cannot simply be sent again."""


class SharePointStorage:
    """Folders in a SharePoint document library: one per party, a shared and an archive folder."""

    def __init__(
        self,
        context: ClientContext,
        settings: SharePointSettings,
        storage: StorageSettings | None = None,
        *,
        retry: RetryPolicy | None = None,
        progress: Progress | None = None,
    ) -> None:
        storage = storage or StorageSettings()
        self.context = context
        self.settings = settings
        self.site_url = settings.site_url.rstrip("/")
        self.site_path = urlparse(self.site_url).path.rstrip("/")
        self.library_path = f"{self.site_path}/{settings.library.strip('/')}"
        self.parties_path = f"{self.library_path}/{storage.party_folder}"
        self.shared_path = f"{self.library_path}/{storage.shared_folder}"
        self.archive_path = f"{self.library_path}/{storage.archive_folder}"
        self.chunk_bytes = max(1, settings.chunk_bytes)
        self.retry = retry or RetryPolicy(
            max_attempts=max(1, settings.max_attempts),
            max_delay=settings.max_delay_seconds,
            budget=settings.budget_seconds,
            lock_wait=settings.lock_wait_seconds,
        )
        self.progress = progress
        self.waited = 0.0  # seconds slept so far, against ``retry.budget``
        self._pause = 0.0  # seconds to wait before the next request (RateLimit headers)
        self._skip_form_digest()
        request = self.context.pending_request()
        request.beforeExecute += _decorate
        request.afterExecute += self._observe

    @classmethod
    def connect(
        cls,
        config: Config,
        *,
        environ: Mapping[str, str] | None = None,
        notify: Notify | None = None,
        retry: RetryPolicy | None = None,
        progress: Progress | None = None,
    ) -> SharePointStorage:
        """Open the site of ``config`` with the credentials from the environment.

        Nothing goes over the network yet; the first operation signs in.
        """
        settings = config.sharepoint
        parsed = urlparse(settings.site_url)
        if (
            parsed.scheme not in ("https", "http")
            or not parsed.netloc
            or not parsed.path.strip("/")
        ):
            raise StorageError(
                "[sharepoint] site_url in config.toml is leeg of geen site-adres. Vul het adres "
                "van de site in, bijvoorbeeld https://contoso.sharepoint.com/sites/planmonitor."
            )
        provider = token_provider(settings, load_credentials(settings, environ), notify=notify)
        context = ClientContext(settings.site_url.rstrip("/")).with_access_token(provider)
        context.with_transport(timeout=(CONNECT_TIMEOUT_SECONDS, settings.timeout_seconds))
        return cls(context, settings, config.storage, retry=retry, progress=progress)

    def close(self) -> None:
        """Close the connections to SharePoint."""
        self.context.close()

    def __enter__(self) -> SharePointStorage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- layout -------------------------------------------------------------------------------

    def describe(self) -> str:
        return f"SharePoint-bibliotheek {self.settings.library} op {self.site_url}"

    def party_path(self, party: Party) -> str:
        return f"{self.parties_path}/{party_folder_name(party)}"

    def layout_paths(self, parties: list[Party]) -> list[str]:
        """Every folder of the layout, parents first."""
        return [
            self.parties_path,
            self.shared_path,
            self.archive_path,
            *(self.party_path(p) for p in parties),
        ]

    def shown(self, path: str) -> str:
        """A path as the secretary sees it in the library."""
        return path.removeprefix(self.library_path).strip("/") or self.settings.library

    # --- the Storage protocol -----------------------------------------------------------------

    def ensure_layout(self, parties: list[Party]) -> list[str]:
        if not self.folder_exists(self.library_path):
            raise StorageError(
                f"De bibliotheek '{self.settings.library}' bestaat niet op {self.site_url}. "
                "Controleer [sharepoint] library: de naam zoals die in het webadres staat, "
                "bijvoorbeeld 'Gedeelde documenten'."
            )
        created = []
        for path in self.layout_paths(parties):
            if self.folder_exists(path):
                continue
            parent, _, name = path.rpartition("/")
            self.execute(partial(self._add_folder, parent, name), f"map {self.shown(path)} maken")
            created.append(f"map aangemaakt: {self.shown(path)}")
        return created

    def _add_folder(self, parent: str, name: str) -> object:
        return self.context.web.get_folder_by_server_relative_path(parent).folders.add(name)

    def put_party_file(
        self, party: Party, name: str, data: bytes, *, progress: Progress | None = None
    ) -> None:
        self.upload(self.party_path(party), name, data, progress=progress)

    def list_party_files(self, party: Party) -> list[StoredFile]:
        return self.list_files(self.party_path(party))

    def get_party_file(self, party: Party, name: str) -> bytes:
        return self.download(f"{self.party_path(party)}/{name}")

    def publish(self, name: str, data: bytes, *, progress: Progress | None = None) -> bool:
        target = f"{self.shared_path}/{name}"
        present = self.file_info(target)
        if (
            present is not None
            and present.size == len(data)
            and sha256(self.download(target)) == sha256(data)
        ):
            return False
        self.upload(self.shared_path, name, data, progress=progress)
        return True

    def put_archive(self, name: str, data: bytes) -> None:
        if self.file_info(f"{self.archive_path}/{name}") is None:
            self.upload(self.archive_path, name, data)

    # --- files --------------------------------------------------------------------------------

    def folder_exists(self, path: str) -> bool:
        try:
            folder = self.execute(
                lambda: (
                    self.context.web.get_folder_by_server_relative_path(path)
                    .get()
                    .select(["Exists", "Name"])
                ),
                f"map {self.shown(path)} opzoeken",
            )
        except NotFound:
            return False
        return folder.properties.get("Exists", True) is not False

    def list_files(self, folder_path: str) -> list[StoredFile]:
        """The files in a folder as SharePoint reports them, without temporary and lock files."""
        try:
            files = self.execute(
                lambda: (
                    self.context.web.get_folder_by_server_relative_path(folder_path)
                    .files.get()
                    .select(self._file_properties())
                    .expand(self._file_expand())
                ),
                f"bestanden in {self.shown(folder_path)} opvragen",
            )
        except NotFound:
            return []
        stored = [_stored(file, self.settings.hand_in_column) for file in files]
        return sorted(
            (f for f in stored if not f.name.startswith(HIDDEN_PREFIXES)), key=lambda f: f.name
        )

    def _file_properties(self) -> list[str]:
        column = self.settings.hand_in_column
        return [*FILE_PROPERTIES, *([f"ListItemAllFields/{column}"] if column else [])]

    def _file_expand(self) -> list[str]:
        return ["ModifiedBy", *(["ListItemAllFields"] if self.settings.hand_in_column else [])]

    def file_info(self, path: str) -> StoredFile | None:
        try:
            file = self.execute(
                lambda: (
                    self.context.web.get_file_by_server_relative_path(path)
                    .get()
                    .select(FILE_PROPERTIES)
                    .expand(["ModifiedBy"])
                ),
                f"bestand {self.shown(path)} opzoeken",
            )
        except NotFound:
            return None
        return _stored(file)

    def download(self, path: str) -> bytes:
        result = self.execute(
            lambda: self.context.web.get_file_by_server_relative_path(path).get_content(),
            f"bestand {self.shown(path)} lezen",
        )
        value = result.value
        return bytes(value) if value is not None else b""

    def upload(
        self, folder_path: str, name: str, data: bytes, *, progress: Progress | None = None
    ) -> None:
        """Write ``data`` as ``name`` into a folder, replacing the content of the file in place.

        The file stays the same item (id, links, permissions, version history); the previous
        content becomes a version. Raises :class:`FileLocked` when someone keeps it open.
        """
        progress = progress or self.progress
        target = f"{folder_path}/{name}"
        what = f"{self.shown(target)} uploaden"
        total = len(data)
        if total <= self.chunk_bytes:
            folder = self.context.web.get_folder_by_server_relative_path
            # One request that SharePoint carries out whole or not at all; sending it again
            # after a dropped line writes the same bytes again.
            self.execute(lambda: folder(folder_path).files.add(name, data, True), what)
            if progress:
                progress(total, total, name)
            return
        folder = self.context.web.get_folder_by_server_relative_path
        for attempt in range(1, self.retry.max_attempts + 1):
            created = False
            if self.file_info(target) is None:
                self.execute(lambda: folder(folder_path).files.add(name, b"", True), what)
                created = True
            upload_id = str(uuid.uuid4())
            try:
                self._send_chunks(target, upload_id, data, name, progress)
                return
            except _ConnectionLost as exc:
                self._abandon(target, upload_id, created)
                if self._arrived(target, data):
                    return  # FinishUpload went through before the line dropped
                if attempt == self.retry.max_attempts:
                    raise StorageError(
                        f"Het uploaden van {self.shown(target)} is {attempt} keer afgebroken "
                        "doordat de verbinding met SharePoint wegviel. Het oude bestand is "
                        "ongewijzigd; probeer het later opnieuw."
                    ) from exc
                self._wait(self.retry.delay(attempt), what)
            except BaseException:
                self._abandon(target, upload_id, created)
                raise

    def _send_chunks(
        self, target: str, upload_id: str, data: bytes, name: str, progress: Progress | None
    ) -> None:
        """An upload session on the file; nothing changes for readers until FinishUpload.

        Retrying a chunk is safe only when SharePoint answered (throttling, a lock); a dropped
        connection raises :class:`_ConnectionLost` and the caller starts a new session.
        """
        total = len(data)
        what = f"{self.shown(target)} uploaden"
        offset = 0
        while offset < total:
            chunk = data[offset : offset + self.chunk_bytes]
            self.execute(
                partial(self._chunk, target, upload_id, offset, chunk, total),
                what,
                retry_connection=False,
            )
            offset += len(chunk)
            if progress:
                progress(offset, total, name)

    def _chunk(self, target: str, upload_id: str, offset: int, chunk: bytes, total: int) -> object:
        file = self.context.web.get_file_by_server_relative_path(target)
        if offset == 0:
            return file.start_upload(upload_id, chunk)
        if offset + len(chunk) < total:
            return file.continue_upload(upload_id, offset, chunk)
        return file.finish_upload(upload_id, offset, chunk)

    def _abandon(self, target: str, upload_id: str, created: bool) -> None:
        """End a broken upload session; remove the empty placeholder this upload made."""
        with contextlib.suppress(StorageError):
            self.execute(
                lambda: self.context.web.get_file_by_server_relative_path(target).cancel_upload(
                    upload_id
                ),
                f"onderbroken upload van {self.shown(target)} afbreken",
                attempts=1,
            )
        if created:
            present = self._quiet_info(target)
            if present is not None and present.size == 0:
                self.remove_quietly(target)

    def _arrived(self, target: str, data: bytes) -> bool:
        present = self._quiet_info(target)
        if present is None or present.size != len(data):
            return False
        with contextlib.suppress(StorageError):
            return sha256(self.download(target)) == sha256(data)
        return False

    def _quiet_info(self, path: str) -> StoredFile | None:
        with contextlib.suppress(StorageError):
            return self.file_info(path)
        return None

    def remove_quietly(self, path: str) -> None:
        """Delete a file if it is there; one attempt, failures ignored (used to clean up)."""
        with contextlib.suppress(StorageError):
            self.execute(
                lambda: self.context.web.get_file_by_server_relative_path(path).delete_object(),
                f"onvolledig bestand {self.shown(path)} opruimen",
                attempts=1,
            )

    # --- requests -----------------------------------------------------------------------------

    def execute(
        self,
        build: Callable[[], T],
        what: str,
        *,
        retry_connection: bool = True,
        attempts: int | None = None,
    ) -> T:
        """Queue a request with ``build`` and send it, retrying throttling, locks and dropped lines.

        ``build`` runs again for each attempt, so a retry never reuses half-processed state.
        ``what`` (Dutch) names the step in messages. With ``retry_connection`` false a dropped
        connection raises at once, for steps that the caller must restart as a whole.
        ``attempts`` bounds passing errors and dropped lines; throttling is bounded by the
        budget, a lock by ``lock_wait``.
        """
        attempts = attempts or self.retry.max_attempts
        failures = locked = throttled = 0
        lock_waited = 0.0
        while True:
            self._pace()
            try:
                result = build()
                self.context.execute_query()
                return result
            except ClientRequestException as exc:
                self._discard_pending()
                response = getattr(exc, "response", None)
                self._observe(response)
                status = _status(exc)
                if status in THROTTLED and attempts > 1:
                    throttled += 1
                    wait = self.retry.delay(throttled, response_retry_after(response))
                    if self._may_wait(wait):
                        self._wait(wait, what)
                        continue
                    raise self._too_busy(status, what, throttled, wait) from None
                if status == LOCKED or LOCK_ERROR in str(getattr(exc, "code", "")):
                    locked += 1
                    wait = self.retry.lock_delay_after(locked)
                    if (
                        attempts > 1
                        and lock_waited + wait <= self.retry.lock_wait
                        and self._may_wait(wait)
                    ):
                        lock_waited += wait
                        self._wait(wait, what)
                        continue
                    raise self._locked(exc, what, lock_waited) from None
                failures += 1
                if status in PASSING_ERRORS and failures < attempts:
                    wait = self.retry.delay(failures)
                    if self._may_wait(wait):
                        self._wait(wait, what)
                        continue
                raise self._translate(exc, status, what, failures) from None
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                self._discard_pending()
                if isinstance(exc, requests.exceptions.SSLError):
                    raise StorageError(
                        f"SharePoint: {what} mislukt: de beveiligde verbinding (TLS) wordt niet "
                        "vertrouwd. Controleer het adres en de certificaten van deze computer."
                    ) from None
                if not retry_connection:
                    raise _ConnectionLost(
                        f"SharePoint: {what} afgebroken: verbinding verbroken."
                    ) from None
                failures += 1
                if failures < attempts:
                    self._wait(self.retry.delay(failures), what)
                    continue
                raise StorageError(
                    f"SharePoint is niet bereikbaar: {what} mislukt na {failures} pogingen "
                    f"({type(exc).__name__}). Controleer de netwerkverbinding en site_url."
                ) from None
            except AuthenticationError:
                self._discard_pending()
                raise

    # --- waiting ------------------------------------------------------------------------------

    def _may_wait(self, seconds: float) -> bool:
        return self.waited + seconds <= self.retry.budget

    def _wait(self, seconds: float, what: str) -> None:
        """Sleep, counting against the budget of this run (a dropped line always waits)."""
        self.waited += seconds
        self.retry.sleep(seconds)

    def _pace(self) -> None:
        """Slow down before the next request when the RateLimit headers said so."""
        pause, self._pause = self._pause, 0.0
        if pause > 0 and self._may_wait(pause):
            self._wait(pause, "afremmen")

    def _observe(self, response: Any) -> None:
        """Read the RateLimit headers SharePoint sends when the app's quota runs low.

        ``RateLimit-Remaining`` requests are left until ``RateLimit-Reset`` seconds from now;
        spread them so the quota lasts, and wait the whole reset when nothing is left.
        """
        headers = getattr(response, "headers", None)
        if not headers:
            return
        try:
            remaining = int(headers["RateLimit-Remaining"])
            reset = float(headers["RateLimit-Reset"])
            limit = int(headers.get("RateLimit-Limit") or 0)
        except (KeyError, TypeError, ValueError):
            return
        if remaining <= 0:
            self._pause = max(self._pause, reset)
        elif limit and remaining < limit * 0.2:
            self._pause = max(self._pause, reset / remaining)

    def _too_busy(self, status: int | None, what: str, attempt: int, wait: float) -> StorageError:
        return StorageError(
            f"SharePoint is te druk (HTTP {status}) en vraagt nog {wait:.0f} s te wachten bij: "
            f"{what}. Dat past niet meer in de wachttijd van deze run ({self.retry.budget:.0f} s, "
            f"al {self.waited:.0f} s gewacht, {attempt} pogingen). Het oude bestand is "
            "ongewijzigd; probeer het later opnieuw, buiten kantooruren gaat het meestal beter."
        )

    def _locked(self, exc: ClientRequestException, what: str, waited: float) -> FileLocked:
        detail = _server_message(exc)
        holder = ""
        if " by " in detail:
            holder = detail.rpartition(" by ")[2].rstrip(".").strip()
        who = f" door {holder}" if holder else ""
        return FileLocked(
            f"Het bestand is in gebruik{who} (het staat open in Excel) en kan nu niet worden "
            f"vervangen: {what}. Na {waited:.0f} s wachten is het overgeslagen; het bestand is "
            "ongewijzigd. Vraag de partij het bestand te sluiten en voer de opdracht opnieuw uit.",
            holder=holder,
        )

    def _discard_pending(self) -> None:
        """Drop what is left of a failed request chain, keeping sign-in and transport."""
        if not self.context.has_pending_request:
            return
        configured = self.context.pending_request()
        self.context.clear()
        self.context.pending_request().reuse(configured)
        self._skip_form_digest()

    def _skip_form_digest(self) -> None:
        """Send requests without fetching a form digest first.

        SharePoint Online needs ``X-RequestDigest`` only for cookie sign-in; with an OAuth
        bearer token (every mode here) it is not checked. The library fetches one from
        ``contextinfo`` under its own retry loop (five attempts, up to a minute and more of
        backoff), which would escape the bounds of :class:`RetryPolicy`.
        """
        request = self.context.pending_request()
        if request.ensure_form_digest in request.beforeExecute:
            request.beforeExecute -= request.ensure_form_digest

    def _translate(
        self, exc: ClientRequestException, status: int | None, what: str, attempt: int
    ) -> StorageError:
        if status == 404:
            return NotFound(f"SharePoint: {what}: niet gevonden.")
        if status == 401:
            return AuthenticationError(
                f"SharePoint weigert de aanmelding (401) bij: {what}. Controleer de "
                "app-registratie, de tenant en het certificaat, en of de app toegang tot deze "
                "site heeft (zie docs/sharepoint.md, 'Problemen oplossen')."
            )
        if status == 403:
            return StorageError(
                f"Geen rechten (403) voor: {what}. De app of de secretaris heeft op deze site te "
                "weinig rechten; zie docs/sharepoint.md voor de rechten per handeling."
            )
        if status in THROTTLED:
            return StorageError(
                f"SharePoint is te druk (HTTP {status}) en bleef na {attempt} pogingen weigeren: "
                f"{what}. Probeer het later opnieuw, buiten kantooruren gaat het meestal beter."
            )
        detail = _server_message(exc)
        return StorageError(
            f"SharePoint weigert: {what} (HTTP {status or '?'}){': ' + detail if detail else ''}."
        )


def _decorate(request: Any) -> None:
    """The User-Agent Microsoft asks of background tools: NONISV|Company|App/Version."""
    request.set_header("User-Agent", USER_AGENT)


def _status(exc: ClientRequestException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _server_message(exc: ClientRequestException) -> str:
    """SharePoint's own message (it names the object, never a credential), shortened."""
    try:
        error = exc.response.json().get("error", {}) if exc.response is not None else {}
        message = error.get("message", {})
        text = message.get("value", "") if isinstance(message, dict) else str(message)
    except (ValueError, AttributeError):
        text = ""
    return " ".join(str(text).split())[:300]


def _stored(file: Any, hand_in_column: str = "") -> StoredFile:
    modified = file.properties.get("TimeLastModified")
    if isinstance(modified, str):
        modified = dt.datetime.fromisoformat(modified.replace("Z", "+00:00"))
    if isinstance(modified, dt.datetime):
        if modified.tzinfo is None:
            modified = modified.replace(tzinfo=dt.UTC)
        when = modified.astimezone(dt.UTC).isoformat(timespec="seconds")
    else:
        when = ""
    user = file.properties.get("ModifiedBy")
    by = ""
    if user is not None and hasattr(user, "properties"):
        title = str(user.properties.get("Title") or "")
        email = str(user.properties.get("Email") or "")
        login = str(user.properties.get("LoginName") or "")
        by = f"{title} <{email}>" if title and email else title or email or login
    hand_in = ""
    item = file.properties.get("ListItemAllFields") if hand_in_column else None
    if item is not None and hasattr(item, "properties"):
        hand_in = str(item.properties.get(hand_in_column) or "").strip().lower()
    return StoredFile(
        name=str(file.properties.get("Name", "")),
        size=int(file.properties.get("Length") or 0),
        modified=when,
        etag=str(file.properties.get("ETag") or ""),
        modified_by=by,
        hand_in=hand_in,
    )
