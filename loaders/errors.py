"""The one exception family for files that cannot be used at all."""

from __future__ import annotations


class LoaderError(Exception):
    """A file or request that cannot be used; the message tells the user what to do.

    ``code`` is a stable slug for tests and for the UI's message catalogue.
    """

    code = "loader_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class UnreadableFile(LoaderError):
    """The file is not a spreadsheet we can open (corrupt, encrypted, wrong type)."""

    code = "unreadable_file"


class StoreError(LoaderError):
    """The store refused a request (unknown batch, bad database URL …)."""

    code = "store_error"
