"""Loading libvault.so.1 and declaring the C prototypes (private module).

Everything here mirrors include/vault.h.  Structures are declared with the
fields of the options/result version the binding was written against; the
library is told that version through the *_init() functions, so a newer
library with appended fields still reads them correctly.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char,
    c_char_p,
    c_int,
    c_int64,
    c_size_t,
    c_ubyte,
    c_uint,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path
from typing import List, Optional

#: The major version this binding speaks: libvault.so.1.
ABI_MAJOR = 1

# Option/result structure versions this binding fills in (vault.h *_VERSION).
CREATE_OPTIONS_VERSION = 1
OPEN_OPTIONS_VERSION = 2
CONSENT_OPTIONS_VERSION = 1
SHARE_OPTIONS_VERSION = 1
AUDIT_QUERY_VERSION = 1
VERIFY_RESULT_VERSION = 2
REPORT_OPTIONS_VERSION = 1


# --------------------------------------------------------------------------
# Structures (field order and types exactly as in vault.h)
# --------------------------------------------------------------------------


class VaultBuf(Structure):
    _fields_ = [("data", POINTER(c_ubyte)), ("len", c_size_t)]


class CreateOptions(Structure):
    _fields_ = [("version", c_uint), ("kdf", c_int)]


class OpenOptions(Structure):
    _fields_ = [("version", c_uint), ("purpose", c_int), ("busy_timeout_ms", c_int),
                ("state_dir", c_char_p)]


class OrgInfo(Structure):
    _fields_ = [
        ("id", c_char_p),
        ("name", c_char_p),
        ("kind", c_int),
        ("created", c_int64),
    ]


class UserInfo(Structure):
    _fields_ = [
        ("name", c_char_p),
        ("org", c_char_p),
        ("role", c_int),
        ("disabled", c_int),
        ("created", c_int64),
    ]


class CaseInfo(Structure):
    _fields_ = [
        ("id", c_char_p),
        ("kind", c_int),
        ("owner_org", c_char_p),
        ("created_by", c_char_p),
        ("created", c_int64),
        ("restricted", c_int),
        ("readable", c_uint),
        ("writable", c_uint),
    ]


class RecordInfo(Structure):
    _fields_ = [
        ("case_id", c_char_p),
        ("name", c_char_p),
        ("cls", c_int),
        ("version", c_uint32),
        ("created", c_int64),
        ("author", c_char_p),
        ("deleted", c_int),
        ("size", c_size_t),
        # @since 1.1.0
        ("redacted_by", c_char_p),
        ("redacted_at", c_int64),
        ("redact_reason", c_char_p),
    ]


class ConsentOptions(Structure):
    _fields_ = [
        ("version", c_uint),
        ("org", c_char_p),
        ("classes", c_uint),
        ("scope", c_uint),
        ("purpose", c_char_p),
        ("basis", c_int),
        ("reason", c_char_p),
        ("given_at", c_int64),
        ("expires", c_int64),
    ]


class ConsentInfo(Structure):
    _fields_ = [
        ("id", c_char_p),
        ("case_id", c_char_p),
        ("org", c_char_p),
        ("classes", c_uint),
        ("scope", c_uint),
        ("purpose", c_char_p),
        ("basis", c_int),
        ("reason", c_char_p),
        ("given_at", c_int64),
        ("expires", c_int64),
        ("withdrawn", c_int64),
        ("recorded_by", c_char_p),
    ]


class ShareOptions(Structure):
    _fields_ = [
        ("version", c_uint),
        ("perm", c_int),
        ("consent_id", c_char_p),
        ("expires", c_int64),
    ]


class GrantInfo(Structure):
    _fields_ = [
        ("case_id", c_char_p),
        ("kind", c_int),
        ("principal", c_char_p),
        ("classes", c_uint),
        ("perm", c_int),
        ("consent_id", c_char_p),
        ("expires", c_int64),
        ("granted_by", c_char_p),
        ("created", c_int64),
    ]


class AuditEntry(Structure):
    _fields_ = [
        ("seq", c_uint64),
        ("ts", c_int64),
        ("actor", c_char_p),
        ("org", c_char_p),
        ("role", c_char_p),
        ("action", c_char_p),
        ("case_id", c_char_p),
        ("target", c_char_p),
        ("cls", c_char_p),
        ("outcome", c_int),
        ("reason", c_char_p),
        ("purpose", c_char_p),
        ("newkey", c_char_p),
        ("prev", c_char_p),
        ("hash", c_char_p),
        ("sig", c_char_p),
        ("key", c_char_p),
        ("high", c_int),
    ]


class AuditQuery(Structure):
    _fields_ = [
        ("version", c_uint),
        ("case_id", c_char_p),
        ("actor", c_char_p),
        ("org", c_char_p),
        ("action", c_char_p),
        ("outcome", c_int),
        ("since", c_int64),
        ("until", c_int64),
        ("high_only", c_int),
        ("after_seq", c_uint64),
        ("limit", c_uint64),
    ]


class ReportOptions(Structure):
    _fields_ = [
        ("version", c_uint),
        ("format", c_int),
        ("lang", c_int),
        ("since", c_int64),
        ("until", c_int64),
        ("names", c_int),
        ("utc", c_int),
    ]


class VerifyResult(Structure):
    _fields_ = [
        ("version", c_uint),
        ("entries", c_uint64),
        ("bad_seq", c_uint64),
        ("reason", c_char * 256),
        ("checkpoint_kind", c_int),
        ("tree_size", c_uint64),
    ]


STATS_OPTIONS_VERSION = 1


class StatsOptions(Structure):
    _fields_ = [
        ("version", c_uint),
        ("since", c_int64),
        ("until", c_int64),
        ("k", c_uint),
    ]


# --------------------------------------------------------------------------
# Callback prototypes
# --------------------------------------------------------------------------

ORG_CB = CFUNCTYPE(c_int, POINTER(OrgInfo), c_void_p)
USER_CB = CFUNCTYPE(c_int, POINTER(UserInfo), c_void_p)
CASE_CB = CFUNCTYPE(c_int, POINTER(CaseInfo), c_void_p)
RECORD_CB = CFUNCTYPE(c_int, POINTER(RecordInfo), c_void_p)
CONSENT_CB = CFUNCTYPE(c_int, POINTER(ConsentInfo), c_void_p)
GRANT_CB = CFUNCTYPE(c_int, POINTER(GrantInfo), c_void_p)
LINK_CB = CFUNCTYPE(c_int, c_char_p, c_void_p)
AUDIT_CB = CFUNCTYPE(c_int, POINTER(AuditEntry), c_void_p)
PROGRESS_CB = CFUNCTYPE(c_int, c_uint64, c_uint64, c_void_p)

_vp = c_void_p  # vault *
_ub = POINTER(c_ubyte)
_st = c_int  # vault_status

# name -> (restype, argtypes)
_PROTOTYPES = {
    "vault_version_number": (c_int, []),
    "vault_version_string": (c_char_p, []),
    "vault_strerror": (c_char_p, [c_int]),
    "vault_last_errmsg": (c_char_p, []),
    "vault_buf_free": (None, [POINTER(VaultBuf)]),
    "vault_secure_malloc": (c_void_p, [c_size_t]),
    "vault_secure_free": (None, [c_void_p]),
    "vault_id_bufsize": (c_size_t, []),
    "vault_vault_id_bufsize": (c_size_t, []),
    "vault_name_max": (c_size_t, []),
    "vault_record_max": (c_size_t, []),
    "vault_org_kind_name": (c_char_p, [c_int]),
    "vault_org_kind_parse": (_st, [c_char_p, POINTER(c_int)]),
    "vault_role_name": (c_char_p, [c_int]),
    "vault_role_parse": (_st, [c_char_p, POINTER(c_int)]),
    "vault_case_kind_name": (c_char_p, [c_int]),
    "vault_case_kind_parse": (_st, [c_char_p, POINTER(c_int)]),
    "vault_class_name": (c_char_p, [c_int]),
    "vault_classes_parse": (_st, [c_char_p, POINTER(c_uint)]),
    "vault_perm_name": (c_char_p, [c_int]),
    "vault_perm_parse": (_st, [c_char_p, POINTER(c_int)]),
    "vault_purpose_name": (c_char_p, [c_int]),
    "vault_purpose_parse": (_st, [c_char_p, POINTER(c_int)]),
    "vault_basis_name": (c_char_p, [c_int]),
    "vault_basis_parse": (_st, [c_char_p, POINTER(c_int)]),
    "vault_outcome_name": (c_char_p, [c_int]),
    "vault_outcome_parse": (_st, [c_char_p, POINTER(c_int)]),
    "vault_kdf_name": (c_char_p, [c_int]),
    "vault_kdf_parse": (_st, [c_char_p, POINTER(c_int)]),
    "vault_scopes_parse": (_st, [c_char_p, POINTER(c_uint)]),
    "vault_create_options_init": (_st, [POINTER(CreateOptions), c_uint]),
    "vault_open_options_init": (_st, [POINTER(OpenOptions), c_uint]),
    "vault_create": (
        _st,
        [c_char_p, c_char_p, _ub, c_size_t, POINTER(CreateOptions), POINTER(_vp)],
    ),
    "vault_open": (
        _st,
        [c_char_p, c_char_p, _ub, c_size_t, POINTER(OpenOptions), POINTER(_vp)],
    ),
    "vault_close": (None, [_vp]),
    "vault_errmsg": (c_char_p, [_vp]),
    "vault_set_purpose": (_st, [_vp, c_int]),
    "vault_whoami": (c_char_p, [_vp, POINTER(c_char_p), POINTER(c_int)]),
    "vault_passwd": (_st, [_vp, _ub, c_size_t, c_int]),
    "vault_id": (_st, [_vp, c_char_p]),
    "vault_begin": (_st, [_vp]),
    "vault_commit": (_st, [_vp]),
    "vault_rollback": (_st, [_vp]),
    "vault_org_add": (
        _st,
        [_vp, c_char_p, c_char_p, c_int, c_char_p, _ub, c_size_t, c_int],
    ),
    "vault_org_foreach": (_st, [_vp, ORG_CB, c_void_p]),
    "vault_user_add": (_st, [_vp, c_char_p, c_char_p, c_int, _ub, c_size_t, c_int]),
    "vault_user_foreach": (_st, [_vp, USER_CB, c_void_p]),
    "vault_user_disable": (_st, [_vp, c_char_p]),
    "vault_user_must_change": (_st, [_vp, c_char_p, POINTER(c_int)]),
    "vault_case_create": (_st, [_vp, c_int, c_uint, c_char_p]),
    "vault_case_foreach": (_st, [_vp, CASE_CB, c_void_p]),
    "vault_case_show": (_st, [_vp, c_char_p, CASE_CB, c_void_p]),
    "vault_case_foreach_restricted": (_st, [_vp, CASE_CB, c_void_p]),
    "vault_record_put": (
        _st,
        [_vp, c_char_p, c_char_p, c_int, c_void_p, c_size_t, POINTER(c_uint32)],
    ),
    "vault_record_get": (
        _st,
        [_vp, c_char_p, c_char_p, c_uint32, POINTER(VaultBuf), RECORD_CB, c_void_p],
    ),
    "vault_record_foreach": (_st, [_vp, c_char_p, RECORD_CB, c_void_p]),
    "vault_record_history": (_st, [_vp, c_char_p, c_char_p, RECORD_CB, c_void_p]),
    "vault_record_delete": (_st, [_vp, c_char_p, c_char_p, POINTER(c_uint32)]),
    "vault_record_get_v2": (
        _st,
        [_vp, c_char_p, c_char_p, c_uint, c_uint32, POINTER(VaultBuf), RECORD_CB, c_void_p],
    ),
    "vault_record_delete_v2": (_st, [_vp, c_char_p, c_char_p, c_uint, POINTER(c_uint32)]),
    "vault_record_history_v2": (
        _st, [_vp, c_char_p, c_char_p, c_uint, RECORD_CB, c_void_p]),
    "vault_record_redact": (_st, [_vp, c_char_p, c_char_p, c_uint, c_uint32, c_char_p]),
    "vault_record_reclassify": (
        _st, [_vp, c_char_p, c_char_p, c_uint, c_uint, c_char_p, POINTER(c_uint32)]),
    "vault_consent_options_init": (_st, [POINTER(ConsentOptions), c_uint]),
    "vault_consent_add": (_st, [_vp, c_char_p, POINTER(ConsentOptions), c_char_p]),
    "vault_consent_foreach": (_st, [_vp, c_char_p, CONSENT_CB, c_void_p]),
    "vault_consent_withdraw": (_st, [_vp, c_char_p]),
    "vault_share_options_init": (_st, [POINTER(ShareOptions), c_uint]),
    "vault_share": (
        _st,
        [_vp, c_char_p, c_int, c_char_p, c_uint, POINTER(ShareOptions)],
    ),
    "vault_revoke": (_st, [_vp, c_char_p, c_int, c_char_p]),
    "vault_grant_foreach": (_st, [_vp, c_char_p, GRANT_CB, c_void_p]),
    "vault_case_link": (_st, [_vp, c_char_p, c_char_p]),
    "vault_case_links": (_st, [_vp, c_char_p, LINK_CB, c_void_p]),
    "vault_break_glass": (_st, [_vp, c_char_p, c_char_p, c_int64]),
    "vault_audit_query_init": (_st, [POINTER(AuditQuery), c_uint]),
    "vault_audit_foreach": (_st, [_vp, POINTER(AuditQuery), AUDIT_CB, c_void_p]),
    "vault_audit_export": (_st, [_vp, c_char_p, PROGRESS_CB, c_void_p]),
    "vault_audit_checkpoint": (_st, [_vp, POINTER(VaultBuf)]),
    "vault_verify_result_init": (_st, [POINTER(VerifyResult), c_uint]),
    "vault_audit_verify": (
        _st,
        [_vp, c_char_p, POINTER(VerifyResult), PROGRESS_CB, c_void_p],
    ),
    "vault_audit_verify_export": (
        _st,
        [c_char_p, c_char_p, c_char_p, POINTER(VerifyResult), PROGRESS_CB, c_void_p],
    ),
    "vault_audit_vkey": (_st, [_vp, c_char_p, POINTER(VaultBuf)]),
    "vault_audit_prove_inclusion": (_st, [_vp, c_uint64, c_char_p, POINTER(VaultBuf)]),
    "vault_audit_prove_consistency": (_st, [_vp, c_char_p, c_char_p, POINTER(VaultBuf)]),
    "vault_audit_check_proof": (
        _st,
        [c_char_p, POINTER(c_char_p), c_size_t, POINTER(VerifyResult)],
    ),
    "vault_audit_cosign": (_st, [_vp, c_char_p, POINTER(VaultBuf)]),
    "vault_report_options_init": (_st, [POINTER(ReportOptions), c_uint]),
    "vault_report_access": (
        _st, [_vp, c_char_p, POINTER(ReportOptions), POINTER(VaultBuf)]),
    "vault_report_review": (
        _st, [_vp, c_char_p, POINTER(ReportOptions), POINTER(VaultBuf)]),
    # statistics without reading a case (@since 1.1.0)
    "vault_indicators_vocabulary": (_st, [POINTER(VaultBuf)]),
    "vault_case_indicators_set": (_st, [_vp, c_char_p, POINTER(c_char_p), c_size_t]),
    "vault_case_indicators_get": (_st, [_vp, c_char_p, POINTER(VaultBuf)]),
    "vault_stats_options_init": (_st, [POINTER(StatsOptions), c_uint]),
    "vault_stats_export": (_st, [_vp, POINTER(StatsOptions), POINTER(VaultBuf)]),
    "vault_stats_combine": (
        _st,
        [POINTER(c_char_p), c_size_t, POINTER(c_char_p), c_size_t, c_int, POINTER(VaultBuf)],
    ),
}


class LibraryNotFound(ImportError):
    """libvault.so.1 could not be found or loaded."""


def candidates() -> List[str]:
    """Where the binding looks for the library, in order.

    1. ``$LIBVAULT_PATH`` (a file path), if set: it is the only candidate.
    2. The build tree, when the package is used from a libvault checkout
       (``<repo>/build/libvault.so.1``).
    3. The system's search path (``ctypes.util.find_library("vault")``, then
       ``libvault.so.1``).
    """
    explicit = os.environ.get("LIBVAULT_PATH")
    if explicit:
        return [explicit]
    out: List[str] = []
    # <repo>/bindings/python/libvault/_lib.py -> <repo>/build/libvault.so.1
    repo = Path(__file__).resolve().parents[3]
    built = repo / "build" / "libvault.so.1"
    if built.exists():
        out.append(str(built))
    found = ctypes.util.find_library("vault")
    if found:
        out.append(found)
    out.append("libvault.so.1")
    return out


def _declare(lib: ctypes.CDLL) -> None:
    for name, (restype, argtypes) in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


_lock = threading.Lock()
_loaded: Optional[ctypes.CDLL] = None
_loaded_path: Optional[str] = None


def load() -> ctypes.CDLL:
    """Return the loaded library, loading it on first use."""
    global _loaded, _loaded_path
    if _loaded is not None:
        return _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        errors = []
        for cand in candidates():
            try:
                lib = ctypes.CDLL(cand)
            except OSError as e:
                errors.append(f"{cand}: {e}")
                continue
            try:
                _declare(lib)
            except AttributeError as e:
                raise LibraryNotFound(
                    f"{cand} is not a compatible libvault: {e}"
                ) from None
            major = lib.vault_version_number() // 10000
            if major != ABI_MAJOR:
                raise LibraryNotFound(
                    f"{cand} is libvault {lib.vault_version_string().decode()}, "
                    f"this binding needs major version {ABI_MAJOR}"
                )
            _loaded, _loaded_path = lib, cand
            return lib
        raise LibraryNotFound(
            "cannot load libvault.so.1 (set LIBVAULT_PATH to its path): "
            + "; ".join(errors)
        )


def loaded_path() -> Optional[str]:
    """The path or name the library was loaded from, or None before loading."""
    return _loaded_path
