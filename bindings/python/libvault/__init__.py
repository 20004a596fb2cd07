"""libvault: encrypted, access-controlled case records with a verifiable
audit log.  A ctypes binding over libvault.so.1 (standard library only).

    import libvault

    with libvault.Vault.open("/srv/vault", "maria", passphrase) as v:
        case = v.case_create("victim")
        case.put("intake", b"...", cls="general")
        print(case.get("intake"))

The library is found through ``$LIBVAULT_PATH`` (a file path), then the
build tree of a libvault checkout, then the system's library path.
Every failure raises a subclass of :class:`VaultError` that mirrors the C
``vault_status`` and carries the library's message.
"""

from ._lib import LibraryNotFound, loaded_path as library_path
from .errors import (
    STATUS_TO_EXCEPTION,
    AccessDenied,
    AlreadyExists,
    AuditError,
    AuthError,
    Busy,
    ConsentRequired,
    CorruptData,
    IntegrityError,
    InvalidArgument,
    Ambiguous,
    DiskFull,
    NoCrypto,
    NotFound,
    PasswordExpired,
    WeakPassphrase,
    OutOfMemory,
    StateError,
    Status,
    VaultError,
    VaultIOError,
    VersionError,
    exception_for,
)
from .types import (
    KDF,
    AuditEntry,
    Basis,
    CaseInfo,
    CaseKind,
    Class,
    Consent,
    Grant,
    Identity,
    Org,
    OrgKind,
    Outcome,
    Perm,
    PrincipalKind,
    Purpose,
    RecordInfo,
    Role,
    Scope,
    User,
    VerifyResult,
    ReportFormat,
    Lang,
)
from .vault import (
    Case,
    Vault,
    check_proof,
    indicators_vocabulary,
    library_version,
    library_version_number,
    stats_combine,
    strerror,
    verify_export,
)

#: Version of this binding (it follows the C library's).
__version__ = "1.1.0"

__all__ = [
    "Vault", "Case", "verify_export", "check_proof", "library_version", "library_version_number",
    "library_path", "strerror", "LibraryNotFound",
    "VaultError", "InvalidArgument", "OutOfMemory", "VaultIOError", "AuthError",
    "AccessDenied", "NotFound", "AlreadyExists", "CorruptData", "VersionError", "Busy",
    "ConsentRequired", "AuditError", "IntegrityError", "StateError", "NoCrypto",
    "PasswordExpired", "WeakPassphrase", "Ambiguous", "DiskFull",
    "Status", "STATUS_TO_EXCEPTION", "exception_for",
    "KDF", "OrgKind", "Role", "CaseKind", "Class", "Perm", "PrincipalKind", "Purpose",
    "Basis", "Scope", "Outcome",
    "Identity", "Org", "User", "CaseInfo", "RecordInfo", "Consent", "Grant",
    "AuditEntry", "VerifyResult", "ReportFormat", "Lang",
    "stats_combine", "indicators_vocabulary",
]
