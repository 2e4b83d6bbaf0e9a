"""A fake SharePoint Online site on 127.0.0.1 for the tests, answered to the real client library.

``office365-rest-python-client`` talks to it exactly as to SharePoint: the same ``_api`` URLs,
the same verbose OData JSON (``{"d": ...}``), a bearer token in ``Authorization``. Use the
fixture ``fake_sharepoint``; it yields a :class:`FakeSharePoint` with ``.site_url``,
``.storage(config)`` (a :class:`SharePointStorage` signed in with the test-only ``token`` mode)
and the recorded state (``.files``, ``.folders``, ``.requests``, ``.assignments(...)``).

The site is ``http://127.0.0.1:<random port>/sites/planmonitor``. The client library does not
insist on https (it only parses the URL), so no TLS workaround is needed; the test sessions
ignore proxy settings from the environment (``trust_env = False``) so that loopback traffic
never leaves the machine. The server stops when the fixture ends and in any case after
``lifetime`` seconds; every socket has a timeout.

Faults can be injected: :meth:`FakeSharePoint.throttle` answers the next matching requests with
429 (or 503) and ``Retry-After``; :meth:`FakeSharePoint.drop` closes the connection without an
answer, before or after carrying out the request; :meth:`FakeSharePoint.lock` holds a file open
as Excel does; :meth:`FakeSharePoint.rate_limit` adds the RateLimit headers to answers.

How the fake behaves like SharePoint Online, with the source of each behaviour:

* **Overwrite keeps the item.** ``Files/Add(overwrite=true)`` on an existing file and a chunked
  upload committed by ``FinishUpload`` replace the content of the same list item: item id,
  ``UniqueId`` and permissions stay, the major version goes up by one and the previous content is
  kept in ``File/Versions`` (which lists the earlier versions, not the current one). Sources:
  Microsoft Learn, "Working with folders and files with REST" (Files/add with overwrite) and
  "Versioning in SharePoint" (every save of a file in a library with major versioning, the
  default, adds a version); "File.StartUpload method": "The current file content is not changed
  when this method completes"; "File.FinishUpload method": "Uploads the last file fragment and
  commits the file".
* **CancelUpload** ends an upload session without saving; if the session's file did not exist
  before, it is deleted (Microsoft Learn, "File.CancelUpload method"; the client library's
  ``File.cancel_upload`` docstring, office365-rest-python-client 3.3).
* **MoveTo with overwrite (flags=1) replaces the item**: the target's item, its versions and
  its own permissions go (to the recycle bin); the moved file keeps the source's item id,
  versions and author (Microsoft Learn, "File.MoveTo method", ``MoveOperations.Overwrite``; the
  target is deleted, not updated). The old backend relied on the opposite, which is why party
  folders lost their version history.
* **Locks.** A workbook open in Excel (also on the web, also only viewed) holds a shared lock:
  writes answer ``423 Locked`` with ``-2147018894, Microsoft.SharePoint.SPFileLockException``
  "The file ... is locked for shared use by ..."; reading still works. Source:
  vgrem/office365-rest-python-client issue #697 (the exact answer to ``Files/add`` on an open
  workbook), OneDrive/onedrive-api-docs issue #912 (423 when a file is open in the browser).
* **Throttling** answers 429 or 503 with ``Retry-After`` in seconds; the RateLimit headers
  (``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset``) come with answers once an
  app has used most of its budget (Microsoft Learn, "Avoid getting throttled or blocked in
  SharePoint Online"). The ``User-Agent`` of every request is recorded, because that page asks
  background tools to decorate their traffic as ``NONISV|CompanyName|AppName/Version``.
* **The app's role on the site.** An app with ``Sites.Selected`` gets the role an administrator
  granted on this site (``read``, ``write`` or ``fullcontrol``; Microsoft Graph "Create
  permission" on a site). The fake enforces: ``read`` reads only; ``write`` adds, changes and
  deletes files and folders but cannot read or change permissions; ``fullcontrol`` may do
  everything. ``EffectiveBasePermissions`` of the web reports the role's rights
  (``SP.PermissionKind``). Users get the rights of their roles (Read, Contribute, ...).
* **Users must exist.** ``EnsureUser`` only finds accounts the tenant's directory knows:
  members, and external people who are already guests; for anyone else SharePoint answers
  "The specified user ... could not be found." (pnp/powershell issue #4143; pnp/PnP-Sites-Core
  pull request #2136: EnsureUser works for an external user only once the user exists in the
  directory). :meth:`FakeSharePoint.add_user` puts an account in the directory,
  :meth:`FakeSharePoint.invite` makes an external address a guest.
* **Inviting guests by sharing** (``SP.Web.ShareObject``, the call behind the client library's
  ``ListItem.share``/``Web.share``): sharing a folder with an external address sends the
  invitation (with ``emailBody``) and grants the role; the caller needs to manage permissions;
  an app-only token cannot resolve a new external address ("Couldn't resolve user",
  pnp/pnpcore issue #1285); with external sharing off for the site the result is
  ``CapabilityDisabled``. The answer is an ``SP.SharingResult`` with an
  ``SP.SharingOperationStatusCode`` (office365-rest-python-client
  ``sharepoint/sharing/operation_status_code.py``), HTTP 200 even when sharing failed.

Where the fake departs from SharePoint Online (on purpose, to stay small):

* Only the endpoints the planmonitor backend calls exist; anything else answers 501 with the
  path, so a new call shows up at once in a failing test.
* ``$select`` is ignored: entities always carry all their simple properties. ``$expand`` is only
  honoured for ``ModifiedBy``; role assignments always carry ``Member`` and
  ``RoleDefinitionBindings``.
* Paths compare case-sensitively; SharePoint compares them case-insensitively.
* The form digest from ``contextinfo`` is handed out but never checked (SharePoint Online does
  not check it for OAuth bearer tokens either).
* Granting a right on a folder does not add *Limited Access* on its parents, and sharing links,
  check-out, minor versions, the recycle bin and the 400-character path limit do not exist.
* A user without rights gets 403 where SharePoint often answers 404.
* An unfinished upload session keeps its data in memory and never expires; the placeholder file
  stays empty until ``FinishUpload``, as in SharePoint.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import http.server
import json
import re
import socket
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests

from pipeline.core.config import Config, SharePointSettings, StorageSettings
from pipeline.storage.sharepoint import RetryPolicy, SharePointStorage

SITE_PATH = "/sites/planmonitor"
LIBRARY = "Gedeelde documenten"
APP_TOKEN = "fake-app-token-1f6b"
FULL_CONTROL, DESIGN, EDIT, CONTRIBUTE, READ, LIMITED = (
    1073741829,
    1073741828,
    1073741830,
    1073741827,
    1073741826,
    1073741825,
)
ROLE_DEFINITIONS = {  # id: (name, RoleTypeKind)
    FULL_CONTROL: ("Full Control", 5),
    DESIGN: ("Design", 4),
    EDIT: ("Edit", 6),
    CONTRIBUTE: ("Contribute", 3),
    READ: ("Read", 2),
    LIMITED: ("Limited Access", 1),
}
WRITE_ROLES = {FULL_CONTROL, DESIGN, EDIT, CONTRIBUTE}
READ_ROLES = WRITE_ROLES | {READ}
MANAGE_ROLES = {FULL_CONTROL}
# What an app's Sites.Selected role allows: (read, write, manage permissions).
APP_ROLES = {
    "read": (True, False, False),
    "write": (True, True, False),
    "fullcontrol": (True, True, True),
}
# SP.PermissionKind values (Microsoft Learn, "PermissionKind enumeration"; bit = value - 1) of the
# Read and Edit permission levels; Full Control has every bit.
_READ_KINDS = (1, 6, 7, 13, 17, 18, 28, 37, 38, 40)  # view and open items, versions, user info, API
_WRITE_KINDS = (2, 3, 4, 8, 12, 27)  # add, edit, delete items; delete versions; manage lists
LOCK_CODE = "-2147018894, Microsoft.SharePoint.SPFileLockException"
TENANT_DOMAIN = "tafel.example"


class FakeError(Exception):
    """An error answer: HTTP status, SharePoint error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _not_found(what: str) -> FakeError:
    return FakeError(404, "-2147024894, System.IO.FileNotFoundException", f"File Not Found: {what}")


