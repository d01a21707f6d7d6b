"""Canned replies: supervisors manage them, variables filled only with verified facts, babel formats."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st
from sqlalchemy import select

from bot.agentdesk import canned
from bot.dialogue import records
from bot.ledger.db import session_scope
from bot.ledger.models import AuditLog
from bot.security.verified import record_verified
from tests.handoff.desk_support import agent_client, held_conversation, ledger, post, with_roles

JSON = {"Accept": "application/json"}


def add_reply(language: str, title: str, body: str) -> int:
    with session_scope() as session:
        return int(canned.save(session, language=language, title=title, body=body, actor="agent:sara").id)


def test_check_refuses_unknown_variables_and_bad_input():
    assert canned.check("it", "  Saluto  ", " Buongiorno {name} ") == ("it", "Saluto", "Buongiorno {name}")
    for args, code in ((("de", "x", "y"), "bad_language"), (("it", "", "y"), "empty"),
                       (("it", "x", "Saldo {iban}"), "bad_variable"), (("it", "x", "Saldo {name"), "bad_variable"),
                       (("it", "x" * 81, "y"), "too_long")):
        with pytest.raises(canned.CannedError) as err:
            canned.check(*args)
        assert err.value.code == code


@given(st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=40),
       st.lists(st.sampled_from(canned.VARIABLES), max_size=4))
def test_fill_replaces_exactly_the_known_variables(prefix, names):
    body = prefix + "".join("{%s} " % n for n in names)
    values = {n: f"<{n}>" for n in canned.VARIABLES[:3]}
    text, missing = canned.fill(body, values)
    assert missing == [n for n in dict.fromkeys(names) if n not in values]
    assert text.startswith(prefix)
    for n in names:
        assert (f"<{n}>" in text) == (n in values)


def test_replies_are_offered_with_verified_facts_only(console):
    debtor_id = ledger()
    hid = held_conversation()
    records.record_plan(debtor_id=debtor_id, instalments=[(1, date(2027, 1, 4), Decimal("620.25")),
                                                         (2, date(2027, 2, 4), Decimal("620.25"))],
                        conversation_id="tg-1", channel="telegram")
    add_reply("it", "Saldo", "Gentile {name}, il saldo è {balance}; prossima rata {next_instalment} "
                             "il {next_instalment_date}. {agent}")
    add_reply("it", "Attesa", "Un attimo, controllo. {agent}")
    add_reply("en", "Hello", "Hello {name}")
    client = agent_client(console.url)
    before = client.get(f"/h/{hid}/canned.json").json()
    assert before["language"] == "it" and before["verified"] is False and before["profile_url"] is None
    by_title = {r["title"]: r for r in before["replies"]}
    assert set(by_title) == {"Saldo", "Attesa"}  # the conversation's language only
    assert by_title["Attesa"]["text"] == "Un attimo, controllo. Giulia"
    assert by_title["Saldo"]["available"] is False and by_title["Saldo"]["text"] == ""  # nothing leaks
    with session_scope() as session:
        record_verified(session, conversation_id="tg-1", debtor_id=debtor_id, now=datetime.utcnow())
    after = client.get(f"/h/{hid}/canned.json").json()
    saldo = next(r for r in after["replies"] if r["title"] == "Saldo")
    assert saldo["text"] == ("Gentile Mario Rossi, il saldo è 1.240,50 €; prossima rata 620,25 € il 4 gennaio 2027. "
                             "Giulia")
    assert after["profile_url"] == f"/webhooks/console/debtors/{debtor_id}"
    page = client.get(f"/h/{hid}").text
    assert 'id="desk-canned-select"' in page and "/desk/desk.js" in page
    assert client.get("/desk/desk.js").status_code == 200 and client.get("/desk/../console.py").status_code == 404


def test_english_conversation_gets_english_formats(console):
    debtor_id = ledger()
    hid = held_conversation(lang="en")
    add_reply("en", "Balance", "Your balance is {balance}.")
    with session_scope() as session:
        record_verified(session, conversation_id="tg-1", debtor_id=debtor_id, now=datetime.utcnow())
    client = agent_client(console.url)
    reply = client.get(f"/h/{hid}/canned.json").json()["replies"][0]
    assert reply["text"] == "Your balance is €1,240.50."


def test_only_supervisors_manage_replies(console, monkeypatch):
    with_roles(monkeypatch, {"sara": "supervisor"})
    agent = agent_client(console.url)
    assert agent.get("/canned").status_code == 403
    assert post(agent, "/canned", {"language": "it", "title": "x", "body": "y"}).status_code == 403
    sup = agent_client(console.url, "sara", "Sara")
    assert sup.get("/canned").status_code == 200
    saved = post(sup, "/canned", {"language": "it", "title": "Saluto", "body": "Buongiorno {name}"}, page="/canned")
    assert saved.headers["location"].endswith("ok=saved")
    bad = post(sup, "/canned", {"language": "it", "title": "Iban", "body": "Il suo {iban}"}, page="/canned")
    assert "fail=bad_variable" in bad.headers["location"]
    assert "Variabile sconosciuta: iban" in sup.get(bad.headers["location"].split("/console", 1)[1]).text
    dup = post(sup, "/canned", {"language": "it", "title": "Saluto", "body": "Altro"}, page="/canned")
    assert "fail=duplicate" in dup.headers["location"]
    with session_scope() as session:
        row = canned.all_replies(session)[0]
        rid = row.id
    edited = post(sup, "/canned", {"id": str(rid), "language": "it", "title": "Saluto", "body": "Salve {name}"},
                  page="/canned")
    assert edited.headers["location"].endswith("ok=saved")
    assert post(sup, f"/canned/{rid}/retire", page="/canned").headers["location"].endswith("ok=retired")
    with session_scope() as session:
        row = canned.all_replies(session)[0]
        assert (row.body, row.active) == ("Salve {name}", False)
        actions = list(session.execute(select(AuditLog.action).where(AuditLog.entity == "canned_reply")
                                       .order_by(AuditLog.id)).scalars())
        assert actions == ["canned.saved", "canned.saved", "canned.retired"]


def test_cli_adds_replaces_and_lists(handoff_env, capsys):
    from bot.__main__ import main

    assert main(["canned", "add", "--lang", "it", "--title", "Saluto", "--body", "Buongiorno {name}"]) == 0
    assert main(["canned", "add", "--lang", "it", "--title", "Saluto", "--body", "Salve {name}"]) == 0
    assert main(["canned", "add", "--lang", "it", "--title", "Iban", "--body", "Il suo {iban}"]) == 2
    assert main(["canned", "list"]) == 0
    out = capsys.readouterr()
    assert out.out.strip().splitlines()[-1].endswith("it\tSaluto\tSalve {name}")
    assert "bad_variable: iban" in out.err
    with session_scope() as session:
        assert len(canned.all_replies(session)) == 1
