"""The Vault and Case objects: a Pythonic layer over the libvault C ABI."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import threading
from ctypes import byref, c_char, c_char_p, c_int, c_ubyte, c_uint, c_uint32, c_void_p
from datetime import datetime, timedelta
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Tuple,
    TypeVar,
    Union,
)

from . import _lib
from .errors import StateError, InvalidArgument, IntegrityError, Status, make_error
from .types import (
    KDF,
    Lang,
    ReportFormat,
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
    _enum_or_int,
)

#: What a passphrase may be given as.  ``bytearray`` lets the caller wipe
#: their own copy afterwards; a ``str`` is encoded to UTF-8.
Passphrase = Union[str, bytes, bytearray, memoryview]
PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
Timestamp = Union[int, float, datetime]
ProgressFn = Callable[[int, int], Any]

T = TypeVar("T")


# --------------------------------------------------------------------------
# Conversions
# --------------------------------------------------------------------------


def _text(value: Optional[str], what: str) -> Optional[bytes]:
    """str -> UTF-8 bytes for a C string; refuses embedded NULs (which C would
    silently cut)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, str):
        raw = value.encode("utf-8")
    else:
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    if b"\0" in raw:
        raise InvalidArgument(f"{what} contains a NUL character", Status.ERR_INVALID)
    return raw


def _path(value: PathLike) -> bytes:
    raw = os.fsencode(value)
    if b"\0" in raw:
        raise InvalidArgument("path contains a NUL character", Status.ERR_INVALID)
    return raw


def _str(raw: Optional[bytes]) -> Optional[str]:
    return None if raw is None else raw.decode("utf-8", "replace")


def _s(raw: Optional[bytes]) -> str:
    return "" if raw is None else raw.decode("utf-8", "replace")


def _ts(value: Optional[Timestamp]) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return int(value.timestamp())
    return int(value)


def _seconds(value: Union[int, float, timedelta]) -> int:
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value)


def _parse(value: Any, enum_cls: type, parser: str, what: str) -> int:
    """An enum member, its int value, or its canonical name ("reception-centre",
    parsed by the library) -> int."""
    if isinstance(value, enum_cls):
        return int(value)
    if isinstance(value, str):
        out = c_int()
        st = getattr(_lib.load(), parser)(_text(value, what), byref(out))
        if st != 0:
            raise InvalidArgument(f"unknown {what}: {value!r}", st)
        return out.value
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise TypeError(f"{what} must be {enum_cls.__name__}, str or int")


def _named(value: Any, enum_cls: type, what: str) -> int:
    """An enum member, its value, or its lower-case member name ("html")."""
    if isinstance(value, enum_cls):
        return int(value)
    if isinstance(value, str):
        try:
            return int(enum_cls[value.upper()])
        except KeyError:
            raise InvalidArgument(f"unknown {what}: {value!r}", Status.ERR_INVALID) from None
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise TypeError(f"{what} must be {enum_cls.__name__}, str or int")


def _classes(value: Any) -> int:
    """Class flags, "general,safety", or an iterable of names/flags -> bits."""
    if isinstance(value, str):
        out = c_uint()
        st = _lib.load().vault_classes_parse(_text(value, "classes"), byref(out))
        if st != 0:
            raise InvalidArgument(f"unknown class: {value!r}", st)
        return out.value
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, Iterable):
        bits = 0
        for item in value:
            bits |= _classes(item)
        return bits
    raise TypeError("classes must be Class, str, int or an iterable of them")


def _one_class(value: Any) -> int:
    """One class (Class, name or flag), or None for 0: "the one you read"."""
    if value is None:
        return 0
    bits = _classes(value)
    if bits not in (1, 2, 4):
        raise InvalidArgument(f"one class expected, got {value!r}", -1)
    return bits


def _kdf(value: Union[KDF, str, int]) -> int:
    """KDF member, int, or a name the library parses ("interactive", ...)."""
    return _parse(value, KDF, "vault_kdf_parse", "kdf level")


def _scopes(value: Any) -> int:
    """Scope flags, "services,sharing", or an iterable of them -> bits."""
    if isinstance(value, str):
        out = c_uint()
        st = _lib.load().vault_scopes_parse(_text(value, "scope"), byref(out))
        if st != 0:
            raise InvalidArgument(f"unknown scope: {value!r}", st)
        return out.value
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, Iterable):
        bits = 0
        for item in value:
            bits |= _scopes(item)
        return bits
    raise TypeError("scope must be Scope, str, int or an iterable of them")


def _case_id(case: Union["Case", str]) -> bytes:
    if isinstance(case, Case):
        return case.id.encode()
    return _text(case, "case id")  # type: ignore[return-value]


class _Secret:
    """A ctypes copy of a passphrase, zeroed with ctypes.memset on exit.

    The binding never keeps a passphrase beyond the call.  What it cannot wipe:
    the caller's own object, and, for a ``str``, the immutable UTF-8 bytes
    Python makes while encoding it.  Pass a ``bytearray`` and clear it
    yourself for the tightest handling.
    """

    def __init__(self, value: Passphrase) -> None:
        if isinstance(value, str):
            src: Any = value.encode("utf-8")
        elif isinstance(value, (bytes, bytearray)):
            src = value
        elif isinstance(value, memoryview):
            src = value if (value.contiguous and not value.readonly) else value.tobytes()
        else:
            raise TypeError("passphrase must be str, bytes, bytearray or memoryview")
        n = memoryview(src).nbytes
        self.len = n
        self.buf = (c_ubyte * max(n, 1))()
        if n:
            if isinstance(src, bytes):
                ctypes.memmove(self.buf, src, n)
            else:
                view = (c_char * n).from_buffer(src)
                ctypes.memmove(self.buf, view, n)
                del view
        del src

    def __enter__(self) -> "_Secret":
        return self

    def __exit__(self, *exc: object) -> None:
        self.wipe()

    def wipe(self) -> None:
        ctypes.memset(self.buf, 0, ctypes.sizeof(self.buf))


