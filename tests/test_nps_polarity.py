"""Opinion of an open answer, and the per-comment file that lets a labelled set score themes."""
from __future__ import annotations

import csv
from datetime import datetime

from hypothesis import given, strategies as st

from bot.nps.polarity import polarity, text_polarity
from bot.nps.report import build_report_with_labels, write_outputs
from bot.nps.sources import SurveyData


def test_praise_and_complaint_in_both_languages():
    assert polarity("Il link di pagamento ha funzionato subito") == "positive"
    assert polarity("Il link di pagamento ha dato errore") == "negative"
    assert polarity("Overall the payment link worked straight away") == "positive"
    assert polarity("the payment link failed twice") == "negative"


def test_negation_flips_the_opinion():
    assert polarity("le notifiche non erano invadenti") == "positive"
    assert polarity("notifications were not intrusive") == "positive"
    assert polarity("le informazioni non erano chiare") == "negative"
    assert polarity("spiegazioni poco chiare") == "negative"


def test_what_follows_but_weighs_more():
    assert polarity("l'operatore era gentile ma non ha risolto nulla") == "negative"
    assert polarity("a bit slow but the agent was kind and helpful") == "positive"


def test_score_only_breaks_ties():
    assert polarity("ho chiamato martedì", score=10) == "positive"
    assert polarity("ho chiamato martedì", score=2) == "negative"
    assert polarity("ho chiamato martedì", score=8) == "neutral"
    assert polarity("troppi messaggi", score=10) == "negative"   # the text wins over the score


@given(st.text(max_size=200))
def test_any_text_gets_one_of_three_answers(text):
    assert polarity(text, 5) in ("positive", "negative", "neutral")
    assert isinstance(text_polarity(text), float)


def test_comment_rows_follow_input_order(tmp_path):
    comments = (["Troppi messaggi ogni giorno, basta sms"] * 6 + ["L'operatore gentile mi ha aiutato"] * 6
                + [""] + ["Rate sostenibili, piano flessibile"] * 6)
    scores = [2] * 6 + [10] * 6 + [7] + [9] * 6
    data = SurveyData.from_rows((datetime(2026, 1, 1 + i), "sms", "plan", "resolved", "it", scores[i], comments[i])
                                for i in range(len(comments)))
    report, per_comment = build_report_with_labels(data)
    paths = write_outputs(report, tmp_path, per_comment=per_comment)
    with paths["comments"].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with paths["themes"].open(encoding="utf-8", newline="") as handle:
        names = {r["theme"] for r in csv.DictReader(handle)}
    assert [int(r["row"]) for r in rows] == list(range(1, len(comments) + 1))
    assert rows[12]["theme"] == "" and rows[12]["polarity"] == "neutral"   # the empty answer
    assert {r["theme"] for r in rows if r["theme"]} <= names
    assert rows[0]["polarity"] == "negative" and rows[6]["polarity"] == "positive"
    assert rows[0]["theme"] != rows[6]["theme"]
    assert all(t["small_sample"] for t in report["themes"])     # n < 30 is flagged
    assert report["themes"][0]["detractors_mentioning_pct"] is not None


def test_the_page_explains_each_theme_in_words(tmp_path):
    comments = (["Troppi messaggi ogni giorno, basta sms", "i messaggi whatsapp sono insistenti",
                 "too many text messages"] * 3
                + ["L'operatore gentile mi ha aiutato", "the agent on the phone was kind",
                   "operatrice cortese al telefono"] * 3)
    scores = [2] * 9 + [10] * 9
    data = SurveyData.from_rows((datetime(2026, 1, 1 + i), "sms", "plan", "resolved", "it", scores[i], comments[i])
                                for i in range(len(comments)))
    report, per_comment = build_report_with_labels(data, n_themes=2)
    html = write_outputs(report, tmp_path, per_comment=per_comment)["html"].read_text(encoding="utf-8")
    assert "Lo cita il 100% dei detrattori e il 0% dei promotori" in html
    assert "senza questi commenti l&#x27;NPS sarebbe +100" in html or "senza questi commenti l'NPS sarebbe +100" in html
    assert "meno di 30 risposte" in html
