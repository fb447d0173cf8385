"""The project's exceptions: one per failure a user can act on; every message says what failed and what to do.

The CLI turns an :class:`AssistantError` into one line on stderr and a non-zero exit; nothing else catches
them broadly.
"""

from __future__ import annotations


class AssistantError(Exception):
    """An error a user can act on; the message says what failed and what to do."""


class SettingsError(AssistantError):
    """An ASSISTANT_* variable has a value it cannot take; the message names the variable."""


class LoadError(AssistantError):
    """A corpus file could not be read. Always names the file."""

    def __init__(self, path, message: str):
        self.path = str(path)
        self.reason = message
        super().__init__(f"{path}: {message}")


class StoreError(AssistantError):
    """The index store could not be read or written: never to be taken as "there is no index"."""


class EvalFileError(AssistantError):
    """An evaluation file is malformed; the message names the file and line."""