class _Collector:
    """A callback for the *_foreach functions: copies each item out while the
    C pointers are valid, and carries an exception raised inside it across
    the C frame (returning non-zero stops the iteration)."""

    def __init__(self, proto: Any, convert: Callable[[Any], T]) -> None:
        self.items: List[T] = []
        self.error: Optional[BaseException] = None
        self._convert = convert

        def call(ptr: Any, ctx: Any) -> int:
            try:
                self.items.append(convert(ptr.contents if hasattr(ptr, "contents") else ptr))
                return 0
            except BaseException as e:  # noqa: BLE001 - re-raised after the call
                self.error = e
                return 1

        self.cfunc = proto(call)


class _Progress:
    def __init__(self, fn: Optional[ProgressFn]) -> None:
        self.error: Optional[BaseException] = None
        if fn is None:
            self.cfunc = _lib.PROGRESS_CB()  # NULL
            return

        def call(done: int, total: int, ctx: Any) -> int:
            try:
                fn(done, total)
                return 0
            except BaseException as e:  # noqa: BLE001
                self.error = e
                return 1

        self.cfunc = _lib.PROGRESS_CB(call)


def _serialized(method: Callable[..., T]) -> Callable[..., T]:
    """Run a method with its vault's lock held.  ctypes releases the GIL
    during C calls, and a vault handle must be used by one thread at a time;
    the lock also keeps a failure and its vault_errmsg() together."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> T:
        vault = self if isinstance(self, Vault) else self.vault
        with vault._lock:
            return method(self, *args, **kwargs)

    return wrapper


def _verify_result(res: _lib.VerifyResult) -> VerifyResult:
    return VerifyResult(
        entries=res.entries, bad_seq=res.bad_seq, reason=_s(res.reason),
        checkpoint_kind=res.checkpoint_kind, tree_size=res.tree_size,
    )


def _new_verify_result() -> _lib.VerifyResult:
    res = _lib.VerifyResult()
    st = _lib.load().vault_verify_result_init(byref(res), _lib.VERIFY_RESULT_VERSION)
    if st != 0:
        raise make_error(st, "vault_verify_result_init failed")
    return res


def _last_error(st: int) -> Exception:
    lib = _lib.load()
    msg = _s(lib.vault_last_errmsg()) or _s(lib.vault_strerror(st))
    return make_error(st, msg)


def library_version() -> str:
    """The version of the loaded libvault, "MAJOR.MINOR.PATCH"."""
    return _s(_lib.load().vault_version_string())


def library_version_number() -> int:
    """The version of the loaded libvault as MAJOR*10000 + MINOR*100 + PATCH."""
    return int(_lib.load().vault_version_number())


def strerror(status: int) -> str:
    """The library's short text for a status."""
    return _s(_lib.load().vault_strerror(int(status)))


def verify_export(
    path: PathLike,
    vault_id: str,
    checkpoint: Optional[str] = None,
    progress: Optional[ProgressFn] = None,
) -> VerifyResult:
    """Verify an exported audit log offline: no vault, key or passphrase.

    ``vault_id`` is the hex id the auditor pinned; ``checkpoint`` the text of
    a checkpoint the auditor kept (without one, entries cut off the end
    cannot be detected).  Returns the :class:`VerifyResult`; raises
    :class:`IntegrityError` (with ``.result``) when the log was changed,
    reordered, cut or forked.
    """
    lib = _lib.load()
    res = _new_verify_result()
    prog = _Progress(progress)
    st = lib.vault_audit_verify_export(
        _path(path), _text(vault_id, "vault id"), _text(checkpoint, "checkpoint"),
        byref(res), prog.cfunc, None,
    )
    if prog.error is not None:
        raise prog.error
    result = _verify_result(res)
    if st != 0:
        err = _last_error(st)
        if isinstance(err, IntegrityError):
            err.result = result
            if not err.message and result.reason:
                err.message = result.reason
        raise err
    return result


def check_proof(proof: str, vkeys: "List[str]") -> VerifyResult:
    """Check an inclusion or consistency proof (:meth:`Vault.audit_prove_inclusion`,
    :meth:`Vault.audit_prove_consistency`) offline, with the verifier keys
    you trust (:meth:`Vault.audit_vkey`): no vault, key or passphrase.
    Raises :class:`IntegrityError` (with ``.result``) when it does not hold,
    :class:`InvalidArgument` when the proof or a key is malformed."""
    lib = _lib.load()
    keys = [_text(k, "verifier key") for k in vkeys]
    arr = (c_char_p * max(len(keys), 1))(*keys)
    res = _new_verify_result()
    st = lib.vault_audit_check_proof(_text(proof, "proof"), arr, len(keys), byref(res))
    result = _verify_result(res)
    if st != 0:
        err = _last_error(st)
        if isinstance(err, IntegrityError):
            err.result = result
        raise err
    return result


# --------------------------------------------------------------------------
# Vault
# --------------------------------------------------------------------------


