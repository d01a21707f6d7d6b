"""Theme extraction on a crafted corpus, report edge cases, CSV input errors, HTML escaping."""
from __future__ import annotations

import itertools
import json
import re
from datetime import datetime

import numpy as np
import pytest

from bot.nps.report import build_report, write_outputs
from bot.nps.sources import CsvInputError, SurveyData, load_csv
from bot.nps.textnorm import analyse
from bot.nps.themes import assign_themes, fit_themes

INSTALMENTS = [
    "Le rate erano troppo alte, vorrei una rata mensile più bassa",
    "Il piano a rate è stato comodo, dodici rate sostenibili",
    "The instalments were too high for me",
    "Paying in monthly instalments really helped",
    "Rate mensili sostenibili, piano di rientro flessibile",
    "Please allow smaller instalments each month",
    "Poter pagare a rate mi ha salvato",
    "The instalment plan was flexible and affordable",
    "Vorrei più rate per il piano",
    "More instalments would make the plan affordable",
]
AGENT = [
    "L'operatore è stato molto gentile e disponibile",
    "The agent was really kind and patient",
    "Operatrice gentilissima, mi ha ascoltato",
    "A kind agent listened to me without judging",
    "Operatore gentile e competente",
    "The operator was kind and polite",
    "Ho parlato con un operatore gentile",
    "Kind agent, very polite",
    "Operatore cortese e gentile al telefono",
    "The agent on the phone was kind",
]
MESSAGES = [
    "Troppi messaggi, mi scrivete ogni giorno",
    "Too many messages every single day",
    "I messaggi di sollecito sono troppi",
    "Stop sending so many messages and texts",
    "Ricevo troppi sms e messaggi whatsapp",
    "Too many text messages, it feels like pressure",
    "Messaggi continui, anche la sera",
    "Way too many reminder messages",
    "Basta messaggi, sono troppi",
    "The messages come too often",
]


def _data(comments, scores):
    n = len(comments)
    return SurveyData.from_rows(
        (datetime(2026, 1 + i % 3, 1 + i % 27), "whatsapp" if i % 2 else "sms", "plan", "plan_created",
         "it" if i % 2 == 0 else "en", scores[i], comments[i]) for i in range(n))


def crafted():
    comments = list(itertools.chain(INSTALMENTS, AGENT, MESSAGES)) * 3
    truth = (["instalments"] * 10 + ["agent"] * 10 + ["messages"] * 10) * 3
    scores = [{"instalments": 7, "agent": 10, "messages": 2}[t] for t in truth]
    return comments, truth, scores


def test_known_themes_are_found_and_named():
    comments, truth, scores = crafted()
    # Thirty distinct answers are few for choosing k: automatically it lands on 3 or 4.
    auto = fit_themes(comments)
    assert auto is not None and auto.k in (3, 4)
    model = fit_themes(comments, k=3)
    assert model is not None
    assignment = assign_themes(model, comments, workers=1)
    named = {}
    for t in range(model.k):
        members = [truth[i] for i in np.flatnonzero(assignment.label == t)]
        majority = max(set(members), key=members.count)
        assert members.count(majority) / len(members) >= 0.9  # each theme is one topic
        named[majority] = " ".join(model.terms[t][:3])
    assert set(named) == {"instalments", "agent", "messages"}
    assert "rate" in named["instalments"] or "instalment" in named["instalments"]
    # Themes are named by their subject; "gentile"/"kind" is the opinion, read separately.
    assert "operator" in named["agent"] or "agent" in named["agent"]
    assert "messag" in named["messages"]


def test_italian_and_english_land_in_the_same_theme():
    assert sorted(analyse("le rate mensili")) == sorted(analyse("the monthly instalments"))
    assert analyse("troppi messaggi")[-1] == analyse("too many messages")[-1]
    assert analyse("operatore gentile") == analyse("kind agent")[::-1]


