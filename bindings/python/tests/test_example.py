"""The README's Python example runs as shown (bindings/python/example.py)."""

from __future__ import annotations

import getpass
import runpy
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "example.py"


def test_readme_example_runs(tmp_path, monkeypatch, capsys):
    passphrases = {"admin": "correct horse battery staple",
                   "giulia-first": "given on paper 7391, change it",
                   "giulia": "tre tigri contro tre tigri",
                   "elena-first": "given on paper 2284, change it",
                   "elena": "an auditor's long passphrase"}
    monkeypatch.setattr(getpass, "getpass",
                        lambda prompt: passphrases[prompt.split()[-1].rstrip(":")])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(EXAMPLE), str(tmp_path / "vault")])
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "First interview; follow-up on Monday."
    assert "intake: general, version 2" in out
    assert "shelter: safety, version 1" in out
    assert any(line.startswith("admin refused: ") for line in out)
    assert any(line.startswith("#") and " admin record.get: " in line for line in out)
    assert out[-1].startswith("audit log verified: ")
    for f in (tmp_path / "vault").iterdir():
        assert b"Casa Rifugio" not in f.read_bytes()