class Vault:
    """An open vault, unlocked by one user.

    Get one with :meth:`Vault.open` or :meth:`Vault.create` and use it as a
    context manager (or call :meth:`close`).  A Vault is used by one thread
    at a time; open one per thread to work in parallel.
    """

    def __init__(self, handle: c_void_p) -> None:
        """Private: use :meth:`open` or :meth:`create`."""
        self._h: Optional[c_void_p] = handle
        self._lib = _lib.load()
        self._lock = threading.RLock()

    # -- lifecycle -------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: PathLike,
        admin: str,
        passphrase: Passphrase,
        *,
        kdf: Union[KDF, str, int] = KDF.DEFAULT,
    ) -> "Vault":
        """Create a vault in directory ``path`` with its first administrator
        and return it open as that administrator.

        Raises :class:`AlreadyExists` if a vault is there, :class:`InvalidArgument`
        for a bad name or passphrase, :class:`VaultIOError` if the directory
        cannot be made.
        """
        lib = _lib.load()
        opts = _lib.CreateOptions()
        st = lib.vault_create_options_init(byref(opts), _lib.CREATE_OPTIONS_VERSION)
        if st != 0:
            raise _last_error(st)
        opts.kdf = _kdf(kdf)
        h = c_void_p()
        with _Secret(passphrase) as secret:
            st = lib.vault_create(
                _path(path), _text(admin, "admin"), secret.buf, secret.len,
                byref(opts), byref(h),
            )
        if st != 0:
            raise _last_error(st)
        return cls(h)

    @classmethod
    def open(
        cls,
        path: PathLike,
        user: str,
        passphrase: Passphrase,
        *,
        purpose: Union[Purpose, str, int, None] = None,
        busy_timeout_ms: int = 0,
        state_dir: Optional[PathLike] = None,
    ) -> "Vault":
        """Unlock the vault at ``path`` as ``user``.

        ``purpose`` (default casework) is recorded with every access.
        ``busy_timeout_ms``: 0 means 5 s, negative means do not wait.
        ``state_dir`` (@since 1.1.0): a folder of your own outside the vault
        where the library keeps the newest state of the audit log you saw;
        opening then fails with :class:`IntegrityError` if the log was cut,
        rolled back or rewritten below it.
        Raises :class:`AuthError` for an unknown user or a wrong passphrase
        (deliberately indistinguishable), :class:`NotFound` if there is no
        vault at ``path``.
        """
        lib = _lib.load()
        opts = _lib.OpenOptions()
        st = lib.vault_open_options_init(byref(opts), _lib.OPEN_OPTIONS_VERSION)
        if st != 0:
            raise _last_error(st)
        if purpose is not None:
            opts.purpose = _parse(purpose, Purpose, "vault_purpose_parse", "purpose")
        opts.busy_timeout_ms = int(busy_timeout_ms)
        state = _path(state_dir) if state_dir is not None else None
        opts.state_dir = state
        h = c_void_p()
        with _Secret(passphrase) as secret:
            st = lib.vault_open(
                _path(path), _text(user, "user"), secret.buf, secret.len,
                byref(opts), byref(h),
            )
        if st != 0:
            raise _last_error(st)
        return cls(h)

    @_serialized
    def close(self) -> None:
        """Roll back any open transaction, wipe the keys and close.
        Idempotent."""
        h, self._h = self._h, None
        if h:
            self._lib.vault_close(h)

    @property
    def closed(self) -> bool:
        return not self._h

    def __enter__(self) -> "Vault":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if getattr(self, "_h", None):
                self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def __repr__(self) -> str:
        if self.closed:
            return "<Vault closed>"
        who = self.whoami()
        return f"<Vault {who.name} ({who.role.name.lower() if isinstance(who.role, Role) else who.role})>"

    # -- plumbing ---------------------------------------------------------

    @property
    def _handle(self) -> c_void_p:
        if not self._h:
            raise StateError("the vault is closed", Status.ERR_STATE)
        return self._h

    def _check(self, st: int) -> None:
        if st != 0:
            msg = _s(self._lib.vault_errmsg(self._h)) or _s(self._lib.vault_strerror(st))
            raise make_error(st, msg)

    def _call(self, name: str, *args: Any) -> None:
        h = self._handle
        self._check(getattr(self._lib, name)(h, *args))

    def _foreach(self, name: str, proto: Any, convert: Callable[[Any], T],
                 *args: Any) -> List[T]:
        h = self._handle
        col = _Collector(proto, convert)
        st = getattr(self._lib, name)(h, *args, col.cfunc, None)
        if col.error is not None:
            raise col.error
        if st < 0:
            self._check(st)
        return col.items

    # -- identity and session -------------------------------------------

    @_serialized
    def whoami(self) -> Identity:
        """The unlocked user's name, organisation and role."""
        org = c_char_p()
        role = c_int()
        name = self._lib.vault_whoami(self._handle, byref(org), byref(role))
        return Identity(_s(name), _str(org.value), _enum_or_int(Role, role.value))

    @property
    @_serialized
    def id(self) -> str:
        """The vault id (hex hash of the first audit entry) that auditors pin."""
        buf = ctypes.create_string_buffer(int(self._lib.vault_vault_id_bufsize()))
        self._call("vault_id", buf)
        return buf.value.decode()

    @_serialized
    def set_purpose(self, purpose: Union[Purpose, str, int]) -> None:
        """Change the purpose recorded with the following accesses."""
        self._call("vault_set_purpose", _parse(purpose, Purpose, "vault_purpose_parse", "purpose"))

    @_serialized
    def passwd(self, new_passphrase: Passphrase,
               kdf: Union[KDF, str, int] = KDF.DEFAULT) -> None:
        """Re-seal your key slot under a new passphrase (and KDF level), with
        new keys.  A first passphrase (chosen by whoever added you) must be
        changed before anything else (PasswordExpired).  Raises
        WeakPassphrase for the old passphrase or an easy one."""
        h = self._handle
        with _Secret(new_passphrase) as secret:
            st = self._lib.vault_passwd(h, secret.buf, secret.len, _kdf(kdf))
        self._check(st)

    @_serialized
    def begin(self) -> None:
        """Start a transaction that groups the following operations."""
        self._call("vault_begin")

    @_serialized
    def commit(self) -> None:
        """Commit the transaction started by :meth:`begin`."""
        self._call("vault_commit")

    @_serialized
    def rollback(self) -> None:
        """Undo everything since :meth:`begin`, audit entries included."""
        self._call("vault_rollback")

    @contextlib.contextmanager
    def transaction(self) -> Iterator["Vault"]:
        """``with v.transaction():`` commits on success, rolls back on error."""
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.commit()

    # -- organisations and users ----------------------------------------

    @_serialized
    def org_add(
        self,
        org_id: str,
        name: str,
        kind: Union[OrgKind, str, int],
        supervisor: str,
        supervisor_passphrase: Passphrase,
        *,
        kdf: Union[KDF, str, int] = KDF.DEFAULT,
    ) -> None:
        """Add an organisation and its first supervisor (admins only).

        The organisation's keys are sealed to the supervisor alone: the
        admin cannot read its cases afterwards.
        """
        h = self._handle
        k = _parse(kind, OrgKind, "vault_org_kind_parse", "organisation kind")
        with _Secret(supervisor_passphrase) as secret:
            st = self._lib.vault_org_add(
                h, _text(org_id, "organisation id"), _text(name, "name"), k,
                _text(supervisor, "supervisor"), secret.buf, secret.len, _kdf(kdf),
            )
        self._check(st)

    @_serialized
    def orgs(self) -> List[Org]:
        """Every organisation, ordered by id."""
        return self._foreach(
            "vault_org_foreach", _lib.ORG_CB,
            lambda i: Org(_s(i.id), _s(i.name), _enum_or_int(OrgKind, i.kind), i.created),
        )

    @_serialized
    def user_add(
        self,
        name: str,
        role: Union[Role, str, int],
        passphrase: Passphrase,
        *,
        org: Optional[str] = None,
        kdf: Union[KDF, str, int] = KDF.DEFAULT,
    ) -> None:
        """Add a user with a key slot.  Admins add admins and auditors;
        supervisors add caseworkers and supervisors to their organisation."""
        h = self._handle
        r = _parse(role, Role, "vault_role_parse", "role")
        with _Secret(passphrase) as secret:
            st = self._lib.vault_user_add(
                h, _text(name, "name"), _text(org, "organisation"), r,
                secret.buf, secret.len, _kdf(kdf),
            )
        self._check(st)

    @_serialized
    def users(self) -> List[User]:
        """Every user, ordered by name."""
        return self._foreach(
            "vault_user_foreach", _lib.USER_CB,
            lambda i: User(_s(i.name), _str(i.org), _enum_or_int(Role, i.role),
                           bool(i.disabled), i.created),
        )

    @_serialized
    def user_must_change(self, name: str) -> bool:
        """True if ``name`` has not yet changed the first passphrase that
        someone else chose (until then her calls raise PasswordExpired)."""
        out = ctypes.c_int(0)
        self._call("vault_user_must_change", _text(name, "name"), ctypes.byref(out))
        return bool(out.value)

    @_serialized
    def user_disable(self, name: str) -> None:
        """Disable a user, removing their slot and rotating the keys they had.

        An admin makes no key: his disable of a member of an organisation
        rotates only the database key and marks the organisation's keys
        owed; the next open by one of its supervisors makes them.  Until
        then its members' writes that need a new key raise StateError."""
        self._call("vault_user_disable", _text(name, "name"))

    # -- cases ------------------------------------------------------------

    @_serialized
    def case_create(self, kind: Union[CaseKind, str, int], *,
                    restricted: bool = False) -> "Case":
        """Open a new case owned by your organisation and return it."""
        k = _parse(kind, CaseKind, "vault_case_kind_parse", "case kind")
        buf = ctypes.create_string_buffer(int(self._lib.vault_id_bufsize()))
        self._call("vault_case_create", k, 1 if restricted else 0, buf)
        return Case(self, buf.value.decode())

    def case(self, case_id: str) -> "Case":
        """The case with this id (no library call: errors come on use)."""
        _text(case_id, "case id")
        return Case(self, case_id)

    @_serialized
    def cases(self) -> List[CaseInfo]:
        """Metadata of every case you can read at least one class of."""
        return self._foreach("vault_case_foreach", _lib.CASE_CB, _case_info)

    @_serialized
    def restricted_cases(self) -> List[CaseInfo]:
        """Metadata of every restricted case of your organisation, whoever
        holds it (supervisors only; audited).  To hand over the case of a
        caseworker who left: ``break_glass`` on it, then ``share`` it with a
        colleague."""
        return self._foreach("vault_case_foreach_restricted", _lib.CASE_CB, _case_info)

    @_serialized
    def consent_withdraw(self, consent_id: str) -> None:
        """Withdraw a consent and revoke every grant resting on it."""
        self._call("vault_consent_withdraw", _text(consent_id, "consent id"))

    # -- audit ------------------------------------------------------------

    @_serialized
    def audit(
        self,
        *,
        case: Union["Case", str, None] = None,
        actor: Optional[str] = None,
        org: Optional[str] = None,
        action: Optional[str] = None,
        outcome: Union[Outcome, str, int, None] = None,
        since: Optional[Timestamp] = None,
        until: Optional[Timestamp] = None,
        high_only: bool = False,
        after_seq: int = 0,
        limit: int = 0,
    ) -> Iterator[AuditEntry]:
        """Iterate over the audit entries that match every given filter, in
        sequence order.  Auditors and admins see the whole log, other users
        their own entries.  The query runs (and is itself recorded) when this
        is called; for paging use ``after_seq`` and ``limit``.
        """
        h = self._handle
        q = _lib.AuditQuery()
        st = self._lib.vault_audit_query_init(byref(q), _lib.AUDIT_QUERY_VERSION)
        self._check(st)
        # keep the encoded strings alive for the call
        keep = {
            "case_id": None if case is None else _case_id(case),
            "actor": _text(actor, "actor"),
            "org": _text(org, "org"),
            "action": _text(action, "action"),
        }
        for field, value in keep.items():
            setattr(q, field, value)
        if outcome is not None:
            q.outcome = _parse(outcome, Outcome, "vault_outcome_parse", "outcome")
        q.since = _ts(since)
        q.until = _ts(until)
        q.high_only = 1 if high_only else 0
        q.after_seq = int(after_seq)
        q.limit = int(limit)
        col = _Collector(_lib.AUDIT_CB, _audit_entry)
        st = self._lib.vault_audit_foreach(h, byref(q), col.cfunc, None)
        del keep
        if col.error is not None:
            raise col.error
        if st < 0:
            self._check(st)
        return iter(col.items)

    @_serialized
    def audit_export(self, path: PathLike,
                     progress: Optional[ProgressFn] = None) -> None:
        """Write the whole log to ``path`` as JSON Lines (auditors, admins).
        ``progress(done, total)`` is called now and then; raise from it to
        stop.  To verify the export against a checkpoint, take the
        checkpoint first: an export holds the log as it was when written."""
        h = self._handle
        prog = _Progress(progress)
        st = self._lib.vault_audit_export(h, _path(path), prog.cfunc, None)
        if prog.error is not None:
            raise prog.error
        self._check(st)

    @_serialized
    def audit_checkpoint(self) -> str:
        """A signed checkpoint of the log as it is now (signed-note text)."""
        h = self._handle
        buf = _lib.VaultBuf()
        try:
            st = self._lib.vault_audit_checkpoint(h, byref(buf))
            self._check(st)
            return ctypes.string_at(buf.data, buf.len).decode("utf-8") if buf.len else ""
        finally:
            self._lib.vault_buf_free(byref(buf))

    def _buf_call(self, fn: Any, *args: Any) -> str:
        buf = _lib.VaultBuf()
        try:
            self._check(fn(self._handle, *args, byref(buf)))
            return ctypes.string_at(buf.data, buf.len).decode("utf-8") if buf.len else ""
        finally:
            self._lib.vault_buf_free(byref(buf))

    @_serialized
    def audit_vkey(self, user: Optional[str] = None) -> str:
        """The signed-note verifier key ``name+hash+base64(0x01||key)`` of a
        user's audit signing key (default: yours, from your key slot)."""
        return self._buf_call(self._lib.vault_audit_vkey, _text(user, "user"))

    @_serialized
    def audit_prove_inclusion(self, seq: int, checkpoint: Optional[str] = None) -> str:
        """An inclusion proof (JSON) of entry ``seq`` against ``checkpoint``
        (default: a new checkpoint you sign)."""
        return self._buf_call(self._lib.vault_audit_prove_inclusion, int(seq),
                              _text(checkpoint, "checkpoint"))

    @_serialized
    def audit_prove_consistency(self, old_checkpoint: str,
                                checkpoint: Optional[str] = None) -> str:
        """A consistency proof (JSON) that the log of ``old_checkpoint`` is a
        prefix of that of ``checkpoint`` (default: a new one you sign)."""
        return self._buf_call(self._lib.vault_audit_prove_consistency,
                              _text(old_checkpoint, "old checkpoint"),
                              _text(checkpoint, "checkpoint"))

    @_serialized
    def audit_cosign(self, checkpoint: str) -> str:
        """Add your signature to a checkpoint of this vault's log, as a
        witness, after checking it against the log (signed-note text)."""
        return self._buf_call(self._lib.vault_audit_cosign, _text(checkpoint, "checkpoint"))

    @_serialized
    def audit_verify(self, checkpoint: Optional[str] = None,
                     progress: Optional[ProgressFn] = None) -> VerifyResult:
        """Verify the whole log in the vault (and, given a checkpoint, that
        the log extends it).  Raises :class:`IntegrityError` with ``.result``
        naming the first bad entry."""
        h = self._handle
        res = _new_verify_result()
        prog = _Progress(progress)
        st = self._lib.vault_audit_verify(
            h, _text(checkpoint, "checkpoint"), byref(res), prog.cfunc, None
        )
        if prog.error is not None:
            raise prog.error
        result = _verify_result(res)
        try:
            self._check(st)
        except IntegrityError as e:
            e.result = result
            raise
        return result

    # -- statistics (@since 1.1.0) ----------------------------------------

    @_serialized
    def stats_export(self, since: Union[int, float, datetime],
                     until: Union[int, float, datetime], k: int = 0) -> str:
        """Export the signed, suppressed statistics of your organisation's
        cases created in [since, until) whose consent covers statistics
        (supervisors; audited).  ``k``: counts below it are suppressed (0:
        5; at least 3).  Returns the signed note; :func:`stats_combine`
        reads it."""
        opts = _lib.StatsOptions()
        self._check(self._lib.vault_stats_options_init(byref(opts),
                                                       _lib.STATS_OPTIONS_VERSION))
        opts.since = _stats_time(since)
        opts.until = _stats_time(until)
        opts.k = int(k)
        return self._buf_call(self._lib.vault_stats_export, byref(opts))


    # -- reports (@since 1.1.0) ------------------------------------------------

    def _report(self, fn: Any, subject: bytes, format: Union[ReportFormat, str, int],
                lang: Union[Lang, str, int], since: Optional[Timestamp],
                until: Optional[Timestamp], names: bool, utc: bool) -> str:
        o = _lib.ReportOptions()
        self._check(self._lib.vault_report_options_init(byref(o), _lib.REPORT_OPTIONS_VERSION))
        o.format = _named(format, ReportFormat, "format")
        o.lang = _named(lang, Lang, "lang")
        o.since = _ts(since)
        o.until = _ts(until)
        o.names = 1 if names else 0
        o.utc = 1 if utc else 0
        return self._buf_call(fn, subject, byref(o))

    @_serialized
    def report_access(self, case: Union["Case", str], *,
                      format: Union[ReportFormat, str, int] = ReportFormat.TEXT,
                      lang: Union[Lang, str, int] = Lang.EN,
                      since: Optional[Timestamp] = None, until: Optional[Timestamp] = None,
                      names: bool = False, utc: bool = False) -> str:
        """Her access report (``vault_report_access``): every access to the
        case recorded in the audit log, refusals and break-glass uses
        included, as ``format`` ("text", "json" or "html") in ``lang`` ("en"
        or "it").  Staff names only with ``names`` (supervisors and
        auditors).  For holders of the share right on the case, and
        auditors; the report is itself an audit entry."""
        return self._report(self._lib.vault_report_access, _case_id(case), format, lang,
                            since, until, names, utc)

    @_serialized
    def report_review(self, org: str, *,
                      format: Union[ReportFormat, str, int] = ReportFormat.TEXT,
                      lang: Union[Lang, str, int] = Lang.EN,
                      since: Optional[Timestamp] = None, until: Optional[Timestamp] = None,
                      utc: bool = False) -> str:
        """A supervisor's access review of organisation ``org``
        (``vault_report_review``): accesses from outside it, break-glass
        uses, refusals by person and class, emergency-basis consents and
        grants lapsing within 14 days.  For supervisors of ``org``, and
        auditors; recorded."""
        return self._report(self._lib.vault_report_review, _text(org, "org"), format, lang,
                            since, until, False, utc)