def test_report_names_subjects_split_by_opinion_and_the_driver():
    comments, truth, scores = crafted()
    report = build_report(_data(comments, scores))
    assert report["unthemed"] == 0
    assert {t["subject"] for t in report["themes"]} == {"instalments", "operator", "reminders"}
    for theme in report["themes"]:
        # a theme is one subject and one opinion: its verbatims all come from its own answers
        members = {"instalments": INSTALMENTS, "operator": AGENT, "reminders": MESSAGES}[theme["subject"]]
        assert theme["verbatims"] and all(v in members for v in theme["verbatims"])
        assert theme["names"]["it"] != theme["names"]["en"] and ":" in theme["names"]["en"]
    drivers = report["drivers"]
    assert len(drivers) == 1 and drivers[0]["names"]["it"] == "Solleciti e messaggi: troppi o insistenti"
    messages = next(t for t in report["themes"] if t["id"] == drivers[0]["id"])
    assert messages["size"] == 30 and messages["mean_score"] == 2.0 and messages["nps"] == -100.0
    assert messages["polarity"] == "negative" and messages["small_sample"] is False
    json.dumps(report)  # the figures file must be writable as is


def test_praise_and_complaint_about_one_subject_are_two_themes_in_both_languages():
    complaints = ["Il link di pagamento ha dato errore", "the payment link gave an error at checkout",
                  "il pagamento con carta non funzionava", "the card payment page failed twice"] * 3
    praise = ["Overall the payment link worked straight away", "pagato con il link in un attimo, comodissimo",
              "paying by card from the link was quick", "il bonifico con l'iban indicato è stato semplice"] * 3
    report = build_report(_data(complaints + praise, [2] * 12 + [10] * 12))
    rows = {t["polarity"]: t for t in report["themes"]}
    assert set(rows) == {"negative", "positive"} and {t["subject"] for t in rows.values()} == {"payment"}
    assert rows["negative"]["size"] == 12 and rows["positive"]["size"] == 12
    assert rows["negative"]["languages"] == {"it": 6, "en": 6}
    assert rows["negative"]["names"]["it"] == "Link e metodi di pagamento: errori e blocchi"
    assert all(v in complaints for v in rows["negative"]["verbatims"])
    assert rows["negative"]["detractors_mentioning_pct"] == 100.0 and rows["negative"]["promoters_mentioning_pct"] == 0.0
    assert rows["negative"]["nps_without"] == 100.0


def test_answers_about_no_known_subject_still_form_a_theme():
    parking = ["il parcheggio davanti all'ufficio è impossibile", "parcheggio introvabile vicino alla sede",
               "nessun parcheggio per i clienti in sede", "parcheggio della sede sempre pieno"] * 3
    report = build_report(_data(parking, [3] * len(parking)))
    assert report["themes"] and report["themes"][0]["subject"].startswith("other:")
    assert "parcheggio" in report["themes"][0]["names"]["it"]


def test_every_breakdown_and_trend_month_flags_small_samples():
    comments, _, scores = crafted()
    report = build_report(_data(comments, scores))
    for rows in report["by"].values():
        assert rows and all(r["small_sample"] == (r["n"] < 30) for r in rows)
    for theme in report["themes"]:
        assert theme["trend"] and all(p["small_sample"] == (p["comments"] < 30) for p in theme["trend"])


def test_italian_page_uses_labels_and_one_decimal_mark(tmp_path):
    comments, _, scores = crafted()
    html = write_outputs(build_report(_data(comments, scores)), tmp_path, lang="it")["html"].read_text(encoding="utf-8")
    assert "Piano concordato" in html and "plan_created" not in html
    assert "Solleciti e messaggi: troppi o insistenti" in html
    assert not re.search(r"\d\.\d+%", html), "an English decimal point in the Italian page"
    assert "gen 2026" in html and "Incidenza detrattori: quante volte" in html
    english = write_outputs(build_report(_data(comments, scores)), tmp_path / "en", lang="en")["html"]
    text = english.read_text(encoding="utf-8")
    assert "Plan agreed" in text and "Reminders and messages: too many or pushy" in text
    assert not re.search(r"\d,\d%", text)


