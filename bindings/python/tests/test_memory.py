"""The binding does not leak handles or buffers, and does not keep
passphrases."""

from __future__ import annotations

import ctypes
import gc
import os

import pytest

import libvault
from libvault import Vault
from libvault.vault import _Secret

from conftest import ADMIN, ADMIN_PW, PASSWORDS, TEST_KDF, first, first_passwd

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def test_open_close_1000_handles_keeps_rss_flat(vault_dir):
    with Vault.create(vault_dir, ADMIN, ADMIN_PW, kdf=TEST_KDF) as v:
        v.org_add("cav", "Centro", "antiviolence-centre", "sara", first("sara"),
                  kdf=TEST_KDF)
    first_passwd(vault_dir, "sara")
    with Vault.open(vault_dir, "sara", PASSWORDS["sara"]) as v:
        case = v.case_create("victim")
        case.put("intake", b"x" * 4096)
        cid = case.id

    samples = {}
    for i in range(1, 1001):
        with Vault.open(vault_dir, "sara", PASSWORDS["sara"]) as v:
            if i % 10 == 0:  # exercise buffers and callbacks too
                c = v.case(cid)
                assert c.get("intake") == b"x" * 4096
                c.records()
        if i in (200, 1000):
            gc.collect()
            samples[i] = rss_bytes()
    growth = samples[1000] - samples[200]
    print(f"RSS at handle 200: {samples[200] / 2**20:.1f} MiB, "
          f"at 1000: {samples[1000] / 2**20:.1f} MiB, growth {growth / 2**10:.0f} KiB")
    assert growth < 8 * 2**20


def test_every_returned_buffer_is_freed(net, monkeypatch):
    lib = libvault._lib.load()
    real_free = lib.vault_buf_free
    freed = []

    def counting_free(buf):
        freed.append(1)
        return real_free(buf)

    with net.open("maria") as v:
        case = v.case_create("victim")
        case.put("intake", b"plaintext")
        monkeypatch.setattr(lib, "vault_buf_free", counting_free)
        case.get("intake")
        assert len(freed) == 1
        case.fetch("intake")
        assert len(freed) == 2
        with pytest.raises(libvault.NotFound):
            case.get("missing")  # error path frees too
        assert len(freed) == 3
    with net.open("anna") as v:
        v.audit_checkpoint()
        assert len(freed) == 4


def test_secret_buffers_are_zeroed_after_the_call():
    for value in ("pässphrase", b"passphrase", bytearray(b"passphrase"),
                  memoryview(b"passphrase")):
        s = _Secret(value)
        with s:
            assert bytes(s.buf)[: s.len].startswith(b"p")
        assert bytes(s.buf) == b"\0" * ctypes.sizeof(s.buf)


def test_the_callers_bytearray_is_left_for_the_caller(net):
    pw = bytearray(PASSWORDS["maria"].encode())
    with Vault.open(net.path, "maria", pw) as v:
        assert v.whoami().name == "maria"
    assert bytes(pw) == PASSWORDS["maria"].encode()
    pw[:] = b"\0" * len(pw)  # the caller wipes their own copy


def test_passphrase_is_not_kept_on_any_object(net):
    pw = PASSWORDS["maria"]
    with Vault.open(net.path, "maria", pw) as v:
        case = v.case_create("victim")
        for obj in (v, case):
            for value in vars(obj).values():
                assert value != pw and value != pw.encode()
                if isinstance(value, (bytes, bytearray, ctypes.Array)):
                    assert pw.encode() not in bytes(value)
