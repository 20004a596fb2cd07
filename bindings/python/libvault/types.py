"""Enumerations mirrored from vault.h, and the dataclasses the binding returns."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional, Union


class KDF(enum.IntEnum):
    """Argon2id cost of a key slot (``vault_kdf``)."""

    DEFAULT = 0
    INTERACTIVE = 1
    MODERATE = 2
    SENSITIVE = 3
    #: libsodium's minimum cost.  For test suites only.
    INSECURE_TEST_ONLY = 99


class OrgKind(enum.IntEnum):
    """``vault_org_kind``."""

    ANTIVIOLENCE_CENTRE = 1
    RECEPTION_CENTRE = 2
    PERPETRATOR_PROGRAMME = 3
    HEALTH = 4
    AUTHORITY = 5
    OTHER = 6


class Role(enum.IntEnum):
    """``vault_role``."""

    ADMIN = 1
    CASEWORKER = 2
    SUPERVISOR = 3
    AUDITOR = 4


class CaseKind(enum.IntEnum):
    """``vault_case_kind``."""

    VICTIM = 1
    PERPETRATOR = 2


class Class(enum.IntFlag):
    """Sensitivity classes (``vault_class``); a set of classes is their OR."""

    GENERAL = 1
    SENSITIVE = 2
    SAFETY = 4
    ALL = 7


class Perm(enum.IntEnum):
    """Rights on a case (``vault_perm``); each includes the ones before."""

    READ = 1
    WRITE = 2
    SHARE = 3


class PrincipalKind(enum.IntEnum):
    """``vault_principal_kind``."""

    ORG = 1
    USER = 2


class Purpose(enum.IntEnum):
    """Declared purpose of a handle's accesses (``vault_purpose``)."""

    CASEWORK = 1
    REFERRAL = 2
    AUDIT = 3
    STATISTICS = 4
    EMERGENCY = 5


class Basis(enum.IntEnum):
    """Legal basis of a consent record (``vault_basis``)."""

    CONSENT = 1
    VITAL_INTEREST = 2
    LEGAL_OBLIGATION = 3


class Scope(enum.IntFlag):
    """What a consent covers (``VAULT_SCOPE_*``)."""

    SERVICES = 1
    SHARING = 2
    STATISTICS = 4


class Outcome(enum.IntEnum):
    """Audit outcomes (``vault_outcome``)."""

    OK = 1
    DENIED = 2
    ERROR = 3


class ReportFormat(enum.IntEnum):
    """How a report is written (``vault_report_format``).  @since 1.1.0"""

    TEXT = 1
    JSON = 2
    HTML = 3


class Lang(enum.IntEnum):
    """The language of a text or HTML report (``vault_lang``).  @since 1.1.0"""

    EN = 1
    IT = 2


def _enum_or_int(cls, value: int):
    try:
        return cls(value)
    except ValueError:
        return value


def _dt(ts: int) -> Optional[datetime]:
    return datetime.fromtimestamp(ts, tz=timezone.utc) if ts else None


@dataclass(frozen=True)
class Identity:
    """Who a handle is unlocked as (``vault_whoami``)."""

    name: str
    org: Optional[str]
    role: Union[Role, int]


@dataclass(frozen=True)
class Org:
    """An organisation (``vault_org_info``)."""

    id: str
    name: str
    kind: Union[OrgKind, int]
    created: int


@dataclass(frozen=True)
class User:
    """A user (``vault_user_info``)."""

    name: str
    org: Optional[str]
    role: Union[Role, int]
    disabled: bool
    created: int


@dataclass(frozen=True)
class CaseInfo:
    """Metadata of a case (``vault_case_info``); no content."""

    id: str
    kind: Union[CaseKind, int]
    owner_org: str
    created_by: str
    created: int
    restricted: bool
    #: classes the caller may read now
    readable: Class
    #: classes the caller may write now
    writable: Class


@dataclass(frozen=True)
class RecordInfo:
    """Metadata of one version of a record (``vault_record_info``)."""

    case_id: str
    name: str
    cls: Union[Class, int]
    version: int
    created: int
    author: str
    deleted: bool
    size: int
    #: who redacted this version, when and why (None / 0 when it was not)
    redacted_by: Optional[str] = None
    redacted_at: int = 0
    redact_reason: Optional[str] = None


@dataclass(frozen=True)
class Consent:
    """A recorded consent (``vault_consent_info``)."""

    id: str
    case_id: str
    org: str
    classes: Class
    scope: Scope
    purpose: str
    basis: Union[Basis, int]
    reason: Optional[str]
    given_at: int
    expires: int
    withdrawn: int
    recorded_by: str

    @property
    def active(self) -> bool:
        """Not withdrawn and not expired (by this machine's clock)."""
        now = datetime.now(tz=timezone.utc).timestamp()
        return not self.withdrawn and (not self.expires or self.expires > now)


@dataclass(frozen=True)
class Grant:
    """A live grant on a case (``vault_grant_info``)."""

    case_id: str
    kind: Union[PrincipalKind, int]
    principal: str
    classes: Class
    perm: Union[Perm, int]
    consent_id: Optional[str]
    expires: int
    granted_by: str
    created: int


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the audit log (``vault_audit_entry``)."""

    seq: int
    ts: int
    actor: str
    org: str
    role: str
    action: str
    case_id: str
    target: str
    cls: str
    outcome: Union[Outcome, int]
    reason: str
    purpose: str
    newkey: str
    prev: str
    hash: str
    sig: str
    key: str
    high: bool

    @property
    def time(self) -> datetime:
        """``ts`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.ts, tz=timezone.utc)


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of an audit verification (``vault_verify_result``)."""

    entries: int
    bad_seq: int
    reason: str
    #: The kind of checkpoint checked (0: none; 1: a libvault 1.0 hash-chain
    #: checkpoint; 2: an RFC 6962 tree checkpoint).  @since 1.1.0
    checkpoint_kind: int = 0
    #: The size of the log, or of the proof's tree, checked.  @since 1.1.0
    tree_size: int = 0

    @property
    def ok(self) -> bool:
        return self.bad_seq == 0 and not self.reason