@pytest.mark.parametrize("n", [0, 1, 3])
def test_few_comments_do_not_crash(n, tmp_path):
    comments = INSTALMENTS[:n]
    report = build_report(_data(comments, [5] * n))
    assert report["themes"] == [] and report["overall"]["n"] == n
    assert len(report["verbatims"]) == n
    paths = write_outputs(report, tmp_path)
    assert paths["html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_only_stop_words_gives_no_themes():
    report = build_report(_data(["ok grazie"] * 8, [9] * 8))
    assert report["themes"] == [] and report["overall"]["nps"] == 100.0


def test_fast_word_columns_match_the_vectoriser():
    comments, _, _ = crafted()
    model = fit_themes(comments)
    probe = comments[:12] + ["parola sconosciuta", "", "Le RATE erano ALTE!"]
    expected = model.vectorizer.transform(probe).toarray()
    assert np.array_equal(model.columns.counts(probe).toarray(), expected)


def test_parallel_and_serial_assignment_agree(monkeypatch):
    import bot.nps.themes as themes

    comments, _, _ = crafted()
    model = fit_themes(comments)
    serial = assign_themes(model, comments, workers=1)
    monkeypatch.setattr(themes, "PARALLEL_FROM", 10)
    monkeypatch.setattr(themes, "CHUNK", 16)
    parallel = assign_themes(model, comments, workers=2)
    assert np.array_equal(serial.label, parallel.label)


def test_html_escapes_verbatims_and_is_self_contained(tmp_path):
    evil = '<script>alert("x")</script> troppi messaggi <img src=x onerror=alert(1)>'
    report = build_report(_data([evil, "ok", "Rate comode"], [0, 9, 10]))
    report["by"]["channel"][0]["key"] = "<b>sms</b>"
    html = write_outputs(report, tmp_path, lang="it")["html"].read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;" in html and "&lt;b&gt;sms&lt;/b&gt;" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert "<svg" in html


def _csv(tmp_path, text):
    path = tmp_path / "survey.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_is_read(tmp_path):
    path = _csv(tmp_path, "created_at,channel,journey,outcome,language,score,comment\n"
                          '2026-01-05,sms,plan,plan_created,IT,9,"Rate comode, grazie"\n'
                          "2026-02-01T10:00:00,whatsapp,balance,informed,en,3,\n\n")
    data = load_csv(path)
    assert len(data) == 2 and list(data.score) == [9, 3] and list(data.language) == ["it", "en"]
    assert data.comment == ["Rate comode, grazie", ""]


def test_csv_semicolon_export(tmp_path):
    path = _csv(tmp_path, "created_at;score;comment\n05/01/2026;10;ottimo\n")
    assert list(load_csv(path).score) == [10]


@pytest.mark.parametrize("body,message", [
    ("created_at,channel,score\n2026-01-01,sms,9\n2026-01-02,sms,eleven\n", "line 3, column score"),
    ("created_at,channel,score\n2026-01-01,sms,11\n", "line 2, column score"),
    ("created_at,channel,score\nyesterday,sms,9\n", "line 2, column created_at"),
    ("created_at,channel,score\n2026-01-01,sms\n", "line 2: expected 3 fields"),
    ("when,channel,comment\n2026-01-01,sms,x\n", "line 1: missing column(s) created_at, score"),
    ("", "empty"),
    ('created_at,score,comment\n2026-01-01,9,"two\nlines"\n2026-01-01,x,ok\n', "line 4, column score"),
])
def test_csv_errors_name_line_and_column(tmp_path, body, message):
    with pytest.raises(CsvInputError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        load_csv(_csv(tmp_path, body))
    assert "survey.csv" in str(info.value)


def test_missing_csv_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_csv(tmp_path / "nope.csv")


def test_parallel_and_serial_reading_agree(monkeypatch):
    import bot.nps.reading as reading

    comments, _, _ = crafted()
    texts = comments + ["", "Il link non funziona più", "boh"]
    serial = reading.read_texts(texts, workers=1)
    monkeypatch.setattr(reading, "PARALLEL_FROM", 10)
    monkeypatch.setattr(reading, "CHUNK", 7)
    parallel = reading.read_texts(texts, workers=2)
    for a, b in ((serial.subject, parallel.subject), (serial.weight, parallel.weight),
                 (serial.opinion, parallel.opinion)):
        assert np.array_equal(a, b)
    assert serial.subject[-1] == -1 and serial.subject[-2] >= 0 and serial.opinion[-2] < 0
