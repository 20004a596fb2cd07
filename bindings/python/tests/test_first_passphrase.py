"""First passphrases: chosen by someone else, they must change before
anything else (vault_user_must_change, PasswordExpired, WeakPassphrase)."""

from __future__ import annotations

import pytest

import libvault
from libvault import PasswordExpired, Vault, WeakPassphrase

from conftest import PASSWORDS, TEST_KDF


def test_new_user_must_change_first_passphrase(net):
    with net.open("sara") as sup:
        sup.user_add("lucia", libvault.Role.CASEWORKER, "told on the phone", kdf=TEST_KDF)
        assert sup.user_must_change("lucia") is True
        assert sup.user_must_change("maria") is False
    with Vault.open(net.path, "lucia", "told on the phone") as v:
        with pytest.raises(PasswordExpired) as e:
            v.cases()
        assert "vault passwd" in str(e.value)
        with pytest.raises(PasswordExpired):
            v.case_create("victim")
        with pytest.raises(PasswordExpired):
            _ = v.id
        with pytest.raises(WeakPassphrase):
            v.passwd("told on the phone")
        v.passwd("lucia's own passphrase")
        assert v.cases() == []
    with net.open("sara") as sup:
        assert sup.user_must_change("lucia") is False
        with pytest.raises(libvault.NotFound):
            sup.user_must_change("nobody")
    with Vault.open(net.path, "lucia", "lucia's own passphrase") as v:
        assert v.id == net.vault_id


def test_fixture_users_have_changed(net):
    with net.open("admin") as v:
        for user in PASSWORDS:
            assert v.user_must_change(user) is False
