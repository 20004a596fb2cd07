"""Statistics without reading a case: indicators, signed exports by a
supervisor, and the authority's offline combine (@since 1.1.0)."""

from __future__ import annotations

import json
import time

import pytest

import libvault
from libvault import AccessDenied, AlreadyExists, IntegrityError, InvalidArgument


def _body(note: str) -> dict:
    lines = note.split("\n")
    assert lines[0] == "libvault-stats/1"
    return json.loads(lines[1])


def _cases(net, n: int, **indicators) -> None:
    with net.open("maria") as v:
        for _ in range(n):
            c = v.case_create("victim")
            c.consent_add("cav", "general", "statistics", scope="services,statistics")
            c.set_indicators(**indicators)


def test_vocabulary_is_versioned():
    voc = libvault.indicators_vocabulary()
    assert voc["version"] == "libvault-indicators/1"
    keys = {k["key"]: k for k in voc["keys"]}
    assert keys["violence"]["multi"] is True
    assert {"asylum-seeker", "refugee", "other"} == set(keys["legal_status_group"]["values"])


def test_indicators_roundtrip_and_validation(net):
    with net.open("maria") as v:
        c = v.case_create("victim")
        assert c.indicators() == {}
        c.set_indicators(age_band="40-49", violence=["stalking", "economic"])
        c.set_indicators(children_present="no")
        assert c.indicators() == {"age_band": "40-49", "violence": ["economic", "stalking"],
                                  "children_present": "no"}
        with pytest.raises(InvalidArgument, match="valid: .*60-plus"):
            c.set_indicators(age_band="ancient")
        with pytest.raises(InvalidArgument, match="unknown indicator 'hair'"):
            c.set_indicators(hair="red")
        c.set_indicators(children_present=None)
        assert "children_present" not in c.indicators()


def test_export_and_combine(net):
    _cases(net, 3, age_band="30-39", violence="physical-assault")
    now = time.time()
    with net.open("sara") as v:
        note = v.stats_export(now - 86400, now + 86400, k=3)
        sara_key = v.audit_vkey()
    with net.open("rita") as v:
        rita_note = v.stats_export(now - 86400, now + 86400)
        rita_key = v.audit_vkey()
    body = _body(note)
    assert body["org"] == "cav" and body["k"] == 3 and body["cases"]["total"] == 3
    out = json.loads(libvault.stats_combine([note, rita_note], [sara_key, rita_key]))
    assert out["cases"]["total"] == 3
    assert [s["org"] for s in out["sources"]] == ["cav", "sai"]
    html = libvault.stats_combine([note, rita_note], [sara_key, rita_key], format="html")
    assert "<svg" in html and "<script" not in html
    # a figure changed: the signature fails
    forged = note.replace('"k":3', '"k":4')
    with pytest.raises(IntegrityError, match="does not verify"):
        libvault.stats_combine([forged], [sara_key])
    # only keys the authority pinned count
    with pytest.raises(IntegrityError, match="no trusted verifier key"):
        libvault.stats_combine([note], [rita_key])
    with pytest.raises(AlreadyExists, match="overlapping"):
        libvault.stats_combine([note, note], [sara_key])
    with pytest.raises(InvalidArgument):
        libvault.stats_combine([note], [sara_key], format="pdf")


def test_who_may_export(net):
    now = time.time()
    for user in ("maria", "anna", "admin"):
        with net.open(user) as v:
            with pytest.raises(AccessDenied):
                v.stats_export(now - 86400, now)
    with net.open("sara") as v:
        with pytest.raises(InvalidArgument, match="at least 3"):
            v.stats_export(now - 86400, now, k=2)
