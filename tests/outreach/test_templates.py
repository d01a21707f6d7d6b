"""Every outreach template renders in Italian and English, in the house tone."""
from __future__ import annotations

import re
from datetime import date

import pytest

from bot.outreach.config import DEFAULT_STEPS
from bot.outreach.render import TEMPLATES_DIR, render_outreach, template_names

CTX = {"creditor": "Aurora Servizi S.p.A.", "variant": "a", "supportive": False, "due_date": date(2026, 12, 8),
       "promised_date": date(2026, 12, 1), "paid_on": date(2026, 11, 20), "instalment_number": 2,
       "instalment_count": 6, "invoice_number": "FT-2026/00417"}
FORBIDDEN = {
    "it": ["debito", "sollecito", "moros", "legale", "avvocat", "tribunal", "decreto", "ingiunzion", "urgente",
           "ultimo avviso", "immediatamente", " tu ", " ti "],
    "en": ["debt", "overdue notice", "legal", "lawyer", "court", "collection agency", "urgent", "final notice",
           "immediately"],
}
GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
           "¿abcdefghijklmnopqrstuvwxyzäöñüà")
ALL = [(t, lang, v, s) for lang in ("it", "en") for t in sorted(template_names(lang)) for v in ("a", "b")
       for s in (False, True)]


def test_same_templates_in_both_languages_and_every_step_has_one():
    assert template_names("it") == template_names("en")
    assert {s.template for s in DEFAULT_STEPS} | {"first_contact"} <= template_names("it")


@pytest.mark.parametrize("template,lang,variant,supportive", ALL)
def test_renders_in_tone(template, lang, variant, supportive):
    text = render_outreach(template, lang, **{**CTX, "variant": variant, "supportive": supportive})
    lowered = f" {text.lower()} "
    assert not [w for w in FORBIDDEN[lang] if w in lowered]
    assert ("assistente virtuale" if lang == "it" else "virtual assistant") in text  # who is writing
    assert ('"operatore"' if lang == "it" else '"agent"') in text  # how to reach a person
    assert "STOP" in text
    assert text.count("?") <= 1
    assert set(text) <= GSM7, set(text) - GSM7
    assert "FT-2026/00417" not in text and not re.search(r"\d+[.,]\d\d", text)  # no invoice numbers, no amounts


@pytest.mark.parametrize("lang", ["it", "en"])
def test_first_contact_says_nothing_about_the_debt(lang):
    text = render_outreach("first_contact", lang, **CTX).lower()
    assert not [w for w in ("fattura", "invoice", "pagament", "payment", "scad", "due", "rata", "instalment")
                if w in text]


def test_dates_read_naturally():
    assert "scade l'8 dicembre 2026" in render_outreach("pre_due", "it", **CTX)
    assert "due on 8 December 2026" in render_outreach("pre_due", "en", **CTX)
    assert "rata 2 di 6" in render_outreach("instalment_reminder", "it", **CTX)
    assert "S.p.A.." not in render_outreach("pre_due", "it", **CTX)


def test_variants_and_propensity_change_the_message():
    a = render_outreach("post_due", "it", **CTX)
    b = render_outreach("post_due", "it", **{**CTX, "variant": "b"})
    supportive = render_outreach("post_due", "it", **{**CTX, "supportive": True})
    assert len({a, b, supportive}) == 3 and "piano di rientro" in supportive and "piano" not in a


def test_unknown_template_and_path_tricks_are_refused():
    for name in ("nope", "../it/pre_due", "_footer"):
        with pytest.raises(KeyError):
            render_outreach(name, "it", **CTX)
    assert (TEMPLATES_DIR / "it" / "_footer.j2").exists()
