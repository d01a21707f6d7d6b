"""The NPS report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
from __future__ import annotations

from html import escape
from typing import Any

from bot.nps.charts import BAD, GOOD, NEUTRAL, PALETTE, Bar, bar_chart, line_chart, nps_color, stacked_bar
from bot.nps.page import card, fmt_num, page, table

LABELS: dict[str, dict[str, Any]] = {
    "it": {
        "title": "Report NPS dell'esperienza di recupero", "period": "Periodo", "source": "Fonte",
        "responses": "Risposte", "nps": "NPS", "ci": "Intervallo di confidenza 95%", "promoters": "Promotori",
        "passives": "Passivi", "detractors": "Detrattori", "mean": "Voto medio", "distribution": "Distribuzione",
        "scores": "Voti 0–10", "trend": "Andamento mensile", "by": "NPS per", "channel": "canale",
        "journey": "percorso", "outcome": "esito", "language": "lingua", "month": "mese",
        "themes": "Temi nelle risposte aperte", "drivers": "Cosa genera detrattori", "size": "Commenti",
        "share": "Quota", "lift": "Incidenza detrattori", "examples": "Commenti rappresentativi",
        "no_themes": "Troppo pochi commenti per individuare temi; ecco quelli ricevuti.",
        "no_drivers": "Nessun tema è associato ai detrattori più della media.", "with_text": "Con commento",
        "unthemed": "Commenti senza tema", "key": "Valore", "nps_rest": "NPS altri commenti",
        "of_detractors": "dei commenti dei detrattori", "terms": "Parole chiave",
        "effect": "Lo cita il {det}% dei detrattori e il {pro}% dei promotori; NPS di chi lo cita {nps}; "
                  "senza questi commenti l'NPS sarebbe {without}.",
        "small": "meno di 30 risposte: dato indicativo",
        "polarity": {"negative": "soprattutto critiche", "positive": "soprattutto apprezzamenti",
                     "neutral": "opinioni miste"},
    },
    "en": {
        "title": "Collection experience NPS report", "period": "Period", "source": "Source",
        "responses": "Responses", "nps": "NPS", "ci": "95% confidence interval", "promoters": "Promoters",
        "passives": "Passives", "detractors": "Detractors", "mean": "Mean score", "distribution": "Distribution",
        "scores": "Scores 0–10", "trend": "Monthly trend", "by": "NPS by", "channel": "channel",
        "journey": "journey", "outcome": "outcome", "language": "language", "month": "month",
        "themes": "Themes in the open answers", "drivers": "What drives detractors", "size": "Comments",
        "share": "Share", "lift": "Detractor lift", "examples": "Representative comments",
        "no_themes": "Too few comments to find themes; here are the ones received.",
        "no_drivers": "No theme is linked to detractors more than average.", "with_text": "With a comment",
        "unthemed": "Comments without a theme", "key": "Value", "nps_rest": "NPS of other comments",
        "of_detractors": "of detractors' comments", "terms": "Key words",
        "effect": "{det}% of detractors mention it vs {pro}% of promoters; NPS among those who mention it {nps}; "
                  "without these comments NPS would be {without}.",
        "small": "fewer than 30 answers: indicative only",
        "polarity": {"negative": "mostly complaints", "positive": "mostly praise", "neutral": "mixed opinions"},
    },
}


def _headline(report: dict[str, Any], t: dict[str, str], lang: str) -> str:
    o = report["overall"]
    ci = f"{fmt_num(o['ci95_low'], 0, lang)} … {fmt_num(o['ci95_high'], 0, lang)}" if o["n"] else "—"
    cards = [
        card(t["nps"], fmt_num(o["nps"], 0, lang), f"{t['ci']}: {ci}"),
        card(t["responses"], fmt_num(o["n"], 0, lang)),
        card(t["promoters"], f"{fmt_num(o['promoters_pct'], 1, lang)}%"),
        card(t["passives"], f"{fmt_num(o['passives_pct'], 1, lang)}%"),
        card(t["detractors"], f"{fmt_num(o['detractors_pct'], 1, lang)}%"),
        card(t["mean"], fmt_num(o["mean_score"], 1, lang)),
        card(t["with_text"], fmt_num(report["comments"]["with_text"], 0, lang)),
    ]
    split = stacked_bar([(t["detractors"], o["detractors"], BAD), (t["passives"], o["passives"], NEUTRAL),
                         (t["promoters"], o["promoters"], GOOD)], title=t["distribution"], width=1000)
    hist = report["histogram"]
    hist_bars = [Bar(str(s), hist[s], color=BAD if s <= 6 else NEUTRAL if s <= 8 else GOOD) for s in range(11)]
    trend = [(row["key"], row["nps"]) for row in sorted(report["by"]["month"], key=lambda r: r["key"])]
    return (f'<div class="cards">{"".join(cards)}</div><div class="panel">{split}</div>'
            f'<div class="grid"><div class="panel">{bar_chart(hist_bars, title=t["scores"])}</div>'
            f'<div class="panel">{line_chart(trend, title=t["trend"] + " (NPS)")}</div></div>')


def _dimension(report: dict[str, Any], dim: str, t: dict[str, str], lang: str) -> str:
    rows = report["by"][dim]
    if dim == "month":
        rows = sorted(rows, key=lambda r: r["key"])
    bars = [Bar(r["key"], r["nps"] or 0.0, note=f"n={r['n']}", color=nps_color(r["nps"])) for r in rows[:15]]
    chart = bar_chart(bars, title=f"{t['by']} {t[dim]}", signed=True)
    data = [(r["key"], r["n"], fmt_num(r["nps"], 1, lang),
             f"{fmt_num(r['ci95_low'], 0, lang)} … {fmt_num(r['ci95_high'], 0, lang)}",
             f"{fmt_num(r['promoters_pct'], 1, lang)}%", f"{fmt_num(r['passives_pct'], 1, lang)}%",
             f"{fmt_num(r['detractors_pct'], 1, lang)}%", fmt_num(r["mean_score"], 2, lang)) for r in rows]
    headers = (t[dim], t["responses"], t["nps"], t["ci"], t["promoters"], t["passives"], t["detractors"], t["mean"])
    return f'<div class="panel">{chart}{table(headers, data)}</div>'


def _signed(value: Any, lang: str) -> str:
    """NPS with its sign (+8, −39): a bare 8 reads as a count."""
    if value is None:
        return "—"
    text = fmt_num(abs(value), 0, lang)
    return ("−" if value < 0 else "+") + text if round(value) != 0 else "0"


def _themes(report: dict[str, Any], t: dict[str, str], lang: str) -> str:
    if not report["themes"]:
        quotes = "".join(f"<blockquote>{escape(v)}</blockquote>" for v in report.get("verbatims", []))
        return f'<p class="muted">{escape(t["no_themes"])}</p>{quotes}'
    bars = [Bar(th["name"], th["size"], note=f"NPS {fmt_num(th['nps'], 0, lang)}", color=PALETTE[i % len(PALETTE)])
            for i, th in enumerate(report["themes"])]
    nps_bars = [Bar(th["name"], th["nps"] or 0.0, color=nps_color(th["nps"])) for th in report["themes"]]
    parts = [f'<div class="grid"><div class="panel">{bar_chart(bars, title=t["size"])}</div>'
             f'<div class="panel">{bar_chart(nps_bars, title=t["nps"], signed=True)}</div></div>']
    for th in report["themes"]:
        tags = "".join(f'<span class="tag">{escape(term)}</span>' for term in th["terms"])
        quotes = "".join(f"<blockquote>{escape(v)}</blockquote>" for v in th["verbatims"])
        effect = t["effect"].format(det=fmt_num(th.get("detractors_mentioning_pct"), 0, lang),
                                    pro=fmt_num(th.get("promoters_mentioning_pct"), 0, lang),
                                    nps=_signed(th["nps"], lang), without=_signed(th.get("nps_without"), lang))
        mood = t["polarity"].get(th.get("polarity", ""), "")
        small = f' · <strong>{escape(t["small"])}</strong>' if th.get("small_sample") else ""
        parts.append(
            f'<div class="theme"><h3>{escape(th["name"])}</h3><div>{tags}</div>'
            f'<p>{escape(effect)}</p>'
            f'<p class="muted">{escape(t["size"])}: {fmt_num(th["size"], 0, lang)} ({fmt_num(th["share_pct"], 1, lang)}%)'
            f' · {escape(t["mean"])}: {fmt_num(th["mean_score"], 1, lang)} · {escape(mood)}{small}</p>'
            f'<div class="muted">{escape(t["examples"])}</div>{quotes}</div>')
    parts.append(f'<p class="muted">{escape(t["unthemed"])}: {fmt_num(report["unthemed"], 0, lang)}</p>')
    return "".join(parts)


def _drivers(report: dict[str, Any], t: dict[str, str], lang: str) -> str:
    drivers = report["drivers"]
    if not drivers:
        return f'<p class="muted">{escape(t["no_drivers"] if report["themes"] else "—")}</p>'
    bars = [Bar(d["name"], d["share_of_detractor_comments_pct"], note=f"×{fmt_num(d['lift'], 2, lang)}", color=BAD)
            for d in drivers]
    rows = [(d["name"], d["detractors"], f"×{fmt_num(d['lift'], 2, lang)}",
             f"{fmt_num(d['share_of_detractor_comments_pct'], 1, lang)}%", fmt_num(d["nps"], 0, lang),
             fmt_num(d["nps_rest"], 0, lang)) for d in drivers]
    headers = ("", t["detractors"], t["lift"], t["of_detractors"], t["nps"], t["nps_rest"])
    return (f'<div class="panel">{bar_chart(bars, title=t["of_detractors"], suffix="%", decimals=1)}'
            f'{table(headers, rows)}</div>')


def render_report(report: dict[str, Any], lang: str = "it") -> str:
    t = LABELS.get(lang, LABELS["en"])
    period = report["period"]
    body = [
        f"<h1>{escape(t['title'])}</h1>",
        f'<p class="muted">{escape(t["period"])}: {escape(str(period["from"] or "—"))} → '
        f'{escape(str(period["to"] or "—"))} · {escape(t["source"])}: {escape(report["source"])}</p>',
        _headline(report, t, lang),
        f"<h2>{escape(t['drivers'])}</h2>", _drivers(report, t, lang),
        f"<h2>{escape(t['themes'])}</h2>", _themes(report, t, lang),
    ]
    for dim in ("channel", "journey", "outcome", "language", "month"):
        body.append(f"<h2>{escape(t['by'])} {escape(t[dim])}</h2>{_dimension(report, dim, t, lang)}")
    return page(t["title"], "".join(body), lang)
