"""Access control seen from Python: organisations are walled off from each
other, sharing a victim case needs her consent, revocation, links and
break-glass."""

from __future__ import annotations

import time

import pytest

import libvault
from libvault import AccessDenied, Class, ConsentRequired, Perm, PrincipalKind


@pytest.fixture
def victim_case(net):
    """A victim case of the anti-violence centre with one record per class."""
    with net.open("maria") as v:
        case = v.case_create("victim")
        case.put("intake", b"met at the help desk")
        case.put("health", b"medical report", cls="sensitive")
        case.put("shelter", b"Casa Rifugio, room 4", cls="safety")
        return case.id


def test_another_organisation_is_denied(net, victim_case):
    with net.open("rita") as v:  # reception centre
        case = v.case(victim_case)
        for name in ("intake", "health", "shelter"):
            with pytest.raises(AccessDenied) as ei:
                case.get(name)
            assert ei.value.status == libvault.Status.ERR_DENIED
            assert "Casa Rifugio" not in ei.value.message
        with pytest.raises(AccessDenied):
            case.put("intake", b"overwrite")
        with pytest.raises(AccessDenied):
            case.info()
        assert victim_case not in {c.id for c in v.cases()}


def test_the_admin_cannot_read_case_content(net, victim_case):
    with net.open("admin") as v:
        with pytest.raises(AccessDenied):
            v.case(victim_case).get("intake")


def test_denied_attempts_are_audited(net, victim_case):
    with net.open("rita") as v:
        with pytest.raises(AccessDenied):
            v.case(victim_case).get("shelter")
    with net.open("anna") as v:
        denied = list(v.audit(case=victim_case, outcome="denied"))
        assert any(e.actor == "rita" and e.outcome == libvault.Outcome.DENIED
                   for e in denied)


def test_consent_then_share_then_revoke(net, victim_case):
    with net.open("maria") as v:
        case = v.case(victim_case)
        with pytest.raises(ConsentRequired):
            case.share("sai", Class.GENERAL)
        cid = case.consent_add("sai", ["general"], "referral to the reception centre",
                               scope="services,sharing", expires=int(time.time()) + 86400)
        consents = case.consents()
        assert [c.id for c in consents] == [cid]
        assert consents[0].org == "sai" and consents[0].classes == Class.GENERAL
        assert consents[0].active
        assert consents[0].scope == libvault.Scope.SERVICES | libvault.Scope.SHARING
        assert consents[0].basis == libvault.Basis.CONSENT
        # the consent covers general only: sensitive still needs one
        with pytest.raises(ConsentRequired):
            case.share("sai", "general,sensitive")
        case.share("sai", "general")
        grants = case.grants()
        assert any(g.principal == "sai" and g.kind == PrincipalKind.ORG
                   and g.classes == Class.GENERAL and g.perm == Perm.READ
                   for g in grants)

    with net.open("rita") as v:
        case = v.case(victim_case)
        assert case.get("intake") == b"met at the help desk"
        with pytest.raises(AccessDenied):
            case.get("shelter")
        with pytest.raises(AccessDenied):
            case.put("intake", b"read-only share")

    with net.open("maria") as v:
        v.case(victim_case).revoke("sai")
        v.case(victim_case).put("intake", b"written after revocation")
    with net.open("rita") as v:
        with pytest.raises(AccessDenied):
            v.case(victim_case).get("intake")


def test_withdrawn_consent_revokes_the_share(net, victim_case):
    with net.open("maria") as v:
        case = v.case(victim_case)
        cid = case.consent_add("sai", "general", "referral")
        case.share("sai", "general", consent_id=cid)
        case.consent_withdraw(cid)
        assert case.consents()[0].withdrawn
    with net.open("rita") as v:
        with pytest.raises(AccessDenied):
            v.case(victim_case).get("intake")


def test_safety_class_never_reaches_a_perpetrator_programme(net, victim_case):
    with net.open("maria") as v:
        case = v.case(victim_case)
        case.consent_add("cuav", "general,safety", "coordination")
        with pytest.raises(AccessDenied):
            case.share("cuav", "safety")


def test_link_is_visible_only_from_the_victim_side(net, victim_case):
    with net.open("paolo") as v:
        perp = v.case_create("perpetrator")
        perp.put("programme", b"week 1")
        perp_id = perp.id
    with net.open("maria") as v:
        case = v.case(victim_case)
        case.link(perp_id)
        assert case.links() == [perp_id]
    with net.open("paolo") as v:
        info = v.case(perp_id).info()
        assert info.kind == libvault.CaseKind.PERPETRATOR
        with pytest.raises(AccessDenied):
            v.case(victim_case).links()


