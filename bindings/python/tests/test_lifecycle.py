"""The full lifecycle through the binding: create, organisations, users,
cases, records with versions, history, delete, passphrase change, close."""

from __future__ import annotations

import pytest

import libvault
from libvault import (
    KDF,
    CaseKind,
    Class,
    OrgKind,
    Role,
    StateError,
    Vault,
)

from conftest import ADMIN, ADMIN_PW, PASSWORDS, TEST_KDF


def test_library_is_loaded_and_versioned():
    assert libvault.library_version_number() // 10000 == 1
    major, minor, patch = (int(x) for x in libvault.library_version().split("."))
    assert libvault.library_version_number() == major * 10000 + minor * 100 + patch
    assert libvault.library_path()
    assert libvault.strerror(libvault.Status.ERR_DENIED)


def test_create_returns_an_open_admin_handle(vault_dir):
    with Vault.create(vault_dir, ADMIN, ADMIN_PW, kdf=TEST_KDF) as v:
        who = v.whoami()
        assert who.name == ADMIN
        assert who.role == Role.ADMIN
        assert who.org is None
        vid = v.id
        assert len(vid) == 64 and int(vid, 16) >= 0
        assert not v.closed
    assert v.closed
    assert repr(v) == "<Vault closed>"
    # the id is a property of the vault, not of the handle
    with Vault.open(vault_dir, ADMIN, ADMIN_PW.encode()) as v2:
        assert v2.id == vid


def test_kdf_accepts_names(vault_dir):
    with Vault.create(vault_dir, ADMIN, ADMIN_PW, kdf="insecure-test-only") as v:
        assert v.whoami().name == ADMIN


def test_organisations_and_users(net):
    with net.open("admin") as v:
        orgs = {o.id: o for o in v.orgs()}
        assert set(orgs) == {"cav", "sai", "cuav"}
        assert orgs["cav"].kind == OrgKind.ANTIVIOLENCE_CENTRE
        assert orgs["cuav"].kind == OrgKind.PERPETRATOR_PROGRAMME
        assert orgs["sai"].name == "SAI reception project"
        users = {u.name: u for u in v.users()}
        assert users["sara"].role == Role.SUPERVISOR and users["sara"].org == "cav"
        assert users["maria"].role == Role.CASEWORKER and users["maria"].org == "cav"
        assert users["anna"].role == Role.AUDITOR and users["anna"].org is None
        assert not any(u.disabled for u in users.values())
        assert [u.name for u in v.users()] == sorted(users)


def test_whoami_of_a_caseworker(net):
    with net.open("maria") as v:
        who = v.whoami()
        assert (who.name, who.org, who.role) == ("maria", "cav", Role.CASEWORKER)
        assert "maria" in repr(v)


def test_case_and_record_lifecycle(net):
    with net.open("maria") as v:
        case = v.case_create(CaseKind.VICTIM)
        assert len(case.id) == 32 and int(case.id, 16) >= 0
        info = case.info()
        assert info.id == case.id
        assert info.kind == CaseKind.VICTIM
        assert info.owner_org == "cav"
        assert info.created_by == "maria"
        assert not info.restricted
        assert info.readable & Class.GENERAL

        assert case.put("intake", b"first interview") == 1
        assert case.put("intake", b"first interview, corrected") == 2
        assert case.put("shelter", b"via Roma 1", cls="safety") == 1
        assert case.put("health", bytearray(b"\x00\x01binary\xff"), cls=Class.SENSITIVE) == 1

        assert case.get("intake") == b"first interview, corrected"
        assert case.get("intake", version=1) == b"first interview"
        assert case.get("health") == b"\x00\x01binary\xff"
        data, meta = case.fetch("shelter")
        assert data == b"via Roma 1"
        assert meta.cls == Class.SAFETY and meta.version == 1 and meta.author == "maria"
        assert meta.size == len(data)

        recs = {r.name: r for r in case.records()}
        assert [r.name for r in case.records()] == sorted(recs)
        assert recs["intake"].version == 2
        assert recs["shelter"].cls == Class.SAFETY

        hist = case.history("intake")
        assert [h.version for h in hist] == [1, 2]
        assert all(h.case_id == case.id for h in hist)

        tomb = case.delete("intake")
        assert tomb == 3
        with pytest.raises(libvault.NotFound):
            case.get("intake")
        # earlier versions stay readable by number
        assert case.get("intake", version=2) == b"first interview, corrected"
        assert any(r.name == "intake" and r.deleted for r in case.records())
        assert [h.deleted for h in case.history("intake")] == [False, False, True]

        assert case.id in {c.id for c in v.cases()}
        assert v.case(case.id) == case


