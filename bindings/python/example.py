"""libvault from Python: the README example (run by tests/test_example.py).

    PYTHONPATH=bindings/python python3 bindings/python/example.py /path/to/new-vault
"""
import sys
from getpass import getpass

import libvault
from libvault import AccessDenied, Vault

path = sys.argv[1]


def ask(who: str) -> str:
    return getpass(f"passphrase for {who}: ")  # str or bytes; never kept


# The administrator creates the vault, an anti-violence centre with its
# first supervisor, and an auditor of the network.
with Vault.create(path, "admin", ask("admin"), kdf="interactive") as v:
    v.org_add("cav-north", "Anti-violence centre North", "antiviolence-centre",
              "giulia", ask("giulia-first"), kdf="interactive")
    v.user_add("elena", "auditor", ask("elena-first"), kdf="interactive")
    vault_id = v.id  # auditors pin this

# The admin chose those first passphrases: each user changes hers before
# anything else (until then every call raises PasswordExpired), and gets
# keys nobody else knew.  An easy passphrase raises WeakPassphrase.
for user in ("giulia", "elena"):
    with Vault.open(path, user, ask(f"{user}-first")) as v:
        v.passwd(ask(user))

# The supervisor opens a case and writes records in two sensitivity classes.
with Vault.open(path, "giulia", ask("giulia"), purpose="casework") as v:
    case = v.case_create("victim")
    case.put("intake", b"First interview at the help desk.")
    case.put("intake", b"First interview; follow-up on Monday.")  # version 2
    case.put("shelter", b"Casa Rifugio, room 4", cls="safety")
    print(case.get("intake").decode())
    for rec in case.records():
        print(f"{rec.name}: {rec.cls.name.lower()}, version {rec.version}")

# The administrator holds no key of the centre: refused, and audited.
with Vault.open(path, "admin", ask("admin")) as v:
    try:
        v.case(case.id).get("shelter")
    except AccessDenied as e:
        print("admin refused:", e.message)

# The auditor reads the log, keeps a signed checkpoint, and exports the log;
# the export verifies offline with only the pinned vault id and checkpoint.
with Vault.open(path, "elena", ask("elena"), purpose="audit") as v:
    for entry in v.audit(outcome="denied"):
        print(f"#{entry.seq} {entry.actor} {entry.action}: {entry.reason}")
    checkpoint = v.audit_checkpoint()
    v.audit_export("audit.jsonl")
result = libvault.verify_export("audit.jsonl", vault_id, checkpoint)
print(f"audit log verified: {result.entries} entries")