@dataclass
class Principal:
    id: int
    title: str
    login: str
    email: str = ""
    is_group: bool = False
    members: set[int] = field(default_factory=set)


@dataclass
class Securable:
    """A folder or file with its list item: permissions live here."""

    path: str
    item_id: int
    unique_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    unique: bool = False
    assignments: dict[int, set[int]] = field(default_factory=dict)


@dataclass
class Folder(Securable):
    pass


@dataclass
class Version:
    """An earlier version of a file, as ``File/Versions`` lists it."""

    label: str
    data: bytes
    created: dt.datetime
    created_by: int


@dataclass
class File(Securable):
    data: bytes = b""
    version: int = 1
    modified: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    modified_by: int = 0
    history: list[Version] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)  # list item columns, e.g. Ingeleverd
    locked_by: str = ""  # who holds the file open
    lock_refusals: int | None = None  # refuse this many writes, then let go (None: until unlock)


@dataclass
class Fault:
    kind: str  # "throttle", "drop" or "ratelimit"
    match: str
    times: int
    method: str | None = None
    status: int = 429
    retry_after: str | None = "1"
    after_apply: bool = False
    headers: dict[str, str] = field(default_factory=dict)


class FakeSharePoint:
    """The state of one fake site and the server that answers for it."""

    def __init__(
        self, *, library: str = LIBRARY, lifetime: float = 120.0, app_role: str = "fullcontrol"
    ) -> None:
        self.library = library
        self.lifetime = lifetime
        self.app_role = app_role
        self.user_agents: list[str] = []
        self.invitations: list[tuple[str, str]] = []  # (address, message)
        self.recycle_bin: list[File] = []
        self.external_sharing = True  # "New and existing guests" allowed for this site
        self.now: Any = lambda: dt.datetime.now(dt.UTC)
        self.mutex = threading.RLock()
        self.folders: dict[str, Folder] = {}
        self.files: dict[str, File] = {}
        self.sessions: dict[str, tuple[str, bytearray]] = {}
        self.principals: dict[int, Principal] = {}
        self.tokens: dict[str, int] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self._next_id = 1
        self._next_item = 1
        app = self._add_principal("SharePoint App", "i:0i.t|ms.sp.ext|planmonitor-app")
        self.tokens[APP_TOKEN] = app.id
        self.app_id = app.id
        owners = self.add_group("Planmonitor Owners")
        members = self.add_group("Planmonitor Members")
        visitors = self.add_group("Planmonitor Visitors")
        # The site itself: the root of all permissions.
        self.web = Folder(
            SITE_PATH,
            0,
            unique=True,
            assignments={owners.id: {FULL_CONTROL}, members.id: {EDIT}, visitors.id: {READ}},
        )
        self.folders[self.library_path] = self._folder(self.library_path)
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None
        self._sessions_out: list[requests.Session] = []
        self._storages: list[SharePointStorage] = []

    # --- set-up for tests -------------------------------------------------------------------

    @property
    def library_path(self) -> str:
        return f"{SITE_PATH}/{self.library}"

    @property
    def site_url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}{SITE_PATH}"

    def add_user(self, email: str, title: str = "") -> Principal:
        """An account the tenant's directory knows (a member, or a guest who was invited)."""
        with self.mutex:
            for principal in self.principals.values():
                if not principal.is_group and principal.email.lower() == email.lower():
                    return principal
            domain = email.rpartition("@")[2].lower()
            login = (
                f"i:0#.f|membership|{email.lower()}"
                if domain == TENANT_DOMAIN
                else f"i:0#.f|membership|{email.lower().replace('@', '_')}#ext#@{TENANT_DOMAIN}"
            )
            return self._add_principal(title or email.split("@")[0], login, email)

    def knows(self, email: str) -> bool:
        """Whether the directory has an account for this address."""
        return any(
            not p.is_group and p.email.lower() == email.lower() for p in self.principals.values()
        )

    def invite(self, email: str, message: str = "") -> Principal:
        """An external address becomes a guest of the tenant (B2B invitation)."""
        with self.mutex:
            self.invitations.append((email, message))
            return self.add_user(email)

    def set_app_role(self, role: str) -> None:
        """The role an administrator granted the app on this site (Sites.Selected)."""
        assert role in APP_ROLES, role
        self.app_role = role

    def lock(self, relative: str, *, by: str, refusals: int | None = None) -> None:
        """Hold a file open as Excel does; ``refusals``: let go after refusing that many writes."""
        with self.mutex:
            file = self.files[f"{self.library_path}/{relative}"]
            file.locked_by, file.lock_refusals = by, refusals

    def set_field(self, relative: str, column: str, value: Any, *, by: str = "") -> None:
        """A user sets a library column of a file in the browser (a new version, same bytes).

        Editing a column of a document adds a version and changes the ETag, as SharePoint does
        with versioning on ("Versioning in SharePoint": property changes create a version).
        """
        with self.mutex:
            file = self.files[f"{self.library_path}/{relative}"]
            user = self.add_user(by).id if by else self.app_id
            self._write_file(file.path, file.data, user)
            file.fields[column] = value

    def unlock(self, relative: str) -> None:
        with self.mutex:
            self.files[f"{self.library_path}/{relative}"].locked_by = ""

    def rate_limit(self, *, limit: int, remaining: int, reset: int, times: int = 1) -> None:
        """Add RateLimit headers to the next ``times`` answers."""
        self.faults.append(
            Fault(
                "ratelimit",
                "",
                times,
                headers={
                    "RateLimit-Limit": str(limit),
                    "RateLimit-Remaining": str(remaining),
                    "RateLimit-Reset": str(reset),
                },
            )
        )

    def add_group(self, title: str, members: list[str] = ()) -> Principal:  # type: ignore[assignment]
        with self.mutex:
            group = self._add_principal(title, title, is_group=True)
            group.members = {self.add_user(email).id for email in members}
            return group

    def token_for(self, email: str) -> str:
        """A bearer token that signs in as this user (created when new)."""
        with self.mutex:
            user = self.add_user(email)
            token = f"fake-user-token-{user.id}"
            self.tokens[token] = user.id
            return token

    def throttle(
        self,
        match: str,
        *,
        times: int = 1,
        status: int = 429,
        retry_after: str | None = "1",
        method: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests whose path contains ``match`` with ``status``."""
        self.faults.append(Fault("throttle", match, times, method, status, retry_after))

    def drop(
        self, match: str, *, times: int = 1, method: str | None = None, after_apply: bool = False
    ) -> None:
        """Close the connection of the next matching requests without an answer."""
        self.faults.append(Fault("drop", match, times, method, after_apply=after_apply))

    def put(
        self, relative: str, data: bytes, *, by: str = "", at: dt.datetime | None = None
    ) -> None:
        """Place a file as if a user saved it (no HTTP), at the time ``at`` (default now)."""
        with self.mutex:
            path = f"{self.library_path}/{relative}"
            user = self.add_user(by).id if by else self.app_id
            self._write_file(path, data, user, at=at)

    # --- what tests look at -----------------------------------------------------------------

    def file_bytes(self, relative: str) -> bytes | None:
        file = self.files.get(f"{self.library_path}/{relative}")
        return None if file is None else file.data

    def file(self, relative: str) -> File:
        return self.files[f"{self.library_path}/{relative}"]

    def history(self, relative: str) -> list[bytes]:
        """Every version of a file, oldest first, the current one last."""
        file = self.file(relative)
        return [v.data for v in file.history] + [file.data]

    def tree(self) -> dict[str, bytes]:
        """Every file below the library by its library-relative path."""
        prefix = self.library_path + "/"
        return {path.removeprefix(prefix): f.data for path, f in sorted(self.files.items())}

    def folder_names(self) -> list[str]:
        prefix = self.library_path + "/"
        return sorted(p.removeprefix(prefix) for p in self.folders if p.startswith(prefix))

    def assignments(self, relative: str) -> dict[str, set[str]]:
        """The role assignments that apply to a folder: principal title → role names."""
        with self.mutex:
            holder = self._effective(f"{self.library_path}/{relative}")
            return {
                self.principals[pid].title: {ROLE_DEFINITIONS[r][0] for r in roles}
                for pid, roles in holder.assignments.items()
            }

    def is_unique(self, relative: str) -> bool:
        return self.folders[f"{self.library_path}/{relative}"].unique

    def snapshot(self) -> Any:
        """Everything a change could touch, to compare before and after."""
        with self.mutex:
            return json.dumps(
                {
                    "folders": {p: dataclasses.asdict(f) for p, f in self.folders.items()},
                    "files": {
                        p: [f.data.hex(), f.version, f.unique, sorted(f.assignments)]
                        for p, f in self.files.items()
                    },
                    "principals": sorted(self.principals),
                },
                sort_keys=True,
                default=lambda v: sorted(v) if isinstance(v, set) else str(v),
            )

    def count(self, method: str, fragment: str) -> int:
        return sum(1 for m, p in self.requests if m == method and fragment.lower() in p.lower())

    # --- the client side, for tests ---------------------------------------------------------

    def settings(self, **overrides: Any) -> SharePointSettings:
        values: dict[str, Any] = {
            "site_url": self.site_url,
            "library": self.library,
            "auth": "token",
            "timeout_seconds": 10.0,
        }
        values.update(overrides)
        return SharePointSettings(**values)

    def storage(
        self,
        config: Config | None = None,
        *,
        token: str = APP_TOKEN,
        retry: RetryPolicy | None = None,
        **settings: Any,
    ) -> SharePointStorage:
        """A SharePointStorage on this site; waits are recorded in ``.sleeps`` and kept short."""
        storage_settings = config.storage if config is not None else StorageSettings()
        base = config.sharepoint if config is not None else SharePointSettings()
        sp = dataclasses.replace(base, **dataclasses.asdict(self.settings(**settings)))
        if config is not None:
            config = dataclasses.replace(
                config,
                sharepoint=sp,
                storage=dataclasses.replace(storage_settings, backend="sharepoint"),
            )
        env = {"PLANMONITOR_SP_ACCESS_TOKEN": token}
        policy = retry or RetryPolicy(
            max_attempts=4, base_delay=0.01, max_delay=2.0, sleep=self._record_sleep
        )
        if config is not None:
            storage = SharePointStorage.connect(config, environ=env, retry=policy)
        else:
            from office365.sharepoint.client_context import ClientContext

            from pipeline.storage.sharepoint_auth import load_credentials, token_provider

            provider = token_provider(sp, load_credentials(sp, env))
            storage = SharePointStorage(
                ClientContext(sp.site_url).with_access_token(provider),
                sp,
                storage_settings,
                retry=policy,
            )
        session = requests.Session()
        session.trust_env = False
        self._sessions_out.append(session)
        storage.context.with_transport(session=session, timeout=(2.0, 10.0))
        self._storages.append(storage)
        return storage

    sleeps: list[float]

    def _record_sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        threading.Event().wait(min(seconds, 0.02))

    # --- the server -------------------------------------------------------------------------

    def start(self) -> FakeSharePoint:
        self.sleeps = []
        fake = self

        class Handler(_Handler):
            site = fake

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        for storage in self._storages:
            storage.close()
        for session in self._sessions_out:
            session.close()
        self._storages.clear()
        self._sessions_out.clear()
        if self._timer is not None:
            self._timer.cancel()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeSharePoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- state helpers ----------------------------------------------------------------------

    def _add_principal(
        self, title: str, login: str, email: str = "", *, is_group: bool = False
    ) -> Principal:
        principal = Principal(self._next_id, title, login, email, is_group)
        self.principals[principal.id] = principal
        self._next_id += 1
        return principal

    def _item_id(self) -> int:
        self._next_item += 1
        return self._next_item

    def _folder(self, path: str) -> Folder:
        return Folder(path, self._item_id())

    def _write_file(
        self, path: str, data: bytes, user: int, *, at: dt.datetime | None = None
    ) -> File:
        """Save content under a path: a new item, or a new version of the item that is there."""
        parent = path.rpartition("/")[0]
        if parent not in self.folders:
            raise _not_found(parent)
        when = at or self.now()
        old = self.files.get(path)
        if old is None:
            file = File(path, self._item_id(), data=data, modified=when, modified_by=user)
            self.files[path] = file
            return file
        # Same item, same UniqueId and permissions; the content so far becomes a version.
        old.history.append(Version(f"{old.version}.0", old.data, old.modified, old.modified_by))
        old.data, old.version, old.modified, old.modified_by = data, old.version + 1, when, user
        return old

    def _refuse_if_locked(self, file: File | None) -> None:
        """423 as SharePoint answers a write to a workbook that someone has open."""
        if file is None or not file.locked_by:
            return
        if file.lock_refusals is not None:
            file.lock_refusals -= 1
            if file.lock_refusals < 0:
                file.locked_by, file.lock_refusals = "", None
                return
        raise FakeError(
            423,
            LOCK_CODE,
            f'The file "{self.site_url.rsplit(SITE_PATH, 1)[0]}{file.path}" is locked for shared '
            f"use by {file.locked_by}.",
        )

    def _effective(self, path: str) -> Securable:
        """The nearest object with unique permissions, the site at the top."""
        while path.startswith(SITE_PATH + "/"):
            obj = self.folders.get(path) or self.files.get(path)
            if obj is not None and obj.unique:
                return obj
            path = path.rpartition("/")[0]
        return self.web

    def _roles_of(self, user: int, holder: Securable) -> set[int]:
        roles: set[int] = set()
        for pid, granted in holder.assignments.items():
            principal = self.principals[pid]
            if pid == user or (principal.is_group and user in principal.members):
                roles |= granted
        return roles

    def _require(self, user: int, path: str, write: bool, *, manage: bool = False) -> None:
        if user == self.app_id:
            may_read, may_write, may_manage = APP_ROLES[self.app_role]
            allowed = may_manage if manage else may_write if write else may_read
        else:
            roles = self._roles_of(user, self._effective(path))
            wanted = MANAGE_ROLES if manage else WRITE_ROLES if write else READ_ROLES
            allowed = bool(roles & wanted)
        if not allowed:
            raise FakeError(
                403, "-2147024891, System.UnauthorizedAccessException", "Access denied."
            )

    def _base_permissions(self, user: int) -> dict[str, Any]:
        """SP.BasePermissions of the web for this identity."""
        if user == self.app_id:
            may_read, may_write, may_manage = APP_ROLES[self.app_role]
        else:
            roles = self._roles_of(user, self.web)
            may_read = bool(roles & READ_ROLES)
            may_write = bool(roles & WRITE_ROLES)
            may_manage = bool(roles & MANAGE_ROLES)
        kinds = (_READ_KINDS if may_read else ()) + (_WRITE_KINDS if may_write else ())
        bits = sum(1 << (kind - 1) for kind in set(kinds))
        low, high = (0xFFFFFFFF, 0x7FFFFFFF) if may_manage else (bits & 0xFFFFFFFF, bits >> 32)
        return {"__metadata": {"type": "SP.BasePermissions"}, "Low": str(low), "High": str(high)}


# --- request handling ----------------------------------------------------------------------

_SEGMENT = re.compile(r"^(?P<name>[^()]+)(?:\((?P<args>.*)\))?$", re.S)


def split_segments(path: str) -> list[str]:
    """Split an OData path on '/' outside quotes and parentheses."""
    segments, current, depth, quoted, i = [], [], 0, False, 0
    while i < len(path):
        char = path[i]
        if quoted:
            current.append(char)
            if char == "'":
                if i + 1 < len(path) and path[i + 1] == "'":
                    current.append("'")
                    i += 1
                else:
                    quoted = False
        elif char == "'":
            quoted = True
            current.append(char)
        elif char == "(":
            depth += 1
            current.append(char)
        elif char == ")":
            depth -= 1
            current.append(char)
        elif char == "/" and depth == 0:
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    segments.append("".join(current))
    return [s for s in segments if s]


def parse_args(text: str | None) -> tuple[list[Any], dict[str, Any]]:
    """OData function arguments: positional literals or name=literal pairs."""
    positional: list[Any] = []
    named: dict[str, Any] = {}
    if not text:
        return positional, named
    parts, current, quoted, i = [], [], False, 0
    while i < len(text):
        char = text[i]
        if char == "'" and quoted and i + 1 < len(text) and text[i + 1] == "'":
            current.append("''")
            i += 2
            continue
        if char == "'":
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    for part in parts:
        key, eq, value = part.partition("=")
        if eq and not key.strip().startswith("'"):
            named[key.strip().lower()] = _literal(value.strip())
        else:
            positional.append(_literal(part.strip()))
    return positional, named


def _literal(text: str) -> Any:
    if text.startswith("guid'"):
        text = text[4:]
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        return text


class _Handler(http.server.BaseHTTPRequestHandler):
    site: FakeSharePoint
    protocol_version = "HTTP/1.1"
    timeout = 10

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add 40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
        return

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        raw_path, _, query = self.path.partition("?")
        path = unquote(raw_path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.headers.get("X-HTTP-Method", "").upper() == "DELETE":
            method = "DELETE"
        site = self.site
        with site.mutex:
            site.requests.append((method, path))
            site.user_agents.append(self.headers.get("User-Agent", ""))
            fault = self._fault(method, path)
            extra_headers = self._rate_limit_headers()
        if fault is not None and fault.kind == "throttle":
            self._send_json(
                fault.status,
                {
                    "error": {
                        "code": "-2147024860, Throttled",
                        "message": {"value": "Too many requests"},
                    }
                },
                {
                    **extra_headers,
                    **({"Retry-After": fault.retry_after} if fault.retry_after else {}),
                },
            )
            return
        if fault is not None and not fault.after_apply:
            self._drop()
            return
        try:
            user = self._user()
            with site.mutex:
                status, payload, headers = self._dispatch(method, path, unquote(query), body, user)
        except FakeError as exc:
            if fault is not None:
                self._drop()
                return
            extra = {"WWW-Authenticate": 'Bearer realm="fake"'} if exc.status == 401 else {}
            extra.update(extra_headers)
            self._send_json(
                exc.status,
                {"error": {"code": exc.code, "message": {"lang": "en-US", "value": exc.message}}},
                extra,
            )
            return
        if fault is not None:
            self._drop()
            return
        headers = {**headers, **extra_headers}
        if isinstance(payload, bytes):
            self._send(status, payload, "application/octet-stream", headers)
        else:
            self._send_json(status, payload, headers)

    def _rate_limit_headers(self) -> dict[str, str]:
        for fault in self.site.faults:
            if fault.kind == "ratelimit" and fault.times > 0:
                fault.times -= 1
                return fault.headers
        return {}

    def _fault(self, method: str, path: str) -> Fault | None:
        for fault in self.site.faults:
            if (
                fault.kind != "ratelimit"
                and fault.times > 0
                and fault.match.lower() in path.lower()
                and (fault.method is None or fault.method == method)
            ):
                fault.times -= 1
                return fault
        return None

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: Mapping[str, str]
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_json(
        self, status: int, payload: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        self._send(
            status,
            json.dumps(payload).encode(),
            "application/json;odata=verbose;charset=utf-8",
            headers or {},
        )

    def _user(self) -> int:
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        user = self.site.tokens.get(token)
        if user is None:
            raise FakeError(
                401, "-2147024891, System.UnauthorizedAccessException", "Invalid JWT token."
            )
        return user

    # --- the endpoints ----------------------------------------------------------------------

    def _dispatch(
        self, method: str, path: str, query: str, body: bytes, user: int
    ) -> tuple[int, Any, dict[str, str]]:
        site = self.site
        prefix = f"{SITE_PATH}/_api/"
        if not path.startswith(prefix):
            raise FakeError(404, "404", f"Not a SharePoint API path: {path}")
        segments = split_segments(path[len(prefix) :])
        expand = re.search(r"\$expand=([^&]*)", query)
        expanded = expand.group(1).split(",") if expand else []
        if [s.lower() for s in segments] == ["contextinfo"]:
            return (
                200,
                {
                    "d": {
                        "GetContextWebInformation": {
                            "FormDigestValue": f"0x{uuid.uuid4().hex},{dt.datetime.now(dt.UTC):%d %b %Y}",
                            "FormDigestTimeoutSeconds": 1800,
                            "WebFullUrl": site.site_url,
                            "SiteFullUrl": site.site_url,
                            "LibraryVersion": "16.0.0.0",
                        }
                    }
                },
                {},
            )
        if [s.lower() for s in segments] == ["sp.web.shareobject"] and method == "POST":
            return 200, self._share_object(_json(body), user), {}
        if not segments or segments[0].lower() != "web":
            raise FakeError(501, "501", f"Fake SharePoint does not know: {method} {path}")
        target: Any = "web"
        rest = segments[1:]
        while rest:
            segment, rest = rest[0], rest[1:]
            match = _SEGMENT.match(segment)
            if match is None:
                raise FakeError(400, "400", f"Bad segment {segment}")
            name = match.group("name").lower()
            args, named = parse_args(match.group("args"))
            body_args = _json(body) if not rest and method == "POST" else {}
            target = self._step(
                target, name, args, named, body_args, body, method, user, expanded, last=not rest
            )
            if isinstance(target, _Answer):
                return target.status, target.payload, {}
        return 200, self._render(target, method, user, expanded), {}

    def _step(
        self,
        target: Any,
        name: str,
        args: list[Any],
        named: dict[str, Any],
        body_args: dict[str, Any],
        body: bytes,
        method: str,
        user: int,
        expanded: list[str],
        *,
        last: bool,
    ) -> Any:
        site = self.site
        value = args[0] if args else next(iter(named.values()), None)
        if target == "web":
            if name in ("getfolderbyserverrelativepath", "getfolderbyserverrelativeurl"):
                return ("folder", self._absolute(value))
            if name in ("getfilebyserverrelativepath", "getfilebyserverrelativeurl"):
                return ("file", self._absolute(value))
            if name == "currentuser":
                return ("principal", user)
            if name == "effectivebasepermissions":
                return _Answer(
                    200, {"d": {"EffectiveBasePermissions": site._base_permissions(user)}}
                )
            if name == "roledefinitions":
                return ("roledefinitions",)
            if name == "siteusers":
                return ("siteusers",)
            if name == "sitegroups":
                return ("sitegroups",)
            if name == "ensureuser":
                # Only accounts the directory knows (see the module docstring).
                site._require(user, SITE_PATH, write=True, manage=True)
                login = str(value or body_args.get("logonName", ""))
                email = login.rpartition("|")[2] if "|" in login else login
                if "@" not in email or not site.knows(email):
                    raise FakeError(
                        404,
                        "-2146232832, Microsoft.SharePoint.SPException",
                        f"The specified user {login} could not be found.",
                    )
                return ("principal", site.add_user(email).id)
        if isinstance(target, tuple):
            kind = target[0]
            if kind == "folder":
                folder_path = target[1]
                if name == "files":
                    return ("files", folder_path)
                if name == "folders":
                    return ("folders", folder_path)
                if name == "listitemallfields":
                    return ("item", folder_path)
            if kind == "file":
                file_path = target[1]
                if name == "$value":
                    file = self._get_file(file_path, user)
                    return _Answer(200, file.data)
                if name == "listitemallfields":
                    return ("item", file_path)
                if name == "modifiedby":
                    return ("principal", self._get_file(file_path, user).modified_by)
                if name == "versions":
                    self._get_file(file_path, user)
                    return ("versions", file_path)
                return self._file_operation(file_path, name, named, body, user)
            if kind == "files" and name == "add":
                folder_path = target[1]
                site._require(user, folder_path, write=True)
                url = str(named.get("url", value))
                full = url if url.startswith("/") else f"{folder_path}/{url}"
                if full in site.files and not named.get("overwrite", False):
                    raise FakeError(
                        400,
                        "-2130575257, Microsoft.SharePoint.SPException",
                        f"A file with the name {url} already exists.",
                    )
                if full.rpartition("/")[0] not in site.folders:
                    raise _not_found(folder_path)
                site._refuse_if_locked(site.files.get(full))
                return ("file", site._write_file(full, body, user).path)
            if kind == "folders" and name == "add":
                parent = target[1]
                if parent not in site.folders:
                    raise _not_found(parent)
                site._require(user, parent, write=True)
                full = f"{parent}/{value}"
                if full not in site.folders:
                    site.folders[full] = site._folder(full)
                return ("folder", full)
            if kind == "item":
                item_path = target[1]
                if name in ("roleassignments", "breakroleinheritance", "resetroleinheritance"):
                    # Reading or changing permissions: EnumeratePermissions / ManagePermissions.
                    site._require(user, item_path, write=True, manage=True)
                if name == "roleassignments":
                    return ("assignments", item_path)
                if name == "breakroleinheritance":
                    return self._break(item_path, body_args, user)
                if name == "resetroleinheritance":
                    self._securable(item_path).unique = False
                    return _Answer(200, {"d": {"ResetRoleInheritance": None}})
            if kind == "assignments":
                return self._assignment_operation(target[1], name, named, user)
            if kind == "roledefinitions" and name == "getbytype":
                for role_id, (_, kind_value) in ROLE_DEFINITIONS.items():
                    if kind_value == int(value or 0):
                        return ("roledefinition", role_id)
                raise _not_found(f"role type {value}")
            if kind == "siteusers" and name in (
                "getbyemail",
                "getbyloginname",
                "getbyprincipalname",
            ):
                for principal in site.principals.values():
                    if not principal.is_group and str(value).lower() in (
                        principal.email.lower(),
                        principal.login.lower(),
                    ):
                        return ("principal", principal.id)
                raise FakeError(
                    404, "-2146232832, Microsoft.SharePoint.SPException", "User cannot be found."
                )
            if kind == "sitegroups" and name == "getbyname":
                for principal in site.principals.values():
                    if principal.is_group and principal.title == value:
                        return ("principal", principal.id)
                raise FakeError(
                    404, "-2146232832, Microsoft.SharePoint.SPException", "Group cannot be found."
                )
        raise FakeError(501, "501", f"Fake SharePoint does not know: {method} {name} on {target}")

    def _share_object(self, args: dict[str, Any], user: int) -> Any:
        """SP.Web.ShareObject: share a folder with people, inviting external ones as guests.

        As SharePoint Online: the caller needs to manage permissions on the object; an external
        address that is not yet a guest can only be invited by a signed-in person (app-only
        tokens cannot resolve it: pnp/pnpcore issue #1285, "Couldn't resolve user"); external
        sharing must be allowed; the invitation mail carries ``emailBody``. The result is an
        ``SP.SharingResult`` whose ``StatusCode`` is an ``SP.SharingOperationStatusCode``.
        """
        site = self.site
        target = self._absolute(args.get("url", ""))
        obj = self._securable(target)
        try:
            site._require(user, target, write=True, manage=True)
        except FakeError:
            return _sharing_result(-2, "Access denied.")
        try:
            people = json.loads(str(args.get("peoplePickerInput") or "[]"))
        except ValueError:
            people = []
        role = int(str(args.get("roleValue", "")).removeprefix("role:") or 0)
        if role not in ROLE_DEFINITIONS:
            return _sharing_result(-11, "Invalid role value.")
        invited: list[str] = []
        for person in people:
            email = str(person.get("Key") or person.get("EntityData", {}).get("Email") or "")
            email = email.rpartition("|")[2]
            if not site.knows(email):
                if email.rpartition("@")[2].lower() == TENANT_DOMAIN:
                    return _sharing_result(-12, f"The user {email} does not exist.")
                if not site.external_sharing:
                    return _sharing_result(-7, "External sharing is turned off for this site.")
                if user == site.app_id:
                    return _sharing_result(-1, f"Couldn't resolve user {email}.")
                site.invite(email, str(args.get("emailBody") or ""))
                invited.append(email)
            principal = site.add_user(email)
            if not obj.unique:
                inherited = site._effective(target)
                obj.assignments = {pid: set(r) for pid, r in inherited.assignments.items()}
                obj.unique = True
            obj.assignments.setdefault(principal.id, set()).add(role)
        return _sharing_result(
            0,
            None,
            invited=[
                {
                    "__metadata": {"type": "SP.SPInvitationCreationResult"},
                    "Email": e,
                    "Succeeded": True,
                }
                for e in invited
            ],
        )

    def _file_operation(
        self, file_path: str, name: str, named: dict[str, Any], body: bytes, user: int
    ) -> Any:
        site = self.site
        if name == "startupload":
            file = self._get_file(file_path, user, write=True)
            site._refuse_if_locked(file)
            site.sessions[str(named["uploadid"])] = (file.path, bytearray(body))
            return _Answer(200, {"d": {"StartUpload": str(len(body))}})
        if name in ("continueupload", "finishupload"):
            session = site.sessions.get(str(named["uploadid"]))
            if session is None or session[0] != file_path:
                raise FakeError(
                    400,
                    "-2146233088, System.InvalidOperationException",
                    "Upload session not found.",
                )
            if int(named["fileoffset"]) != len(session[1]):
                raise FakeError(
                    400,
                    "-2146233088, System.InvalidOperationException",
                    "The file offset does not match the uploaded length.",
                )
            session[1].extend(body)
            if name == "continueupload":
                return _Answer(200, {"d": {"ContinueUpload": str(len(session[1]))}})
            site._refuse_if_locked(site.files.get(file_path))
            del site.sessions[str(named["uploadid"])]
            site._write_file(file_path, bytes(session[1]), user)
            return ("file", file_path)
        if name == "cancelupload":
            # The client library sends the id in the body; the session ends without saving.
            upload_id = str(named.get("uploadid") or _json(body).get("uploadId", ""))
            site.sessions.pop(upload_id, None)
            return _Answer(200, {"d": {"CancelUpload": None}})
        if name == "moveto":
            file = self._get_file(file_path, user, write=True)
            new = self._absolute(named["newurl"])
            if new in site.files and not int(named.get("flags", 0)) & 1:
                raise FakeError(
                    400,
                    "-2130575257, Microsoft.SharePoint.SPException",
                    f"A file with the name {new} already exists.",
                )
            if new.rpartition("/")[0] not in site.folders:
                raise _not_found(new)
            site._require(user, new.rpartition("/")[0], write=True)
            site._refuse_if_locked(file)
            site._refuse_if_locked(site.files.get(new))
            # Overwrite deletes the target item (its versions and permissions go with it); the
            # moved file stays the source's item, with the source's versions.
            replaced = site.files.pop(new, None)
            if replaced is not None:
                site.recycle_bin.append(replaced)
            old = site.files.pop(file.path)
            site.files[new] = dataclasses.replace(old, path=new, unique=False, assignments={})
            return _Answer(200, {"d": {"MoveTo": None}})
        raise FakeError(501, "501", f"Fake SharePoint does not know file operation {name}")

    def _break(self, path: str, body_args: dict[str, Any], user: int) -> Any:
        site = self.site
        obj = self._securable(path)
        if not obj.unique:
            inherited = site._effective(path)
            obj.assignments = (
                {pid: set(r) for pid, r in inherited.assignments.items()}
                if body_args.get("copyRoleAssignments", True)
                else {user: {FULL_CONTROL}}
            )
            obj.unique = True
        if body_args.get("clearSubscopes", True):
            for other in [*site.folders.values(), *site.files.values()]:
                if other.path.startswith(path + "/"):
                    other.unique, other.assignments = False, {}
        return _Answer(200, {"d": {"BreakRoleInheritance": None}})

    def _assignment_operation(self, path: str, name: str, named: dict[str, Any], user: int) -> Any:
        site = self.site
        obj = self._securable(path)
        if name not in ("addroleassignment", "removeroleassignment"):
            raise FakeError(501, "501", f"Fake SharePoint does not know {name}")
        if not obj.unique:
            raise FakeError(
                400,
                "-2146232832, Microsoft.SharePoint.SPException",
                "This operation is not allowed on an object that inherits permissions.",
            )
        principal, role = int(named["principalid"]), int(named["roledefid"])
        if principal not in site.principals or role not in ROLE_DEFINITIONS:
            raise _not_found(f"principal {principal} or role {role}")
        if name == "addroleassignment":
            obj.assignments.setdefault(principal, set()).add(role)
        else:
            roles = obj.assignments.get(principal, set())
            roles.discard(role)
            if not roles:
                obj.assignments.pop(principal, None)
        return _Answer(200, {"d": {name: None}})

    # --- rendering --------------------------------------------------------------------------

    def _render(self, target: Any, method: str, user: int, expanded: list[str]) -> Any:
        site = self.site
        if target == "web":
            return {
                "d": {
                    "__metadata": {"type": "SP.Web"},
                    "Title": "Planmonitor",
                    "Url": site.site_url,
                    "ServerRelativeUrl": SITE_PATH,
                    "EffectiveBasePermissions": site._base_permissions(user),
                }
            }
        kind = target[0]
        if kind == "folder":
            folder = site.folders.get(target[1])
            if folder is None:
                raise _not_found(target[1])
            if method == "DELETE":
                raise FakeError(501, "501", "Deleting folders is not supported by the fake")
            site._require(user, folder.path, write=False)
            return {"d": self._folder_json(folder)}
        if kind == "file":
            file = self._get_file(target[1], user, write=method == "DELETE")
            if method == "DELETE":
                site._refuse_if_locked(file)
                site.recycle_bin.append(site.files.pop(file.path))
                return {"d": None}
            return {"d": self._file_json(file, expanded)}
        if kind == "files":
            if target[1] not in site.folders:
                raise _not_found(target[1])
            site._require(user, target[1], write=False)
            files = [f for p, f in sorted(site.files.items()) if p.rpartition("/")[0] == target[1]]
            return {"d": {"results": [self._file_json(f, expanded) for f in files]}}
        if kind == "item":
            obj = self._securable(target[1])
            return {
                "d": {
                    "__metadata": {"type": "SP.Data.DocumentsItem"},
                    "Id": obj.item_id,
                    "ID": obj.item_id,
                    "HasUniqueRoleAssignments": obj.unique,
                }
            }
        if kind == "assignments":
            self._securable(target[1])
            holder = site._effective(target[1])
            return {
                "d": {
                    "results": [
                        {
                            "__metadata": {"type": "SP.RoleAssignment"},
                            "PrincipalId": pid,
                            "Member": self._principal_json(site.principals[pid]),
                            "RoleDefinitionBindings": {
                                "results": [_role_json(r) for r in sorted(roles)]
                            },
                        }
                        for pid, roles in sorted(holder.assignments.items())
                    ]
                }
            }
        if kind == "versions":
            file = site.files[target[1]]
            return {
                "d": {
                    "results": [
                        {
                            "__metadata": {"type": "SP.FileVersion"},
                            "ID": 512 * int(v.label.split(".")[0]),
                            "VersionLabel": v.label,
                            "Size": len(v.data),
                            "Created": v.created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "IsCurrentVersion": False,
                        }
                        for v in file.history
                    ]
                }
            }
        if kind == "roledefinition":
            return {"d": _role_json(target[1])}
        if kind == "roledefinitions":
            return {"d": {"results": [_role_json(r) for r in ROLE_DEFINITIONS]}}
        if kind == "principal":
            return {"d": self._principal_json(site.principals[target[1]])}
        raise FakeError(501, "501", f"Fake SharePoint cannot render {target}")

    def _securable(self, path: str) -> Securable:
        obj = self.site.folders.get(path) or self.site.files.get(path)
        if obj is None:
            raise _not_found(path)
        return obj

    def _get_file(self, path: str, user: int, write: bool = False) -> File:
        file = self.site.files.get(path)
        if file is None:
            raise FakeError(
                404,
                "-2130575338, Microsoft.SharePoint.SPException",
                f"The file {path} does not exist.",
            )
        self.site._require(user, path, write)
        return file

    def _absolute(self, value: Any) -> str:
        text = str(value)
        if text.startswith("http"):
            text = unquote(urlsplit(text).path)
        if not text.startswith("/"):
            text = f"{SITE_PATH}/{text}"
        return text.rstrip("/")

    def _folder_json(self, folder: Folder) -> dict[str, Any]:
        return {
            "__metadata": {"type": "SP.Folder"},
            "Name": folder.path.rpartition("/")[2],
            "ServerRelativeUrl": folder.path,
            "Exists": True,
            "UniqueId": folder.unique_id,
            "ItemCount": sum(1 for p in self.site.files if p.rpartition("/")[0] == folder.path),
        }

    def _file_json(self, file: File, expanded: list[str]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "__metadata": {"type": "SP.File"},
            "Name": file.path.rpartition("/")[2],
            "ServerRelativeUrl": file.path,
            "Length": str(len(file.data)),
            "Exists": True,
            "TimeLastModified": file.modified.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ETag": f'"{{{file.unique_id.upper()}}},{file.version}"',
            "UniqueId": file.unique_id,
            "MajorVersion": file.version,
            "MinorVersion": 0,
        }
        if any(e.lower() == "modifiedby" for e in expanded):
            data["ModifiedBy"] = self._principal_json(self.site.principals[file.modified_by])
        else:
            data["ModifiedBy"] = {"__deferred": {"uri": "ModifiedBy"}}
        if any(e.lower() == "listitemallfields" for e in expanded):
            # The file's list item with its columns; they stay with the item across versions.
            data["ListItemAllFields"] = {
                "__metadata": {"type": "SP.Data.DocumentsItem"},
                "Id": file.item_id,
                **file.fields,
            }
        return data

    @staticmethod
    def _principal_json(principal: Principal) -> dict[str, Any]:
        return {
            "__metadata": {"type": "SP.Group" if principal.is_group else "SP.User"},
            "Id": principal.id,
            "Title": principal.title,
            "LoginName": principal.login,
            "Email": principal.email,
            "PrincipalType": 8 if principal.is_group else 1,
        }


@dataclass
class _Answer:
    status: int
    payload: Any


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body) if body else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _sharing_result(
    code: int, message: str | None, invited: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "d": {
            "__metadata": {"type": "SP.SharingResult"},
            "StatusCode": code,
            "ErrorMessage": message,
            "InvitedUsers": {"results": invited or []},
        }
    }


def _role_json(role: int) -> dict[str, Any]:
    name, kind = ROLE_DEFINITIONS[role]
    return {
        "__metadata": {"type": "SP.RoleDefinition"},
        "Id": role,
        "Name": name,
        "RoleTypeKind": kind,
        "Hidden": role == LIMITED,
    }


@pytest.fixture
def fake_sharepoint() -> Iterator[FakeSharePoint]:
    """A fake SharePoint site on 127.0.0.1, stopped after the test."""
    with FakeSharePoint() as fake:
        yield fake