def _case_info(i: Any) -> CaseInfo:
    return CaseInfo(
        id=_s(i.id), kind=_enum_or_int(CaseKind, i.kind), owner_org=_s(i.owner_org),
        created_by=_s(i.created_by), created=i.created, restricted=bool(i.restricted),
        readable=Class(i.readable), writable=Class(i.writable),
    )


def _record_info(i: Any) -> RecordInfo:
    return RecordInfo(
        case_id=_s(i.case_id), name=_s(i.name), cls=_enum_or_int(Class, i.cls),
        version=i.version, created=i.created, author=_s(i.author),
        deleted=bool(i.deleted), size=i.size, redacted_by=_str(i.redacted_by),
        redacted_at=i.redacted_at, redact_reason=_str(i.redact_reason),
    )


def _consent(i: Any) -> Consent:
    return Consent(
        id=_s(i.id), case_id=_s(i.case_id), org=_s(i.org), classes=Class(i.classes),
        scope=Scope(i.scope), purpose=_s(i.purpose), basis=_enum_or_int(Basis, i.basis),
        reason=_str(i.reason), given_at=i.given_at, expires=i.expires,
        withdrawn=i.withdrawn, recorded_by=_s(i.recorded_by),
    )


def _grant(i: Any) -> Grant:
    return Grant(
        case_id=_s(i.case_id), kind=_enum_or_int(PrincipalKind, i.kind),
        principal=_s(i.principal), classes=Class(i.classes),
        perm=_enum_or_int(Perm, i.perm), consent_id=_str(i.consent_id),
        expires=i.expires, granted_by=_s(i.granted_by), created=i.created,
    )


