"""The project's one small exception family.

Every message says what was expected, what was found and how to fix it, naming
the file, record and field where there is one. The CLI turns these into one
line and a documented exit code; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class PwcError(Exception):
    """Base class: a problem the user can act on (bad input, bad config, ...)."""

    exit_code = 2


class ConfigError(PwcError):
    """A setting is missing or invalid."""


class SourceError(PwcError):
    """A source file is unreadable or malformed (names the file and position)."""


class ValidationFailed(PwcError):
    """The Great Expectations gate refused the release tables."""

    exit_code = 1


class PublishError(PwcError):
    """A release could not be published (store unreachable, id already taken, ...)."""


class ReleaseNotFound(PwcError):
    """The requested release id does not exist in the store."""


class IntegrityError(PwcError):
    """A release file does not match its manifest (size or sha256)."""

    exit_code = 1


class ResourceError(PwcError):
    """A stage ran out of memory or disk: names the stage, the limit and the setting to change."""


class MissingDependency(PwcError):
    """An optional package is not installed: the message names the package to install."""


class TransferError(PwcError):
    """A transfer was refused or given up: too large, too slow, past its deadline, or a body the
    client will not decode. Names the file and the limit."""


class Interrupted(PwcError):
    """The user pressed Ctrl-C: work stopped, nothing incomplete is visible (the message says where
    what was done is kept)."""

    exit_code = 130
