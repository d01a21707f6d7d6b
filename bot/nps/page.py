"""A self-contained HTML page shell (inline CSS, no scripts, no external assets) and table helper."""
from __future__ import annotations

from html import escape
from typing import Any, Sequence

from bot.nps.labels import fmt_num  # noqa: F401  (re-exported: the dashboard formats with it)

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.2rem;margin:28px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:1rem;margin:16px 0 6px}.muted{color:#666;font-size:.9rem}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:12px 16px;min-width:150px;flex:1}
.card .v{font-size:1.6rem;font-weight:600}.card .l{color:#555;font-size:.85rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(500px,1fr));gap:16px}
.panel{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:12px 16px;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem;background:#fff}
th,td{border-bottom:1px solid #eee;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
blockquote{margin:4px 0;padding:4px 10px;border-left:3px solid #ccd;color:#333;background:#fafbfc;font-size:.9rem}
.chart{max-width:100%;height:auto}.chart-title{font-weight:600;font-size:13px}.chart-label{font-size:11px;fill:#444}
.chart-value{font-size:11px;fill:#222}.chart-inbar{font-size:11px;fill:#fff}.empty{color:#888}
.theme{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:10px 14px;margin:10px 0}
.tag{display:inline-block;background:#eef2f7;border-radius:10px;padding:1px 8px;margin:1px;font-size:.8rem}
.bad{color:#b5485d}.good{color:#4c9a5f}
"""


def card(label: str, value: str, hint: str = "") -> str:
    """A headline figure box: the value large, its label and an optional hint below, all escaped."""
    extra = f'<div class="muted">{escape(hint)}</div>' if hint else ""
    return f'<div class="card"><div class="v">{escape(value)}</div><div class="l">{escape(label)}</div>{extra}</div>'


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric_from: int = 1) -> str:
    """Escaped table; columns from ``numeric_from`` on are right-aligned."""
    head = "".join(f'<th class="{"num" if i >= numeric_from else ""}">{escape(str(h))}</th>'
                   for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td class="{"num" if i >= numeric_from else ""}">{escape(str(c))}</td>'
                         for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, body: str, lang: str = "it") -> str:
    """A complete HTML document around ``body``, which must already be escaped markup."""
    return (f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head>"
            f"<body><main>{body}</main></body></html>")