def _audit_entry(e: Any) -> AuditEntry:
    return AuditEntry(
        seq=e.seq, ts=e.ts, actor=_s(e.actor), org=_s(e.org), role=_s(e.role),
        action=_s(e.action), case_id=_s(e.case_id), target=_s(e.target),
        cls=_s(e.cls), outcome=_enum_or_int(Outcome, e.outcome), reason=_s(e.reason),
        purpose=_s(e.purpose), newkey=_s(e.newkey), prev=_s(e.prev), hash=_s(e.hash),
        sig=_s(e.sig), key=_s(e.key), high=bool(e.high),
    )


# --------------------------------------------------------------------------
# Case
# --------------------------------------------------------------------------


class Case:
    """One case in an open :class:`Vault`: its records, consents and grants.

    A Case holds only the vault and the case id; every method is a library
    call, checked and audited there.
    """

    def __init__(self, vault: Vault, case_id: str) -> None:
        self.vault = vault
        self.id = case_id

    def __repr__(self) -> str:
        return f"<Case {self.id}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Case) and other.vault is self.vault and other.id == self.id

    def __hash__(self) -> int:
        return hash((id(self.vault), self.id))

    @property
    def _cid(self) -> bytes:
        return self.id.encode()

    @_serialized
    def info(self) -> CaseInfo:
        """The case's metadata (audited).  NotFound / AccessDenied."""
        items = self.vault._foreach("vault_case_show", _lib.CASE_CB, _case_info, self._cid)
        if not items:
            raise make_error(Status.ERR_NOT_FOUND, f"case {self.id} not shown")
        return items[0]

    # -- records ---------------------------------------------------------

    @_serialized
    def put(self, name: str, data: Union[bytes, bytearray, memoryview],
            cls: Union[Class, str, int] = "general") -> int:
        """Store ``data`` as the next version of record ``name`` in class
        ``cls``; return the new version number (from 1)."""
        h = self.vault._handle
        c = _classes(cls)
        if isinstance(data, str):
            raise TypeError("record data must be bytes; encode text first")
        if isinstance(data, bytes):
            ptr: Any = data
            n = len(data)
        else:
            mv = memoryview(data)
            if mv.contiguous and not mv.readonly:
                n = mv.nbytes
                ptr = (c_char * n).from_buffer(mv) if n else None
            else:
                ptr = mv.tobytes()
                n = len(ptr)
        ver = c_uint32()
        st = self.vault._lib.vault_record_put(
            h, self._cid, _text(name, "record name"), c, ptr, n, byref(ver)
        )
        del ptr
        self.vault._check(st)
        return ver.value

    def fetch(self, name: str, version: int = 0) -> Tuple[bytes, RecordInfo]:
        """Decrypt a record version (0: latest); return (data, metadata)."""
        return self._get(name, version, True)  # type: ignore[return-value]

    def get(self, name: str, version: int = 0,
            cls: Union[Class, str, int, None] = None) -> bytes:
        """Decrypt version ``version`` of record ``name`` (0: the latest) in
        class ``cls`` (None: the one class of that name you may read).

        A record is (case, class, name).  Raises :class:`Ambiguous` when the
        name exists in several classes you may read and ``cls`` is None,
        :class:`NotFound` for a missing, deleted or redacted version,
        :class:`AccessDenied` without a grant for its class,
        :class:`CorruptData` when authentication fails.  The plaintext is
        returned as ``bytes`` (the library's buffer is wiped and freed).
        """
        return self._get(name, version, False, cls)  # type: ignore[return-value]

    @_serialized
    def _get(self, name: str, version: int, want_info: bool,
             cls: Union[Class, str, int, None] = None) -> Any:
        v = self.vault
        h = v._handle
        lib = v._lib
        buf = _lib.VaultBuf()
        col = _Collector(_lib.RECORD_CB, _record_info) if want_info else None
        try:
            st = lib.vault_record_get_v2(
                h, self._cid, _text(name, "record name"), _one_class(cls), int(version),
                byref(buf), col.cfunc if col else _lib.RECORD_CB(), None,
            )
            if col is not None and col.error is not None:
                raise col.error
            v._check(st)
            data = ctypes.string_at(buf.data, buf.len) if buf.len else b""
        finally:
            lib.vault_buf_free(byref(buf))
        if col is not None:
            return data, (col.items[0] if col.items else None)
        return data

    @_serialized
    def records(self) -> List[RecordInfo]:
        """The latest version of each record you may read, ordered by name
        (deleted records included, with ``deleted`` set)."""
        return self.vault._foreach("vault_record_foreach", _lib.RECORD_CB, _record_info,
                                   self._cid)

    @_serialized
    def history(self, name: str,
                cls: Union[Class, str, int, None] = None) -> List[RecordInfo]:
        """Every version of one name, in class ``cls`` (None: each class
        you may read), by class then oldest first."""
        return self.vault._foreach("vault_record_history_v2", _lib.RECORD_CB, _record_info,
                                   self._cid, _text(name, "record name"), _one_class(cls))

    @_serialized
    def delete(self, name: str, cls: Union[Class, str, int, None] = None) -> int:
        """Write a tombstone version of a record; return its version."""
        ver = c_uint32()
        self.vault._call("vault_record_delete_v2", self._cid, _text(name, "record name"),
                         _one_class(cls), byref(ver))
        return ver.value

    @_serialized
    def redact(self, name: str, version: int, reason: str,
               cls: Union[Class, str, int, None] = None) -> None:
        """Remove the content of one version for good (supervisors of the
        owning organisation, with a reason of at least 20 bytes)."""
        self.vault._call("vault_record_redact", self._cid, _text(name, "record name"),
                         _one_class(cls), int(version), _text(reason, "reason"))

    @_serialized
    def reclassify(self, name: str, src: Union[Class, str, int],
                   dst: Union[Class, str, int], reason: Optional[str] = None) -> int:
        """Move a record's content from class ``src`` to ``dst``; return its
        version in ``dst``.  Up needs write on both classes, and a supervisor
        of the owning organisation for versions someone else wrote (else
        ``AccessDenied``, nothing moved); down needs that supervisor and a
        reason."""
        ver = c_uint32()
        self.vault._call("vault_record_reclassify", self._cid, _text(name, "record name"),
                         _one_class(src), _one_class(dst),
                         None if reason is None else _text(reason, "reason"), byref(ver))
        return ver.value

    # -- consent and sharing -------------------------------------------

    @_serialized
    def consent_add(
        self,
        org: str,
        classes: Union[Class, str, int, Iterable[Union[Class, str]]],
        purpose: str,
        *,
        scope: Union[Scope, str, int, Iterable[Union[Scope, str]]] = 0,
        basis: Union[Basis, str, int, None] = None,
        reason: Optional[str] = None,
        given_at: Optional[Timestamp] = None,
        expires: Optional[Timestamp] = None,
    ) -> str:
        """Record her consent to share ``classes`` of this case with ``org``
        for ``purpose``; return the consent id."""
        lib = self.vault._lib
        h = self.vault._handle
        o = _lib.ConsentOptions()
        self.vault._check(lib.vault_consent_options_init(byref(o), _lib.CONSENT_OPTIONS_VERSION))
        o.org = _text(org, "organisation")
        o.classes = _classes(classes)
        o.scope = _scopes(scope)
        o.purpose = _text(purpose, "purpose")
        if basis is not None:
            o.basis = _parse(basis, Basis, "vault_basis_parse", "basis")
        o.reason = _text(reason, "reason")
        o.given_at = _ts(given_at)
        o.expires = _ts(expires)
        out = ctypes.create_string_buffer(int(lib.vault_id_bufsize()))
        self.vault._check(lib.vault_consent_add(h, self._cid, byref(o), out))
        return out.value.decode()

    @_serialized
    def consents(self) -> List[Consent]:
        """Every consent recorded for this case."""
        return self.vault._foreach("vault_consent_foreach", _lib.CONSENT_CB, _consent,
                                   self._cid)

    def consent_withdraw(self, consent_id: str) -> None:
        """Withdraw a consent (and revoke the grants resting on it)."""
        self.vault.consent_withdraw(consent_id)

    @_serialized
    def share(
        self,
        principal: str,
        classes: Union[Class, str, int, Iterable[Union[Class, str]]],
        *,
        kind: Union[PrincipalKind, str, int] = PrincipalKind.ORG,
        perm: Union[Perm, str, int] = Perm.READ,
        consent_id: Optional[str] = None,
        expires: Optional[Timestamp] = None,
    ) -> None:
        """Grant an organisation (default) or a user (``kind="user"``) rights
        on ``classes`` of this case.

        Raises :class:`ConsentRequired` when a victim case would leave its
        organisation without a valid consent, :class:`AccessDenied` without
        the share right or for the safety class towards a perpetrator
        programme.  The grant ends no later than its consent, nor than your
        own share right on those classes (a later ``expires`` is cut).
        """
        lib = self.vault._lib
        h = self.vault._handle
        o = _lib.ShareOptions()
        self.vault._check(lib.vault_share_options_init(byref(o), _lib.SHARE_OPTIONS_VERSION))
        o.perm = _parse(perm, Perm, "vault_perm_parse", "permission")
        o.consent_id = _text(consent_id, "consent id")
        o.expires = _ts(expires)
        st = lib.vault_share(h, self._cid, _principal_kind(kind), _text(principal, "principal"),
                             _classes(classes), byref(o))
        self.vault._check(st)

    @_serialized
    def revoke(self, principal: str, *,
               kind: Union[PrincipalKind, str, int] = PrincipalKind.ORG) -> None:
        """Revoke every grant of a principal on this case and rotate the keys."""
        self.vault._call("vault_revoke", self._cid, _principal_kind(kind),
                         _text(principal, "principal"))

    @_serialized
    def grants(self) -> List[Grant]:
        """Every live grant on this case (needs the share right)."""
        return self.vault._foreach("vault_grant_foreach", _lib.GRANT_CB, _grant, self._cid)

    @_serialized
    def link(self, perpetrator_case: Union["Case", str]) -> None:
        """Link this victim case to a perpetrator case (visible only from
        the victim's side)."""
        self.vault._call("vault_case_link", self._cid, _case_id(perpetrator_case))

    @_serialized
    def links(self) -> List[str]:
        """Ids of the perpetrator cases linked to this victim case; ``""``
        for a link that does not open under the safety key."""
        return self.vault._foreach("vault_case_links", _lib.LINK_CB, _s, self._cid)

    @_serialized
    def break_glass(self, reason: str,
                    duration: Union[int, float, timedelta] = 0) -> None:
        """Emergency access by a supervisor of the owning organisation, with
        a written reason, for ``duration`` (0: 8 hours).  High-severity
        audit entry."""
        self.vault._call("vault_break_glass", self._cid, _text(reason, "reason"),
                         _seconds(duration))

    # -- indicators (@since 1.1.0) ------------------------------------------

    @_serialized
    def set_indicators(self, **indicators: Union[str, List[str], None]) -> None:
        """Set indicators of this victim case: ``age_band="30-39"``,
        ``violence=["stalking", "economic"]``, ``children_present=None`` to
        clear; the others stay.  Checked against
        :func:`indicators_vocabulary`: an unknown key or value raises
        :class:`InvalidArgument` naming the valid ones.  Audited."""
        items = []
        for key, value in indicators.items():
            if value is None:
                value = ""
            elif not isinstance(value, str):
                value = ",".join(value)
            items.append(_text(f"{key}={value}", "indicator"))
        arr = (c_char_p * max(len(items), 1))(*items)
        self.vault._call("vault_case_indicators_set", self._cid, arr, len(items))

    @_serialized
    def indicators(self) -> Dict[str, Union[str, List[str]]]:
        """This case's indicators that are set: ``{key: value}``, a list of
        values for the types of violence.  Audited."""
        text = self.vault._buf_call(self.vault._lib.vault_case_indicators_get, self._cid)
        out: Dict[str, Union[str, List[str]]] = {}
        for line in text.splitlines():
            key, _, value = line.partition("=")
            out[key] = value.split(",") if key == "violence" else value
        return out



