"""Exceptions for conditions where a run cannot go on.

Everything a party did wrong in a workbook is a finding (see ``findings``), never an exception.

    PlanmonitorError
    ├── ConfigError            config.toml or the catalogue is unreadable or inconsistent
    ├── StateError             the state database is missing, newer than this code, or corrupt
    │   └── LockHeld           another merge holds the lock
    ├── RoundError             a command does not fit the state of the round
    └── StorageError           the storage backend cannot be reached or refuses an operation
        └── AuthenticationError  SharePoint sign-in failed

The messages are Dutch: they reach the secretary through the CLI.
"""

from __future__ import annotations


class PlanmonitorError(Exception):
    """Root of all planmonitor exceptions."""


class ConfigError(PlanmonitorError):
    """config.toml or the field catalogue cannot be used."""


class StateError(PlanmonitorError):
    """The state database cannot be used."""


class LockHeld(StateError):
    """Another process holds the merge lock."""


class RoundError(PlanmonitorError):
    """The command does not fit the state of the round."""


class StorageError(PlanmonitorError):
    """The storage backend cannot be reached or refuses an operation."""


class AuthenticationError(StorageError):
    """Signing in to SharePoint failed."""
