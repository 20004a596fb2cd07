"""The verifiable log through the binding (@since 1.1.0): verifier keys,
inclusion and consistency proofs checked offline, cosigning, tree
checkpoints and what verification reports about them."""

from __future__ import annotations

import json

import pytest

import libvault
from libvault import IntegrityError, InvalidArgument, check_proof


def test_vkey_is_name_hash_key(net):
    with net.open("anna") as v:
        mine = v.audit_vkey()
        theirs = v.audit_vkey("maria")
    name, keyhash, key = mine.split("+", 2)
    assert name == "anna" and len(keyhash) == 8 and key.startswith("A")
    assert theirs.startswith("maria+")
    with net.open("maria") as v:
        assert v.audit_vkey() == theirs


def test_checkpoint_is_a_tree_checkpoint(net):
    with net.open("anna") as v:
        cp = v.audit_checkpoint()
        assert cp.splitlines()[0].endswith("/tlog")
        res = v.audit_verify(cp)
    assert res.checkpoint_kind == 2 and res.tree_size >= int(cp.splitlines()[1])


def test_inclusion_proof_checks_offline(net):
    with net.open("anna") as v:
        vkey = v.audit_vkey()
        proof = v.audit_prove_inclusion(3)
    doc = json.loads(proof)
    assert doc["format"] == "libvault-inclusion-proof/1"
    assert doc["entry"]["seq"] == 3 and doc["index"] == 2
    res = check_proof(proof, [vkey])
    assert res.ok and res.tree_size == doc["size"]
    doc["entry"]["target"] = "someone else"
    with pytest.raises(IntegrityError) as e:
        check_proof(json.dumps(doc), [vkey])
    assert e.value.result.bad_seq == 3
    with pytest.raises(InvalidArgument):
        check_proof(proof, ["not a key"])


def test_consistency_proof_and_cosign(net):
    with net.open("anna") as v:
        old = v.audit_checkpoint()
        vkey = v.audit_vkey()
    with net.open("maria") as v:
        v.case_create("victim")
        cosigned = v.audit_cosign(old)
        maria = v.audit_vkey()
        with pytest.raises(libvault.AlreadyExists):
            v.audit_cosign(cosigned)
    assert cosigned.startswith(old) and cosigned.count("\u2014 ") == 2
    with net.open("anna") as v:
        proof = v.audit_prove_consistency(cosigned)
    # the old checkpoint checks with the witness's key alone; the new one
    # is anna's, so both keys are given
    assert check_proof(proof, [vkey, maria]).ok
    with pytest.raises(IntegrityError):
        check_proof(proof, [maria])


def test_every_user_a_witness(net, tmp_path):
    import shutil

    state = tmp_path / "state"
    old = tmp_path / "old-vault"
    shutil.copytree(net.path, old)
    with net.open("anna", state_dir=state) as v:
        v.audit_checkpoint()
    assert any(state.rglob("anna"))
    shutil.rmtree(net.path)
    shutil.copytree(old, net.path)
    with pytest.raises(IntegrityError) as e:
        net.open("anna", state_dir=state)
    assert "cut or rolled back" in str(e.value)
    # without the state, nothing to compare with
    net.open("anna").close()
