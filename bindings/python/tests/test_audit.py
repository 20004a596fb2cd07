"""The audit log through the binding: iteration with filters, export,
checkpoints, verification in the vault and offline, and tampering."""

from __future__ import annotations

import json

import pytest

import libvault
from libvault import AccessDenied, AuditEntry, IntegrityError, Outcome, verify_export


@pytest.fixture
def busy_net(net):
    """The network after some case work, allowed and refused."""
    with net.open("maria") as v:
        case = v.case_create("victim")
        case.put("intake", b"first contact")
        case.get("intake")
        net.case_id = case.id
    with net.open("rita") as v:
        with pytest.raises(AccessDenied):
            v.case(net.case_id).get("intake")
    return net


def test_audit_is_an_iterator_of_dataclasses(busy_net):
    with busy_net.open("anna") as v:
        it = v.audit()
        assert iter(it) is it
        entries = list(it)
    assert entries and all(isinstance(e, AuditEntry) for e in entries)
    seqs = [e.seq for e in entries]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    first = entries[0]
    assert first.seq == 1
    assert first.hash == busy_net.vault_id
    for a, b in zip(entries, entries[1:]):
        assert b.prev == a.hash
    assert all(len(e.hash) == 64 for e in entries)
    assert first.time.year >= 2024


def test_audit_filters(busy_net):
    with busy_net.open("anna") as v:
        mine = list(v.audit(case=busy_net.case_id))
        assert mine and all(e.case_id == busy_net.case_id for e in mine)
        denied = list(v.audit(outcome=Outcome.DENIED))
        assert denied and all(e.outcome == Outcome.DENIED for e in denied)
        assert any(e.actor == "rita" for e in denied)
        by_maria = list(v.audit(actor="maria"))
        assert by_maria and {e.actor for e in by_maria} == {"maria"}
        page = list(v.audit(limit=3))
        assert len(page) == 3
        nxt = list(v.audit(after_seq=page[-1].seq, limit=3))
        assert nxt[0].seq > page[-1].seq


def test_users_see_only_their_own_entries(busy_net):
    with busy_net.open("rita") as v:
        assert {e.actor for e in v.audit()} <= {"rita"}


def test_exception_in_a_callback_propagates(busy_net, monkeypatch):
    def boom(entry):
        raise KeyError("raised inside the C callback")

    monkeypatch.setattr(libvault.vault, "_audit_entry", boom)
    with busy_net.open("anna") as v:
        with pytest.raises(KeyError, match="inside the C callback"):
            list(v.audit())


def test_verify_in_the_vault_and_with_a_checkpoint(busy_net):
    with busy_net.open("anna") as v:
        res = v.audit_verify()
        assert res.ok and res.entries > 0 and res.bad_seq == 0
        cp = v.audit_checkpoint()
        assert isinstance(cp, str) and cp
        assert v.audit_verify(checkpoint=cp).ok


def test_export_verifies_offline_and_tampering_is_detected(busy_net, tmp_path):
    path = tmp_path / "audit.jsonl"
    calls = []
    with busy_net.open("anna") as v:
        cp = v.audit_checkpoint()
        v.audit_export(path, progress=lambda done, total: calls.append((done, total)))
    lines = path.read_text().splitlines()
    assert lines and all(json.loads(line) for line in lines)

    res = verify_export(path, busy_net.vault_id)
    assert res.ok and res.entries == len(lines)
    assert verify_export(str(path), busy_net.vault_id, checkpoint=cp).ok

    # change one field of one entry in the middle
    rows = [json.loads(line) for line in lines]
    victim = len(rows) // 2
    key = "outcome" if "outcome" in rows[victim] else "action"
    rows[victim][key] = "ok" if rows[victim][key] != "ok" else "denied"
    bad = tmp_path / "tampered.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(IntegrityError) as ei:
        verify_export(bad, busy_net.vault_id)
    assert ei.value.status == libvault.Status.ERR_INTEGRITY
    assert ei.value.result is not None and ei.value.result.bad_seq > 0
    assert ei.value.message

    # delete one entry
    cut = tmp_path / "deleted.jsonl"
    cut.write_text("".join(l + "\n" for i, l in enumerate(lines) if i != victim))
    with pytest.raises(IntegrityError):
        verify_export(cut, busy_net.vault_id)

    # cut the tail: only a kept checkpoint can tell
    short = tmp_path / "short.jsonl"
    short.write_text("".join(l + "\n" for l in lines[:-2]))
    with pytest.raises(IntegrityError):
        verify_export(short, busy_net.vault_id, checkpoint=cp)

    # a different vault id
    with pytest.raises(IntegrityError):
        verify_export(path, "00" * 32)


def test_export_needs_auditor_or_admin(busy_net, tmp_path):
    with busy_net.open("maria") as v:
        with pytest.raises(AccessDenied):
            v.audit_export(tmp_path / "x.jsonl")
