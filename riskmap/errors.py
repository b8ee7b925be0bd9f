"""One tree of errors for everything a user can get wrong; cli.py catches it once."""

from __future__ import annotations


class RiskmapError(Exception):
    """A problem the user can fix; shown as one line, never as a traceback."""

    exit_code = 2


class UsageError(RiskmapError):
    """The command line asks for something impossible (a missing file, a bad option)."""


class ConfigError(RiskmapError):
    """The config file is unreadable or holds invalid values."""


class InputError(RiskmapError):
    """An input file cannot be read at all; it names the file and the position."""

    exit_code = 1

    def __init__(self, path: str, message: str, position: str = "") -> None:
        self.path = path
        self.message = message
        self.position = position
        where = f"{path}:{position}" if position else path
        super().__init__(f"{where}: {message}")


class OutputError(RiskmapError):
    """A report could not be written."""
