"""The reports through the binding (@since 1.1.0): her access report and a
supervisor's access review, who may run them, names, formats, languages,
escaping, and that each run is recorded."""

from __future__ import annotations

import json

import pytest

import libvault
from libvault import AccessDenied, InvalidArgument, Lang, NotFound, ReportFormat

REASON = "<script>alert(1)</script> she called at night, nobody on duty"


@pytest.fixture
def case(net):
    """A victim case of the centre (cav), read by its caseworker, reached by
    its supervisor's break-glass, and refused to the perpetrator programme."""
    with net.open("maria") as v:
        c = v.case_create("victim")
        c.put("intake", b"arrived with two children", cls="general")
        c.get("intake")
        case_id = c.id
    with net.open("sara") as v:
        v.case(case_id).break_glass(REASON, 3600)
    with net.open("paolo") as v:
        with pytest.raises(AccessDenied):
            v.case(case_id).get("intake")
    return case_id


def test_access_report_text_without_names(net, case):
    with net.open("maria") as v:
        text = v.report_access(case)
    assert text.startswith("Access report\n")
    assert "Centro antiviolenza (anti-violence centre), caseworker" in text
    assert 'read a record (read): case-work record "intake"' in text
    assert "** refused **" in text and REASON in text
    assert "maria" not in text and "paolo" not in text and "sara" not in text
    assert "two children" not in text


def test_access_report_names_for_supervisors_and_auditors_only(net, case):
    with net.open("maria") as v:
        with pytest.raises(AccessDenied):
            v.report_access(case, names=True)
    with net.open("sara") as v:
        assert "[maria]" in v.report_access(case, names=True)
    with net.open("anna") as v:
        doc = json.loads(v.report_access(case, format="json", names=True))
        assert any(e.get("actor") == "paolo" and e["outcome"] == "denied"
                   for e in doc["entries"])
        entries = list(v.audit(action="report.access"))
    assert [(e.actor, e.outcome, e.target) for e in entries] == [
        ("maria", libvault.Outcome.DENIED, "names"),
        ("sara", libvault.Outcome.OK, "names"),
        ("anna", libvault.Outcome.OK, "names"),
    ]


def test_access_report_refused_without_the_share_right(net, case):
    for user in ("paolo", "rita", "admin"):
        with net.open(user) as v:
            with pytest.raises(AccessDenied):
                v.report_access(case)


def test_access_report_html_and_italian(net, case):
    with net.open("sara") as v:
        html = v.report_access(case, format=ReportFormat.HTML, lang="it")
        with pytest.raises(InvalidArgument):
            v.report_access(case, format="pdf")
        with pytest.raises(InvalidArgument):
            v.report_access(case, lang="fr")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="it">' in html
    assert "Rapporto sugli accessi" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html


def test_access_report_period(net, case):
    with net.open("anna") as v:
        doc = json.loads(v.report_access(case, format="json", since=1000, until=2000))
    assert doc["entries"] == [] and doc["since"] == 1000 and doc["until"] == 2000


def test_review(net, case):
    with net.open("sara") as v:
        text = v.report_review("cav", lang=Lang.EN)
    assert text.startswith("Access review\n")
    for heading in ("Accesses from outside the organisation", "Emergency accesses (break-glass)",
                    "Refusals, by person and class", "Consents on an emergency basis",
                    "Grants about to lapse"):
        assert heading in text
    assert "[paolo]" in text and REASON in text
    with net.open("anna") as v:
        doc = json.loads(v.report_review("cav", format="json"))
        assert len(doc["break_glass"]) == 1 and doc["lapse_days"] == 14
        with pytest.raises(NotFound):
            v.report_review("nosuch")
    for user in ("rita", "maria"):
        with net.open(user) as v:
            with pytest.raises(AccessDenied):
                v.report_review("cav")