def test_case_kinds_by_name_and_restricted(net):
    with net.open("paolo") as v:
        c = v.case_create("perpetrator", restricted=True)
        info = c.info()
        assert info.kind == CaseKind.PERPETRATOR
        assert info.restricted


def test_records_survive_reopen_and_large_records(net):
    big = bytes(range(256)) * 4096  # 1 MiB
    with net.open("maria") as v:
        case = v.case_create("victim")
        case.put("scan", big, cls="sensitive")
        cid = case.id
    with net.open("sara") as v:  # same organisation
        assert v.case(cid).get("scan") == big


def test_empty_record(net):
    with net.open("maria") as v:
        case = v.case_create("victim")
        case.put("empty", b"")
        assert case.get("empty") == b""


def test_transaction_commit_and_rollback(net):
    with net.open("maria") as v:
        case = v.case_create("victim")
        with v.transaction():
            for i in range(20):
                case.put(f"note-{i}", f"note {i}".encode())
        assert len(case.records()) == 20
        with pytest.raises(RuntimeError):
            with v.transaction():
                case.put("lost", b"rolled back")
                raise RuntimeError("abort the import")
        assert "lost" not in {r.name for r in case.records()}


def test_transaction_refuses_reads_and_keeps_refusals(net):
    """Nothing leaves before its audit entry is durable: reads are refused in
    a transaction, and a refusal inside one survives the rollback."""
    with net.open("maria") as v:
        case = v.case_create("victim")
        case.put("addr", b"Via Roma 1", cls="safety")
        cid = case.id
        with v.transaction():
            with pytest.raises(libvault.StateError):
                case.get("addr")
    with net.open("paolo") as v:  # perpetrator programme
        with pytest.raises(libvault.AccessDenied):
            with v.transaction():
                v.case(cid).put("probe", b"x", cls="safety")
    with net.open("anna") as a:
        denied = [e for e in a.audit(actor="paolo", action="record.put")
                  if e.outcome == libvault.Outcome.DENIED]
        assert len(denied) == 1, denied


def test_passwd_changes_the_passphrase(net):
    with net.open("maria") as v:
        v.passwd(bytearray(b"a new passphrase"), kdf=KDF.INSECURE_TEST_ONLY)
    with pytest.raises(libvault.AuthError):
        Vault.open(net.path, "maria", PASSWORDS["maria"])
    with Vault.open(net.path, "maria", "a new passphrase") as v:
        assert v.whoami().name == "maria"


def test_purpose_can_be_set(net):
    with net.open("maria", purpose="referral") as v:
        v.set_purpose(libvault.Purpose.CASEWORK)
        with pytest.raises(libvault.InvalidArgument):
            v.set_purpose("gossip")


def test_user_disable_locks_the_user_out(net):
    with net.open("sara") as v:
        v.user_disable("maria")
        assert {u.name: u.disabled for u in v.users()}["maria"] is True
    with pytest.raises(libvault.AuthError):
        net.open("maria")


def test_closed_handle_raises_state_error(net):
    v = net.open("maria")
    case = v.case_create("victim")
    v.close()
    v.close()  # idempotent
    with pytest.raises(StateError):
        case.get("x")
    with pytest.raises(StateError):
        v.whoami()


def test_str_names_with_nul_are_refused_before_c(net):
    with net.open("maria") as v:
        case = v.case_create("victim")
        with pytest.raises(libvault.InvalidArgument):
            case.put("in\0take", b"x")


def test_threads_sharing_one_vault_are_serialised(net):
    import threading

    errors = []
    with net.open("maria") as v:
        case = v.case_create("victim")

        def work(n):
            try:
                for i in range(10):
                    case.put(f"t{n}-{i}", f"{n}:{i}".encode())
                    assert case.get(f"t{n}-{i}") == f"{n}:{i}".encode()
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert len(case.records()) == 40


def test_separate_handles_in_separate_threads(net):
    import threading

    errors = []

    def work(user):
        try:
            with net.open(user) as v:
                c = v.case_create("victim")
                for i in range(5):
                    c.put("note", f"{user} {i}".encode())
                assert c.get("note") == f"{user} 4".encode()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(u,)) for u in ("maria", "sara", "rita")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
