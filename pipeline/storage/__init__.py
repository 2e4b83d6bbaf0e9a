"""Storage backends: where workbooks go to the parties and where their submissions come from.

The pipeline talks to :class:`Storage` only and never knows which backend it has. The layout is
the same in both backends (folder names configurable, Dutch defaults)::

    <party_folder>/<party folder>/   the party's workbook and feedback; the party and secretary
    <shared_folder>/                 monitor and reports, readable by the whole table
    <archive_folder>/                received files, secretary only

``local`` (the embedded default) is a folder on disk, which is also what a OneDrive-synced
SharePoint library looks like; ``sharepoint`` talks to SharePoint Online.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..core import Party, StorageError

if TYPE_CHECKING:
    from ..core import Config


class FileLocked(StorageError):
    """A file someone keeps open (Excel holds a lock), so it cannot be replaced right now.

    Nothing was changed; trying again once the file is closed finishes the work.
    """

    def __init__(self, message: str, *, holder: str = "") -> None:
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True)
class StoredFile:
    """A file as the backend reports it."""

    name: str
    size: int
    modified: str  # ISO 8601, UTC
    etag: str = ""
    modified_by: str = ""
    hand_in: str = ""  # the optional "ingeleverd" library column (SharePoint), lower case


class Storage(Protocol):
    """What the pipeline needs from a place where files are shared."""

    def ensure_layout(self, parties: list[Party]) -> list[str]:
        """Create missing folders; return what was created (Dutch, for the secretary)."""
        ...

    def put_party_file(self, party: Party, name: str, data: bytes) -> None:
        """Write a file into a party's folder, replacing it atomically."""
        ...

    def list_party_files(self, party: Party) -> list[StoredFile]: ...

    def get_party_file(self, party: Party, name: str) -> bytes: ...

    def publish(self, name: str, data: bytes) -> bool:
        """Write a file into the shared folder; False when an identical file was already there."""
        ...

    def put_archive(self, name: str, data: bytes) -> None: ...

    def describe(self) -> str:
        """Where files go, for the secretary (Dutch)."""
        ...


def party_folder_name(party: Party) -> str:
    """The folder of a party: its id and name, safe on every file system and in SharePoint."""
    name = re.sub(r'[\\/:*?"<>|#%~&{}]+', " ", party.name)
    name = re.sub(r"\s+", " ", name).strip().rstrip(".")
    return f"{party.id} {name}"


def open_storage(config: Config, *, notify: Callable[[str], None] | None = None) -> Storage:
    """The backend that ``[storage] backend`` names, set up from ``config``.

    For SharePoint nothing goes over the network yet; credentials come from the environment
    (see ``storage.sharepoint_auth``). ``notify`` shows the code of a device-code sign-in.
    """
    backend = config.storage.backend
    if backend == "local":
        from .local import LocalStorage

        return LocalStorage(
            config.paths.storage,
            party_folder=config.storage.party_folder,
            shared_folder=config.storage.shared_folder,
            archive_folder=config.storage.archive_folder,
        )
    if backend == "sharepoint":
        from .sharepoint import SharePointStorage

        return SharePointStorage.connect(config, notify=notify)
    raise StorageError(
        f"Onbekende opslag '{backend}' in [storage] backend van config.toml. Kies \"local\" "
        '(een map op schijf) of "sharepoint" (SharePoint Online).'
    )


__all__ = [
    "FileLocked",
    "Storage",
    "StoredFile",
    "local",  # submodules, imported on use: the SharePoint ones load office365 only when needed
    "open_storage",
    "party_folder_name",
    "sharepoint",
    "sharepoint_admin",
    "sharepoint_auth",
]
