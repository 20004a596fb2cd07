"""Shared fixtures: a small network vault, built with the test-only KDF.

Run with  make python-tests  (sets LIBVAULT_PATH and PYTHONPATH), or
  LIBVAULT_PATH=build/libvault.so.1 PYTHONPATH=bindings/python \
      /usr/bin/python3 -m pytest bindings/python/tests
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# Usable without PYTHONPATH from a checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import libvault  # noqa: E402
from libvault import KDF, Vault  # noqa: E402

TEST_KDF = KDF.INSECURE_TEST_ONLY

ADMIN, ADMIN_PW = "admin", "admin passphrase"
PASSWORDS = {
    "admin": ADMIN_PW,
    "sara": "sara passphrase",     # supervisor, anti-violence centre "cav"
    "maria": "maria passphrase",   # caseworker, "cav"
    "rita": "rita passphrase",     # supervisor, reception centre "sai"
    "paolo": "paolo passphrase",   # supervisor, perpetrator programme "cuav"
    "anna": "anna passphrase",     # auditor of the network
}


@dataclass
class Network:
    """A vault with three organisations, their supervisors, a caseworker and
    an auditor."""

    path: Path
    vault_id: str

    def open(self, user: str, **kw) -> Vault:
        return Vault.open(self.path, user, PASSWORDS[user], **kw)


def first(user: str) -> str:
    """The first passphrase of a user, chosen by whoever added her."""
    return "first " + PASSWORDS[user]


def first_passwd(path: Path, user: str) -> None:
    """A first passphrase must change before anything else."""
    with Vault.open(path, user, first(user)) as v:
        v.passwd(PASSWORDS[user])


def build_network(path: Path) -> Network:
    with Vault.create(path, ADMIN, ADMIN_PW, kdf=TEST_KDF) as v:
        v.org_add("cav", "Centro antiviolenza", "antiviolence-centre", "sara",
                  first("sara"), kdf=TEST_KDF)
        v.org_add("sai", "SAI reception project", libvault.OrgKind.RECEPTION_CENTRE,
                  "rita", first("rita"), kdf=TEST_KDF)
        v.org_add("cuav", "Programme for men", libvault.OrgKind.PERPETRATOR_PROGRAMME,
                  "paolo", first("paolo"), kdf=TEST_KDF)
        v.user_add("anna", "auditor", first("anna"), kdf=TEST_KDF)
        vault_id = v.id
    for user in ("sara", "rita", "paolo", "anna"):
        first_passwd(path, user)
    with Vault.open(path, "sara", PASSWORDS["sara"]) as v:
        v.user_add("maria", libvault.Role.CASEWORKER, first("maria"), org="cav",
                   kdf=TEST_KDF)
    first_passwd(path, "maria")
    return Network(path, vault_id)


@pytest.fixture(scope="session")
def _network_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("template")
    build_network(base / "vault")
    return base / "vault"


@pytest.fixture
def net(tmp_path: Path, _network_template: Path) -> Network:
    """A fresh copy of the network vault for each test."""
    import shutil

    dest = tmp_path / "vault"
    shutil.copytree(_network_template, dest)
    with Vault.open(dest, ADMIN, ADMIN_PW) as v:
        vid = v.id
    return Network(dest, vid)


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    """A path where a new vault may be created."""
    return tmp_path / "v"


def pytest_report_header(config):  # pragma: no cover - cosmetic
    try:
        libvault.library_version()
        return f"libvault {libvault.library_version()} from {libvault.library_path()}"
    except Exception as e:  # noqa: BLE001
        return f"libvault not loaded: {e} (LIBVAULT_PATH={os.environ.get('LIBVAULT_PATH')})"
