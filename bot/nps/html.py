"""The NPS report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
from __future__ import annotations

from html import escape
from typing import Any

from bot.nps.charts import BAD, GOOD, NEUTRAL, Bar, bar_chart, line_chart, nps_color, stacked_bar
from bot.nps.labels import day_label, fmt_num, label, month_label
from bot.nps.page import card, page, table
from bot.nps.theme_rows import SMALL_SAMPLE

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
        "of_detractors": "Quota dei commenti dei detrattori", "terms": "Parole chiave",
        "effect": "Lo cita il {det}% dei detrattori e il {pro}% dei promotori; NPS di chi lo cita {nps}; "
                  "senza questi commenti l'NPS sarebbe {without}.",
        "small": "meno di 30 risposte: dato indicativo", "small_short": "n < 30",
        "theme_trend": "Quota dei commenti del mese che ne parlano (%)",
        "trend_gap": "I mesi con meno di 30 risposte non sono tracciati.", "note": "Nota",
        "lift_help": "Incidenza detrattori: quante volte un commento del tema viene da un detrattore "
                     "rispetto ai commenti in generale (×1,00 = come la media).",
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
        "of_detractors": "Share of detractors' comments", "terms": "Key words",
        "effect": "{det}% of detractors mention it vs {pro}% of promoters; NPS among those who mention it {nps}; "
                  "without these comments NPS would be {without}.",
        "small": "fewer than 30 answers: indicative only", "small_short": "n < 30",
        "theme_trend": "Share of the month's comments mentioning it (%)",
        "trend_gap": "Months with fewer than 30 answers are not plotted.", "note": "Note",
        "lift_help": "Detractor lift: how much more often a comment on the theme comes from a detractor "
                     "than comments in general do (×1.00 = average).",
    },
}


def _headline(report: dict[str, Any], t: dict[str, str], lang: str) -> str:
    o = report["overall"]
    ci = f"{fmt_num(o['ci95_low'], 0, lang)} … {fmt_num(o['ci95_high'], 0, lang)}" if o["n"] else "—"
    cards = [
        card(t["nps"], _signed(o["nps"], lang), f"{t['ci']}: {ci}"),
        card(t["responses"], fmt_num(o["n"], 0, lang)),
        card(t["promoters"], f"{fmt_num(o['promoters_pct'], 1, lang)}%"),
        card(t["passives"], f"{fmt_num(o['passives_pct'], 1, lang)}%"),
        card(t["detractors"], f"{fmt_num(o['detractors_pct'], 1, lang)}%"),
        card(t["mean"], fmt_num(o["mean_score"], 1, lang)),
        card(t["with_text"], fmt_num(report["comments"]["with_text"], 0, lang)),
    ]
    split = stacked_bar([(t["detractors"], o["detractors"], BAD), (t["passives"], o["passives"], NEUTRAL),
                         (t["promoters"], o["promoters"], GOOD)], title=t["distribution"], width=1000,
                         lang=lang)
    hist = report["histogram"]
    hist_bars = [Bar(str(s), hist[s], color=BAD if s <= 6 else NEUTRAL if s <= 8 else GOOD) for s in range(11)]
    trend = [(month_label(row["key"], lang), None if row["n"] < SMALL_SAMPLE else row["nps"])
             for row in sorted(report["by"]["month"], key=lambda r: r["key"])]
    gap = any(row["n"] < SMALL_SAMPLE for row in report["by"]["month"])
    note = f'<p class="muted">{escape(t["trend_gap"])}</p>' if gap else ""
    return (f'<div class="cards">{"".join(cards)}</div><div class="panel">{split}</div>'
            f'<div class="grid"><div class="panel">{bar_chart(hist_bars, title=t["scores"], lang=lang)}</div>'
            f'<div class="panel">{line_chart(trend, title=t["trend"] + " (NPS)", lang=lang)}{note}</div></div>')


def _dimension(report: dict[str, Any], dim: str, t: dict[str, str], lang: str) -> str:
    rows = report["by"][dim]
    if dim == "month":
        rows = sorted(rows, key=lambda r: r["key"])
    bars = [Bar(label(dim, r["key"], lang), r["nps"] or 0.0, note=_n_note(r["n"], lang), color=nps_color(r["nps"]))
            for r in rows[:15]]
    chart = bar_chart(bars, title=f"{t['by']} {t[dim]}", signed=True, lang=lang)
    data = [(label(dim, r["key"], lang) + (f" ({t['small_short']})" if r["n"] < SMALL_SAMPLE else ""),
             fmt_num(r["n"], 0, lang), fmt_num(r["nps"], 1, lang),
             f"{fmt_num(r['ci95_low'], 0, lang)} … {fmt_num(r['ci95_high'], 0, lang)}",
             f"{fmt_num(r['promoters_pct'], 1, lang)}%", f"{fmt_num(r['passives_pct'], 1, lang)}%",
             f"{fmt_num(r['detractors_pct'], 1, lang)}%", fmt_num(r["mean_score"], 2, lang)) for r in rows]
    headers = (t[dim], t["responses"], t["nps"], t["ci"], t["promoters"], t["passives"], t["detractors"], t["mean"])
    small = f'<p class="muted">{escape(t["small_short"])}: {escape(t["small"])}</p>' \
        if any(r["n"] < SMALL_SAMPLE for r in rows) else ""
    return f'<div class="panel">{chart}{table(headers, data)}{small}</div>'


def _n_note(n: int, lang: str) -> str:
    return f"n={fmt_num(n, 0, lang)}" + (" ⚠" if n < SMALL_SAMPLE else "")


def _name(item: dict[str, Any], lang: str) -> str:
    return item.get("names", {}).get(lang) or item["name"]


def _signed(value: Any, lang: str) -> str:
    """NPS with its sign (+8, −39): a bare 8 reads as a count."""
    if value is None:
        return "—"
    text = fmt_num(abs(value), 0, lang)
    return ("−" if value < 0 else "+") + text if round(value) != 0 else "0"


def _theme_trend(th: dict[str, Any], t: dict[str, str], lang: str) -> str:
    points = [(month_label(p["month"], lang), None if p["small_sample"] else p["share_pct"]) for p in th.get("trend", [])]
    if len(points) < 2 or all(v is None for _, v in points):
        return ""
    peak = max(v for _, v in points if v is not None)
    return line_chart(points, title=t["theme_trend"], width=520, height=150, y_min=0,
                      y_max=max(10.0, round(peak * 1.2 + 0.5)), suffix="%", lang=lang)


def _themes(report: dict[str, Any], t: dict[str, str], lang: str) -> str:
    if not report["themes"]:
        quotes = "".join(f"<blockquote>{escape(v)}</blockquote>" for v in report.get("verbatims", []))
        return f'<p class="muted">{escape(t["no_themes"])}</p>{quotes}'
    themes = report["themes"]
    bars = [Bar(_name(th, lang), th["size"], note=f"NPS {_signed(th['nps'], lang)}",
                color=BAD if th.get("polarity") == "negative" else GOOD if th.get("polarity") == "positive" else NEUTRAL)
            for th in themes]
    nps_bars = [Bar(_name(th, lang), th["nps"] or 0.0, note=_n_note(th["size"], lang), color=nps_color(th["nps"]))
                for th in themes]
    parts = [f'<div class="panel">{bar_chart(bars, title=t["size"], width=1000, label_w=420, lang=lang)}</div>'
             f'<div class="panel">{bar_chart(nps_bars, title=t["nps"], signed=True, width=1000, label_w=420, lang=lang)}'
             f'</div>']
    for th in themes:
        tags = "".join(f'<span class="tag">{escape(term)}</span>' for term in th["terms"])
        quotes = "".join(f"<blockquote>{escape(v)}</blockquote>" for v in th["verbatims"])
        effect = t["effect"].format(det=fmt_num(th.get("detractors_mentioning_pct"), 0, lang),
                                    pro=fmt_num(th.get("promoters_mentioning_pct"), 0, lang),
                                    nps=_signed(th["nps"], lang), without=_signed(th.get("nps_without"), lang))
        small = f' · <strong>{escape(t["small"])}</strong>' if th.get("small_sample") else ""
        parts.append(
            f'<div class="theme"><h3>{escape(_name(th, lang))}</h3>'
            f'<p>{escape(effect)}</p>'
            f'<p class="muted">{escape(t["size"])}: {fmt_num(th["size"], 0, lang)} ({fmt_num(th["share_pct"], 1, lang)}%)'
            f' · {escape(t["mean"])}: {fmt_num(th["mean_score"], 1, lang)}{small}</p>'
            f'{_theme_trend(th, t, lang)}<div class="muted">{escape(t["terms"])}: {tags}</div>'
            f'<div class="muted">{escape(t["examples"])}</div>{quotes}</div>')
    parts.append(f'<p class="muted">{escape(t["unthemed"])}: {fmt_num(report["unthemed"], 0, lang)}</p>')
    return "".join(parts)


def _drivers(report: dict[str, Any], t: dict[str, str], lang: str) -> str:
    drivers = report["drivers"]
    if not drivers:
        return f'<p class="muted">{escape(t["no_drivers"] if report["themes"] else "—")}</p>'
    bars = [Bar(_name(d, lang), d["share_of_detractor_comments_pct"], note=f"×{fmt_num(d['lift'], 2, lang)}",
                color=BAD) for d in drivers]
    rows = [(_name(d, lang) + (f" ({t['small_short']})" if d.get("small_sample") else ""),
             fmt_num(d["detractors"], 0, lang), f"×{fmt_num(d['lift'], 2, lang)}",
             f"{fmt_num(d['share_of_detractor_comments_pct'], 1, lang)}%", _signed(d["nps"], lang),
             _signed(d["nps_rest"], lang)) for d in drivers]
    headers = ("", t["detractors"], t["lift"], t["of_detractors"], t["nps"], t["nps_rest"])
    chart = bar_chart(bars, title=t["of_detractors"] + " (%)", suffix="%", decimals=1, width=1000, label_w=420,
                      lang=lang)
    return (f'<div class="panel">{chart}{table(headers, rows)}'
            f'<p class="muted">{escape(t["lift_help"])}</p></div>')


def themes_section(report: dict[str, Any], lang: str = "it") -> str:
    """What drives detractors and the themes, as one block (the console dashboard embeds it)."""
    t = LABELS.get(lang, LABELS["en"])
    return (f"<h2>{escape(t['drivers'])}</h2>{_drivers(report, t, lang)}"
            f"<h2>{escape(t['themes'])}</h2>{_themes(report, t, lang)}")


def render_report(report: dict[str, Any], lang: str = "it") -> str:
    """The whole report as one self-contained HTML page in ``lang`` (English labels if unknown)."""
    t = LABELS.get(lang, LABELS["en"])
    period = report["period"]
    body = [
        f"<h1>{escape(t['title'])}</h1>",
        f'<p class="muted">{escape(t["period"])}: {escape(day_label(period["from"], lang))} → '
        f'{escape(day_label(period["to"], lang))} · {escape(t["source"])}: {escape(report["source"])}</p>',
        _headline(report, t, lang),
        f"<h2>{escape(t['drivers'])}</h2>", _drivers(report, t, lang),
        f"<h2>{escape(t['themes'])}</h2>", _themes(report, t, lang),
    ]
    for dim in ("channel", "journey", "outcome", "language", "month"):
        body.append(f"<h2>{escape(t['by'])} {escape(t[dim])}</h2>{_dimension(report, dim, t, lang)}")
    return page(t["title"], "".join(body), lang)
