"""The binding's mirrors of vault.h (enum values, structure layouts, options
versions) agree with the header itself.  Needs a checkout (include/vault.h)
and a C compiler; skipped otherwise."""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import libvault
from libvault import _lib

HEADER = Path(__file__).resolve().parents[3] / "include" / "vault.h"

pytestmark = pytest.mark.skipif(not HEADER.exists(), reason="no include/vault.h here")

ENUMS = [
    # (C prefix, Python enum, names to skip)
    ("VAULT_ERR_", libvault.Status, "ERR_"),
    ("VAULT_KDF_", libvault.KDF, ""),
    ("VAULT_ORG_", libvault.OrgKind, ""),
    ("VAULT_ROLE_", libvault.Role, ""),
    ("VAULT_CASE_", libvault.CaseKind, ""),
    ("VAULT_CLASS_", libvault.Class, ""),
    ("VAULT_PERM_", libvault.Perm, ""),
    ("VAULT_PRINCIPAL_", libvault.PrincipalKind, ""),
    ("VAULT_PURPOSE_", libvault.Purpose, ""),
    ("VAULT_BASIS_", libvault.Basis, ""),
    ("VAULT_OUTCOME_", libvault.Outcome, ""),
    ("VAULT_SCOPE_", libvault.Scope, ""),
    ("VAULT_REPORT_", libvault.ReportFormat, ""),
    ("VAULT_LANG_", libvault.Lang, ""),
]

STRUCTS = {
    "vault_buf": _lib.VaultBuf,
    "vault_create_options": _lib.CreateOptions,
    "vault_open_options": _lib.OpenOptions,
    "vault_org_info": _lib.OrgInfo,
    "vault_user_info": _lib.UserInfo,
    "vault_case_info": _lib.CaseInfo,
    "vault_record_info": _lib.RecordInfo,
    "vault_consent_options": _lib.ConsentOptions,
    "vault_consent_info": _lib.ConsentInfo,
    "vault_share_options": _lib.ShareOptions,
    "vault_grant_info": _lib.GrantInfo,
    "vault_audit_entry": _lib.AuditEntry,
    "vault_audit_query": _lib.AuditQuery,
    "vault_verify_result": _lib.VerifyResult,
    "vault_report_options": _lib.ReportOptions,
    "vault_stats_options": _lib.StatsOptions,
}


def header_constants() -> dict:
    text = HEADER.read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    found = {}
    for name, value in re.findall(r"\b(VAULT_[A-Z0-9_]+)\s*=\s*(-?\d+)", text):
        found[name] = int(value)
    for name, value in re.findall(r"#define\s+(VAULT_SCOPE_[A-Z_]+)\s+(\d+)u?", text):
        found[name] = int(value)
    return found


def test_enum_values_match_the_header():
    consts = header_constants()
    assert consts["VAULT_OK"] == libvault.Status.OK
    for prefix, enum_cls, py_prefix in ENUMS:
        c_names = {n[len(prefix):]: v for n, v in consts.items() if n.startswith(prefix)}
        if prefix == "VAULT_CASE_":
            c_names.pop("RESTRICTED", None)
        if prefix == "VAULT_CLASS_":
            c_names.pop("ALL", None)
        assert c_names, prefix
        for short, value in c_names.items():
            member = enum_cls[py_prefix + short]
            assert int(member) == value, f"{prefix}{short}"


def test_structure_versions_match_the_header():
    text = HEADER.read_text()
    for macro, ours in [
        ("VAULT_CREATE_OPTIONS_VERSION", _lib.CREATE_OPTIONS_VERSION),
        ("VAULT_OPEN_OPTIONS_VERSION", _lib.OPEN_OPTIONS_VERSION),
        ("VAULT_CONSENT_OPTIONS_VERSION", _lib.CONSENT_OPTIONS_VERSION),
        ("VAULT_SHARE_OPTIONS_VERSION", _lib.SHARE_OPTIONS_VERSION),
        ("VAULT_AUDIT_QUERY_VERSION", _lib.AUDIT_QUERY_VERSION),
        ("VAULT_VERIFY_RESULT_VERSION", _lib.VERIFY_RESULT_VERSION),
        ("VAULT_REPORT_OPTIONS_VERSION", _lib.REPORT_OPTIONS_VERSION),
        ("VAULT_STATS_OPTIONS_VERSION", _lib.STATS_OPTIONS_VERSION),
    ]:
        m = re.search(rf"#define {macro} (\d+)", text)
        assert m and int(m.group(1)) >= ours, macro


def test_every_exported_function_has_a_prototype():
    text = HEADER.read_text()
    declared = set(re.findall(r"^VAULT_API[^(]*?\b(vault_[a-z0-9_]+)\(", text, flags=re.M))
    assert declared == set(_lib._PROTOTYPES), (
        declared - set(_lib._PROTOTYPES), set(_lib._PROTOTYPES) - declared)


@pytest.mark.skipif(not shutil.which("cc"), reason="no C compiler")
def test_structure_layouts_match_the_compiler(tmp_path):
    lines = ["#include <stdio.h>", "#include <stddef.h>", '#include "vault.h"',
             "int main(void) {"]
    for cname, cls in STRUCTS.items():
        lines.append(f'printf("{cname} .sizeof %zu\\n", sizeof({cname}));')
        for field, _ in cls._fields_:
            lines.append(f'printf("{cname} {field} %zu\\n", offsetof({cname}, {field}));')
    lines += ["return 0;", "}"]
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines))
    exe = tmp_path / "layout"
    subprocess.run(["cc", "-std=c11", "-I", str(HEADER.parent), "-o", str(exe), str(src)],
                   check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        cname, what, value = line.split()
        cls = STRUCTS[cname]
        ours = ctypes.sizeof(cls) if what == ".sizeof" else getattr(cls, what).offset
        assert ours == int(value), f"{cname}.{what}: ctypes {ours}, C {value}"
