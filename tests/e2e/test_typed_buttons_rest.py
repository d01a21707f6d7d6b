"""Every button the assistant offers can be answered by typing its title, with the same effect as pressing it.

Against the real servers and the trained model over REST: each script is played up to a turn
with buttons, then forked for every button into two conversations, one pressing it (the payload,
as the widget and Telegram send it) and one typing its title; both must run the same actions.
"""
from __future__ import annotations

import time

import pytest

from bot.ledger.demo import DEMO_INVOICES
from tests.explorer.driver import Player

pytestmark = pytest.mark.e2e

IT = next(r for r in DEMO_INVOICES if r["language"] == "it")
EN = next(r for r in DEMO_INVOICES if r["language"] == "en")
SCRIPTS = {
    "hardship-it": ["ho perso il lavoro, non ce la faccio a pagare"],
    "hardship-en": ["I lost my job and I really can't pay this"],
    "complaint-it": ["è inaccettabile, mi avete chiamato cinque volte oggi"],
    "plan-it": ["Buongiorno, vorrei pagare a rate", IT["invoice_number"], IT["tax_code"], "150 euro al mese"],
    # Ends at the NPS question (0-10 buttons). Scripts stop at a turn whose buttons change nothing
    # in the ledger the next fork would see (a dispute's category would: the invoice is then disputed).
    "balance-en": ["How much do I owe?", EN["invoice_number"], EN["tax_code"], "no thanks"],
}


@pytest.mark.parametrize("name", SCRIPTS)
def test_typing_an_offered_title_does_what_pressing_it_does(live_servers, name: str) -> None:
    player = Player(live_servers.rasa_url, live_servers.token)
    script = SCRIPTS[name]
    replies = [player.say(f"tb-{name}-{time.time_ns()}", line) for line in script]
    offered = [b for r in replies[-1] for b in r.get("buttons") or [] if b.get("title") and b.get("payload")]
    assert offered, f"{name}: the last turn offers no button: {replies[-1]}"
    differ = []
    for button in offered:
        actions = []
        for how in ("payload", "title"):
            sender = f"tb-{name}-{how}-{time.time_ns()}"
            for line in script:
                player.say(sender, line)
            player.say(sender, button[how])
            actions.append(player.last_actions(sender))
        if actions[0] != actions[1]:
            differ.append(f"{button['title']!r}: pressed {actions[0]}, typed {actions[1]}")
    assert not differ, f"{name}:\n" + "\n".join(differ)
