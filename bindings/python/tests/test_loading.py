"""How the binding finds libvault.so.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import libvault
from libvault import _lib

PKG_ROOT = str(Path(libvault.__file__).resolve().parents[1])


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k != "LIBVAULT_PATH"}
    e.update(env)
    e["PYTHONPATH"] = PKG_ROOT
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=e, timeout=60)


def test_libvault_path_comes_first(monkeypatch):
    monkeypatch.setenv("LIBVAULT_PATH", "/somewhere/libvault.so.1")
    assert _lib.candidates() == ["/somewhere/libvault.so.1"]


def test_build_tree_then_system(monkeypatch):
    monkeypatch.delenv("LIBVAULT_PATH", raising=False)
    cands = _lib.candidates()
    assert cands[-1] == "libvault.so.1"
    built = Path(_lib.__file__).resolve().parents[3] / "build" / "libvault.so.1"
    if built.exists():
        assert cands[0] == str(built)


def test_a_wrong_libvault_path_is_a_clear_import_error():
    out = run(
        "import libvault\n"
        "try:\n"
        "    libvault.library_version()\n"
        "except libvault.LibraryNotFound as e:\n"
        "    print('LibraryNotFound', e)\n",
        LIBVAULT_PATH="/nonexistent/libvault.so.1",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("LibraryNotFound")
    assert "LIBVAULT_PATH" in out.stdout


def test_import_does_not_need_the_library():
    out = run("import libvault; print(libvault.AccessDenied.STATUS)",
              LIBVAULT_PATH="/nonexistent/libvault.so.1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "-5"


def test_the_loaded_library_matches_libvault_path():
    want = os.environ.get("LIBVAULT_PATH")
    libvault.library_version()
    if want:
        assert libvault.library_path() == want
