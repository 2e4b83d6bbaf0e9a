"""Files on disk: atomic writes and content hashes, one helper each."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from .errors import StorageError


def sha256(data: bytes) -> str:
    """The hex SHA-256 of ``data``: the identity of every file planmonitor receives or writes."""
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary name beside the target and rename, so no half file is ever seen."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise StorageError(f"Bestand {path} kan niet worden geschreven: {exc}") from exc
