"""The local folder backend: the embedded default, shaped like a synced SharePoint library."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..core import Party, StorageError, sha256, write_atomic
from . import FileLocked, StoredFile, party_folder_name


class LocalStorage:
    """Folders on disk: one per party, a shared folder and an archive folder."""

    def __init__(
        self,
        root: Path,
        party_folder: str = "Partijen",
        shared_folder: str = "Monitor",
        archive_folder: str = "Archief",
    ) -> None:
        self.root = root
        self.parties_dir = root / party_folder
        self.shared_dir = root / shared_folder
        self.archive_dir = root / archive_folder

    def describe(self) -> str:
        return f"lokale map {self.root}"

    def party_dir(self, party: Party) -> Path:
        return self.parties_dir / party_folder_name(party)

    def ensure_layout(self, parties: list[Party]) -> list[str]:
        created = []
        for folder in [
            self.parties_dir,
            self.shared_dir,
            self.archive_dir,
            *(self.party_dir(p) for p in parties),
        ]:
            if not folder.is_dir():
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StorageError(f"Map {folder} kan niet worden gemaakt: {exc}") from exc
                created.append(f"map aangemaakt: {folder.relative_to(self.root)}")
        return created

    def put_party_file(self, party: Party, name: str, data: bytes) -> None:
        """Replace a file in a party's folder; :class:`FileLocked` when it is open.

        On Windows (a synced SharePoint or OneDrive folder) Excel keeps an open workbook
        locked, and replacing it fails with a permission error; nothing is changed then.
        """
        target = self.party_dir(party) / name
        try:
            write_atomic(target, data)
        except StorageError as exc:
            if isinstance(exc.__cause__, PermissionError) and target.exists():
                raise FileLocked(
                    f"Het bestand {name} van {party.name} is in gebruik (het staat waarschijnlijk "
                    "open in Excel) en kan nu niet worden vervangen; het is ongewijzigd. Vraag de "
                    "partij het bestand te sluiten en voer de opdracht opnieuw uit."
                ) from exc
            raise

    def list_party_files(self, party: Party) -> list[StoredFile]:
        folder = self.party_dir(party)
        if not folder.is_dir():
            return []
        files = []
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.name.startswith((".", "~$")):
                continue
            stat = path.stat()
            modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
            files.append(
                StoredFile(
                    path.name,
                    stat.st_size,
                    modified.isoformat(timespec="seconds"),
                    etag=f"{stat.st_mtime_ns}-{stat.st_size}",
                )
            )
        return files

    def get_party_file(self, party: Party, name: str) -> bytes:
        try:
            return (self.party_dir(party) / name).read_bytes()
        except OSError as exc:
            raise StorageError(
                f"Bestand {name} van {party.name} kan niet worden gelezen: {exc}"
            ) from exc

    def publish(self, name: str, data: bytes) -> bool:
        target = self.shared_dir / name
        if target.is_file() and sha256(target.read_bytes()) == sha256(data):
            return False
        write_atomic(target, data)
        return True

    def put_archive(self, name: str, data: bytes) -> None:
        target = self.archive_dir / name
        if not target.exists():
            write_atomic(target, data)
