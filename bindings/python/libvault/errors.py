"""Exceptions that mirror ``vault_status``.

Every failing call raises a subclass of :class:`VaultError` chosen by the
status the library returned; ``.status`` holds that status and ``.message``
the library's detail (``vault_errmsg`` / ``vault_last_errmsg``), which never
contains passphrases, keys or record content.
"""

from __future__ import annotations

import enum
from typing import Dict, Optional, Type


class Status(enum.IntEnum):
    """``vault_status`` values (stable; never reused)."""

    OK = 0
    ERR_INVALID = -1
    ERR_NOMEM = -2
    ERR_IO = -3
    ERR_AUTH = -4
    ERR_DENIED = -5
    ERR_NOT_FOUND = -6
    ERR_EXISTS = -7
    ERR_CORRUPT = -8
    ERR_VERSION = -9
    ERR_BUSY = -10
    ERR_CONSENT = -11
    ERR_AUDIT = -12
    ERR_INTEGRITY = -13
    ERR_STATE = -14
    ERR_NOCRYPTO = -15
    ERR_PASSWD_EXPIRED = -16
    ERR_WEAK_PASSPHRASE = -17
    ERR_AMBIGUOUS = -18
    ERR_NOSPACE = -19


class VaultError(Exception):
    """Base of every error raised by libvault.

    Attributes:
        status: the ``vault_status`` the library returned (an ``int``; a
            :class:`Status` member when the binding knows it).
        message: the library's one-line detail, or its short ``vault_strerror``
            text when there is no detail.
    """

    #: The status this class stands for (None for the base class).
    STATUS: Optional[Status] = None

    def __init__(self, message: str = "", status: Optional[int] = None) -> None:
        if status is None:
            status = self.STATUS if self.STATUS is not None else -1
        try:
            status = Status(status)
        except ValueError:
            pass
        self.status: int = status
        self.message: str = message
        super().__init__(message)

    def __str__(self) -> str:
        name = self.status.name if isinstance(self.status, Status) else str(self.status)
        return f"{self.message} [{name}]" if self.message else f"[{name}]"


class InvalidArgument(VaultError, ValueError):
    """An argument is empty, too long, malformed or out of range."""

    STATUS = Status.ERR_INVALID


class OutOfMemory(VaultError):
    """Memory, or locked secure memory, could not be allocated."""

    STATUS = Status.ERR_NOMEM


class VaultIOError(VaultError):
    """A file could not be read, written, synced or renamed."""

    STATUS = Status.ERR_IO


class AuthError(VaultError):
    """Unknown or disabled user, or wrong passphrase (indistinguishable)."""

    STATUS = Status.ERR_AUTH


class AccessDenied(VaultError):
    """The access rules refuse the operation; the attempt was audited."""

    STATUS = Status.ERR_DENIED


class NotFound(VaultError, LookupError):
    """No such vault, organisation, user, case, record, version or consent."""

    STATUS = Status.ERR_NOT_FOUND


class AlreadyExists(VaultError):
    """The vault, organisation or user already exists."""

    STATUS = Status.ERR_EXISTS


class CorruptData(VaultError):
    """Stored data fails authentication or is malformed."""

    STATUS = Status.ERR_CORRUPT


class VersionError(VaultError):
    """The vault was written by a newer libvault."""

    STATUS = Status.ERR_VERSION


class Busy(VaultError):
    """Another handle held the write lock longer than the busy timeout."""

    STATUS = Status.ERR_BUSY


class ConsentRequired(VaultError):
    """Sharing a victim case needs a valid consent that covers it."""

    STATUS = Status.ERR_CONSENT


class AuditError(VaultError):
    """The audit entry could not be written, so nothing was done."""

    STATUS = Status.ERR_AUDIT


class IntegrityError(VaultError):
    """Audit verification failed.

    ``.result`` (a :class:`libvault.VerifyResult`, when available) names the
    first bad entry and why.
    """

    STATUS = Status.ERR_INTEGRITY

    def __init__(self, message: str = "", status: Optional[int] = None,
                 result: "object" = None) -> None:
        super().__init__(message, status)
        self.result = result


class StateError(VaultError):
    """Call out of sequence (commit without begin, a closed vault, ...)."""

    STATUS = Status.ERR_STATE


class NoCrypto(VaultError):
    """The linked SQLite has no encryption, or libsodium failed to start."""

    STATUS = Status.ERR_NOCRYPTO


class PasswordExpired(VaultError):
    """The passphrase was chosen by someone else: call ``passwd()`` first."""

    STATUS = Status.ERR_PASSWD_EXPIRED


class WeakPassphrase(VaultError):
    """The new passphrase is the old one or too easy to guess."""

    STATUS = Status.ERR_WEAK_PASSPHRASE


class Ambiguous(VaultError):
    """A record name exists in several readable classes: name the class."""

    STATUS = Status.ERR_AMBIGUOUS


class DiskFull(VaultError):
    """The disk is full; nothing was done (the audit entry needs space)."""

    STATUS = Status.ERR_NOSPACE


#: status -> exception class, one entry per ``vault_status`` error.
STATUS_TO_EXCEPTION: Dict[int, Type[VaultError]] = {
    cls.STATUS: cls
    for cls in (
        InvalidArgument,
        OutOfMemory,
        VaultIOError,
        AuthError,
        AccessDenied,
        NotFound,
        AlreadyExists,
        CorruptData,
        VersionError,
        Busy,
        ConsentRequired,
        AuditError,
        IntegrityError,
        StateError,
        NoCrypto,
        PasswordExpired,
        WeakPassphrase,
        Ambiguous,
        DiskFull,
    )
}


def exception_for(status: int) -> Type[VaultError]:
    """The exception class for a status (:class:`VaultError` if unknown)."""
    return STATUS_TO_EXCEPTION.get(status, VaultError)


def make_error(status: int, message: str = "") -> VaultError:
    """Build the exception for a failed call."""
    return exception_for(status)(message, status)