def _principal_kind(kind: Union[PrincipalKind, str, int]) -> int:
    if isinstance(kind, str):
        try:
            return int(PrincipalKind[kind.upper()])
        except KeyError:
            raise InvalidArgument(f"unknown principal kind: {kind!r}",
                                  Status.ERR_INVALID) from None
    return int(kind)


# --------------------------------------------------------------------------
# Statistics without reading a case (@since 1.1.0)
# --------------------------------------------------------------------------

#: Output formats of :func:`stats_combine`.
STATS_FORMATS = {"json": 1, "csv": 2, "html": 3}


def indicators_vocabulary() -> dict:
    """The indicators' vocabulary: ``{"version": ..., "keys": [{"key",
    "multi", "values"}, ...]}``."""
    import json

    lib = _lib.load()
    buf = _lib.VaultBuf()
    try:
        st = lib.vault_indicators_vocabulary(byref(buf))
        if st != 0:
            raise _last_error(st)
        return json.loads(ctypes.string_at(buf.data, buf.len).decode("utf-8"))
    finally:
        lib.vault_buf_free(byref(buf))


def stats_combine(documents: "List[str]", vkeys: "List[str]", format: str = "json") -> str:
    """Combine signed exports of :meth:`Vault.stats_export` offline (no
    vault, no key): each must be signed by one of the trusted verifier keys
    ``vkeys`` (:meth:`Vault.audit_vkey`), by its named signer.  Returns the
    network's sums as JSON, CSV or HTML text.  Raises
    :class:`IntegrityError` (a signature fails, or no trusted key signed),
    :class:`AlreadyExists` (two files of one organisation over overlapping
    periods), :class:`InvalidArgument` (malformed file or key)."""
    lib = _lib.load()
    if format not in STATS_FORMATS:
        raise InvalidArgument(f"unknown format {format!r} (json, csv or html)",
                              Status.ERR_INVALID)
    docs = [_text(d, "document") for d in documents]
    keys = [_text(k, "verifier key") for k in vkeys]
    darr = (c_char_p * max(len(docs), 1))(*docs)
    karr = (c_char_p * max(len(keys), 1))(*keys)
    buf = _lib.VaultBuf()
    try:
        st = lib.vault_stats_combine(darr, len(docs), karr, len(keys), STATS_FORMATS[format],
                                     byref(buf))
        if st != 0:
            raise _last_error(st)
        return ctypes.string_at(buf.data, buf.len).decode("utf-8")
    finally:
        lib.vault_buf_free(byref(buf))


def _stats_time(t: Union[int, float, datetime]) -> int:
    return int(t.timestamp()) if isinstance(t, datetime) else int(t)