def test_break_glass_by_a_supervisor_on_a_restricted_case(net):
    with net.open("maria") as v:
        case = v.case_create("victim", restricted=True)
        case.put("shelter", b"secret place", cls="safety")
        cid = case.id
    with net.open("sara", purpose="emergency") as v:
        case = v.case(cid)
        with pytest.raises(AccessDenied):
            case.get("shelter")
        # a reason under VAULT_BREAK_GLASS_REASON_MIN bytes is a refused
        # (and audited) break-glass, not a malformed call
        with pytest.raises(AccessDenied):
            case.break_glass("too short")
        case.break_glass("she called the helpline, in danger tonight", duration=3600)
        assert case.get("shelter") == b"secret place"
    with net.open("maria") as v:  # caseworkers cannot break glass
        with pytest.raises(AccessDenied):
            v.case(cid).break_glass("a caseworker trying to break glass here")
    with net.open("anna") as v:
        high = list(v.audit(high_only=True))
        assert any(e.actor == "sara" and e.case_id == cid for e in high)


def test_record_is_case_class_and_name(net):
    """Same name in two classes: two records; a plain get asks for the class;
    redaction and reclassification through the binding."""
    with net.open("maria") as v:
        case = v.case_create("victim")
        case.put("addr", b"Via Roma 1", cls="safety")
        assert case.put("addr", b"see notes", cls="general") == 1
        with pytest.raises(libvault.Ambiguous):
            case.get("addr")
        assert case.get("addr", cls="safety") == b"Via Roma 1"
        assert case.reclassify("addr", "general", "sensitive") == 1
        assert case.get("addr", cls="sensitive") == b"see notes"
        cid = case.id
    with net.open("sara") as v:  # supervisor of the owning organisation
        case = v.case(cid)
        case.put("plan", b"safety plan agreed", cls="general")
    with net.open("maria") as v:  # another's version moves up by a supervisor only
        case = v.case(cid)
        with pytest.raises(libvault.AccessDenied, match="written by sara"):
            case.reclassify("plan", "general", "sensitive")
        assert case.get("plan", cls="general") == b"safety plan agreed"
    with net.open("sara") as v:
        case = v.case(cid)
        assert case.reclassify("plan", "general", "sensitive") == 1
        case.redact("addr", 1, "entered in the wrong case by mistake", cls="safety")
        with pytest.raises(libvault.NotFound):
            case.get("addr", cls="safety")
        (h,) = case.history("addr", cls="safety")
        assert h.redacted_by == "sara" and h.size == 0
        assert "wrong case" in h.redact_reason


def test_a_departed_caseworkers_restricted_case_is_handed_over(net):
    """vault_case_foreach_restricted, then break-glass and share: the
    hand-over of a restricted case whose caseworker was disabled."""
    with net.open("sara") as v:
        v.user_add("giada", libvault.Role.CASEWORKER, "giada passphrase", org="cav",
                   kdf=libvault.KDF.INSECURE_TEST_ONLY)
    with net.open("maria") as v:
        case = v.case_create("victim", restricted=True)
        case.put("shelter", b"secret place", cls="safety")
        cid = case.id
        with pytest.raises(AccessDenied):  # supervisors only
            v.restricted_cases()
    with net.open("sara") as v:
        listed = {c.id: c for c in v.restricted_cases()}
        assert cid in listed and listed[cid].created_by == "maria"
        case = v.case(cid)
        case.break_glass("maria left the service, handing over", duration=3600)
        with pytest.raises(AccessDenied):  # maria still holds it
            case.share("giada", 7, kind="user", perm="share")
        v.user_disable("maria")
        case.share("giada", 7, kind="user", perm="share")
    with libvault.Vault.open(net.path, "giada", "giada passphrase") as v:
        v.passwd(bytearray(b"giada's own passphrase"), kdf=libvault.KDF.INSECURE_TEST_ONLY)
        assert v.case(cid).get("shelter") == b"secret place"
    with net.open("anna") as v:
        high = [e for e in v.audit(high_only=True) if e.case_id == cid]
        assert {e.action for e in high} >= {"break-glass", "share"}
