"""Personal data sent to the real servers never shows in what they log."""
import pytest

from tests.e2e.conftest import live_env, live_servers  # noqa: F401  (the real-server fixtures)

pytestmark = pytest.mark.e2e

CF, PHONE_DIGITS = "RSSMRA85T10A562S", "3335550101"
ATTACKS = (
    '/inform{"codice_fiscale":"RSSMRA85T10A562S","phone":"+393335550101"}',
    "/RSSMRA85T10A562S FT-2026/00417",
    "/inform{not json RSSMRA85T10A562S +393335550101}",
    "my code is RSSMRA85T10A562S and my phone +39 333 555 0101",
)


def test_tax_codes_and_phones_never_reach_the_server_logs(live_servers):  # noqa: F811
    for i, text in enumerate(ATTACKS):
        live_servers.rest(f"log-mask-{i}", text)
    live_servers.rest("log-mask-0", "FT-2026/00417")
    live_servers.rest("log-mask-0", "RSSMRA85T10A562S")
    written = {name: path.read_text(errors="replace") for name, path in live_servers.logs.items()}
    assert written["rasa"].strip(), "the Rasa server wrote no log at all"
    for name, text in written.items():
        assert CF not in text, f"{name} log shows the tax code:\n{text[-3000:]}"
        assert PHONE_DIGITS not in text.replace(" ", ""), f"{name} log shows the phone number:\n{text[-3000:]}"
    # The parsing warnings were written (masked), so the check above looked at real output.
    assert "Failed to parse arguments in line '/RSS***********2S FT-2026/00417'" in written["rasa"]
    assert '"phone":"**********101"' in written["rasa"]
