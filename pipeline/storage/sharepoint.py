"""The SharePoint Online backend: the storage layout as folders in one document library.

Everything goes through ``office365-rest-python-client`` (``ClientContext``) against the site in
``[sharepoint] site_url``; the library (``[sharepoint] library``) is named as it appears in the
site's web address, e.g. ``Gedeelde documenten`` or ``Shared Documents``. Signing in is in
:mod:`.sharepoint_auth`; folder permissions and the connection check in :mod:`.sharepoint_admin`.

Behaviour on a shared service:

* Throttling (HTTP 429 and 503) and passing server errors (500, 502, 504) are retried, waiting
  what ``Retry-After`` asks or else an exponential backoff (1, 2, 4 … s), never longer than
  ``max_delay_seconds`` per wait and never more than ``max_attempts`` attempts in all.
* A dropped connection is retried the same bounded number of times. A file is first written to
  ``~tmp-<id>-<name>`` in the same folder (in one request up to ``chunk_bytes``, above that in an
  upload session: StartUpload, ContinueUpload, FinishUpload) and only then moved over the real
  name with ``MoveTo(flags=1)`` (overwrite), so a party never opens half a workbook. When an
  upload breaks off, the temporary file is removed and the upload starts again; names starting
  with ``~tmp-`` are never listed as a party's files.
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
from office365.runtime.queries.service_operation import ServiceOperationQuery
from office365.runtime.retry import response_retry_after
from office365.sharepoint.client_context import ClientContext

from ..core import (
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
from . import StoredFile, party_folder_name
from .sharepoint_auth import Notify, load_credentials, token_provider

if TYPE_CHECKING:
    from ..core import Config

T = TypeVar("T")
"""Called with (bytes done, bytes in all, file name) while a file goes up."""

TEMP_PREFIX = "~tmp-"
HIDDEN_PREFIXES = (TEMP_PREFIX, "~$", ".")
THROTTLED = frozenset({429, 503})
PASSING_ERRORS = frozenset({408, 500, 502, 504})
CONNECT_TIMEOUT_SECONDS = 10.0
MOVE_OVERWRITE = 1  # SP.MoveOperations.Overwrite


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
    """How often to try and how long to wait when SharePoint throttles or a connection drops."""

    max_attempts: int = DEFAULT_SP_MAX_ATTEMPTS
    base_delay: float = 1.0
    max_delay: float = DEFAULT_SP_MAX_DELAY_SECONDS
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based)."""
        wait = retry_after if retry_after is not None else self.base_delay * 2 ** (attempt - 1)
        return max(0.0, min(wait, self.max_delay))


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
            max_attempts=max(1, settings.max_attempts), max_delay=settings.max_delay_seconds
        )
        self.progress = progress
        self._skip_form_digest()

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
                    .select(FILE_PROPERTIES)
                    .expand(["ModifiedBy"])
                ),
                f"bestanden in {self.shown(folder_path)} opvragen",
            )
        except NotFound:
            return []
        stored = [_stored(file) for file in files]
        return sorted(
            (f for f in stored if not f.name.startswith(HIDDEN_PREFIXES)), key=lambda f: f.name
        )

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
        """Write ``data`` as ``name`` into a folder, replacing an older file in one step."""
        progress = progress or self.progress
        target = f"{folder_path}/{name}"
        for attempt in range(1, self.retry.max_attempts + 1):
            temporary = f"{folder_path}/{TEMP_PREFIX}{uuid.uuid4().hex[:12]}-{name}"
            try:
                self._send(folder_path, temporary, data, name, progress)
                self._move_over(temporary, target, len(data))
                return
            except _ConnectionLost as exc:
                self.remove_quietly(temporary)
                if attempt == self.retry.max_attempts:
                    raise StorageError(
                        f"Het uploaden van {self.shown(target)} is {attempt} keer afgebroken "
                        "doordat de verbinding met SharePoint wegviel. Het oude bestand is "
                        "ongewijzigd; probeer het later opnieuw."
                    ) from exc
                self.retry.sleep(self.retry.delay(attempt))
            except BaseException:
                self.remove_quietly(temporary)
                raise

    def remove_quietly(self, path: str) -> None:
        """Delete a file if it is there; one attempt, failures ignored (used to clean up)."""
        with contextlib.suppress(StorageError):
            self.execute(
                lambda: self.context.web.get_file_by_server_relative_path(path).delete_object(),
                f"tijdelijk bestand {self.shown(path)} opruimen",
                attempts=1,
            )

    def _send(
        self, folder_path: str, temporary: str, data: bytes, name: str, progress: Progress | None
    ) -> None:
        total = len(data)
        temp_name = temporary.rpartition("/")[2]
        what = f"{self.shown(folder_path)}/{name} uploaden"
        folder = self.context.web.get_folder_by_server_relative_path
        if total <= self.chunk_bytes:
            self.execute(
                lambda: folder(folder_path).files.add(temp_name, data, True),
                what,
                retry_connection=False,
            )
            if progress:
                progress(total, total, name)
            return
        # An upload session on an empty file; retrying a chunk is safe only when SharePoint
        # answered (throttling), so a dropped connection restarts the whole upload.
        self.execute(
            lambda: folder(folder_path).files.add(temp_name, b"", True),
            what,
            retry_connection=False,
        )
        upload_id = str(uuid.uuid4())
        offset = 0
        while offset < total:
            chunk = data[offset : offset + self.chunk_bytes]
            self.execute(
                partial(self._chunk, temporary, upload_id, offset, chunk, total),
                what,
                retry_connection=False,
            )
            offset += len(chunk)
            if progress:
                progress(offset, total, name)

    def _chunk(
        self, temporary: str, upload_id: str, offset: int, chunk: bytes, total: int
    ) -> object:
        file = self.context.web.get_file_by_server_relative_path(temporary)
        if offset == 0:
            return file.start_upload(upload_id, chunk)
        if offset + len(chunk) < total:
            return file.continue_upload(upload_id, offset, chunk)
        return file.finish_upload(upload_id, offset, chunk)

    def _move_over(self, temporary: str, target: str, size: int) -> None:
        def move() -> None:
            file = self.context.web.get_file_by_server_relative_path(temporary)
            query: ServiceOperationQuery[Any] = ServiceOperationQuery(
                file, "moveto", {"newurl": target, "flags": MOVE_OVERWRITE}
            )
            self.context.add_query(query)

        try:
            self.execute(move, f"{self.shown(target)} vervangen", retry_connection=False)
        except _ConnectionLost:
            # The move may have happened before the connection dropped.
            present = self.file_info(target)
            if self.file_info(temporary) is None and present is not None and present.size == size:
                return
            raise

    # --- requests -----------------------------------------------------------------------------

    def execute(
        self,
        build: Callable[[], T],
        what: str,
        *,
        retry_connection: bool = True,
        attempts: int | None = None,
    ) -> T:
        """Queue a request with ``build`` and send it, retrying throttling and dropped lines.

        ``build`` runs again for each attempt, so a retry never reuses half-processed state.
        ``what`` (Dutch) names the step in messages. With ``retry_connection`` false a dropped
        connection raises at once, for steps that the caller must restart as a whole.
        """
        attempts = attempts or self.retry.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                result = build()
                self.context.execute_query()
                return result
            except ClientRequestException as exc:
                self._discard_pending()
                status = _status(exc)
                if (status in THROTTLED or status in PASSING_ERRORS) and attempt < attempts:
                    retry_after = response_retry_after(getattr(exc, "response", None))
                    self.retry.sleep(self.retry.delay(attempt, retry_after))
                    continue
                raise self._translate(exc, status, what, attempt) from None
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
                if attempt < attempts:
                    self.retry.sleep(self.retry.delay(attempt))
                    continue
                raise StorageError(
                    f"SharePoint is niet bereikbaar: {what} mislukt na {attempt} pogingen "
                    f"({type(exc).__name__}). Controleer de netwerkverbinding en site_url."
                ) from None
            except AuthenticationError:
                self._discard_pending()
                raise
        raise AssertionError("unreachable: the loop returns or raises")

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


def _stored(file: Any) -> StoredFile:
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
    return StoredFile(
        name=str(file.properties.get("Name", "")),
        size=int(file.properties.get("Length") or 0),
        modified=when,
        etag=str(file.properties.get("ETag") or ""),
        modified_by=by,
    )
