"""The self-contained HTML report: escaped tables from Python, charts drawn by plotly.

Every piece of user text (speaker names, messages, titles, keywords) goes through
`html.escape` here, or through the JSON data block whose `<`, `>` and `&` are written as
\\u escapes so no message can close the <script> element. The page loads nothing: a
Content-Security-Policy forbids every network request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from html import escape
from typing import Any

from parley.report._assets import plotly_js_gzip_base64, static_text

__all__ = ["render_html"]

_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:"
)
Cell = str | int | float | None
_NONE = "\u2013"  # an en dash for "no value"


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _num(value: Cell, digits: int = 0) -> str:
    if value is None:
        return _NONE
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return _e(value)


def _pct(value: float | None) -> str:
    return _NONE if value is None else f"{value:.0%}"


def _dur(seconds: float | None) -> str:
    if seconds is None:
        return _NONE
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _moment(value: str | float | None) -> str:
    """An ISO date-time as "2024-03-04 09:00", seconds into a recording as "0:13:18"."""
    if value is None:
        return _NONE
    if isinstance(value, int | float):
        minutes, seconds = divmod(int(value), 60)
        return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"
    return _e(value.replace("T", " ")[:16])


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """`rows` hold already-escaped cell HTML; headers are escaped here."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _chart(chart_id: str, title: str) -> str:
    caption = f"<figcaption>{_e(title)}</figcaption>"
    return f'<figure>{caption}<div class="chart" id="{chart_id}"></div></figure>'


def _section(title: str, body: str, note: str | None = None) -> str:
    n = f'<p class="note">{_e(note)}</p>' if note else ""
    return f"<section><h2>{_e(title)}</h2>{n}{body}</section>"


def _unavailable(section: dict[str, Any]) -> str:
    return f'<p class="note">Not available: {_e(section.get("reason") or "no data")}.</p>'


def _overview(r: dict[str, Any]) -> str:
    numbers = r["summary"]["numbers"]
    cards = [
        ("messages", _num(numbers.get("messages"))),
        ("people", _num(numbers.get("speakers"))),
        ("words", _num(numbers.get("words"))),
    ]
    if "days" in numbers:
        cards.append(("days", _num(numbers["days"])))
    if "sessions" in numbers:
        cards.append(("conversations", _num(numbers["sessions"])))
    if "sentimentMean" in numbers:
        cards.append(("mean sentiment", _num(float(numbers["sentimentMean"]), 2)))
    tiles = "".join(f'<div class="card"><b>{v}</b><span>{_e(k)}</span></div>' for k, v in cards)
    lines = "".join(f"<li>{_e(line)}</li>" for line in r["summary"]["headlines"])
    return (
        f'<section class="summary"><ul class="headlines">{lines}</ul>'
        f'<div class="cards">{tiles}</div></section>'
    )


def _participation(r: dict[str, Any]) -> str:
    p = r["participation"]
    rows = [
        (
            _e(s["speaker"]),
            _num(s["messages"]),
            _pct(s["messageShare"]),
            _num(s["turns"]),
            _num(s["words"]),
            _pct(s["wordShare"]),
            _num(s["wordsPerMessage"]["mean"], 1),
            _num(s["media"]),
        )
        for s in p["speakers"]
    ]
    table = _table(
        ["speaker", "messages", "share", "turns", "words", "word share", "words/msg", "media"],
        rows,
    )
    more = (
        f" {p['omittedSpeakers']} less active speakers not listed." if p["omittedSpeakers"] else ""
    )
    note = (
        f"Inequality (Gini, 0 = equal): messages {p['giniMessages']:.2f},"
        f" words {p['giniWords']:.2f}.{more}"
    )
    return _section("Who talks", _chart("ch-participation", "Messages per speaker") + table, note)


def _activity(r: dict[str, Any]) -> str:
    a = r["activity"]
    if not a["available"]:
        return _section("When", _unavailable(a))
    unit = a["byDate"]["unit"]
    body = (
        _chart("ch-dates", f"Messages per {unit}")
        + '<div class="row">'
        + _chart("ch-hours", "By hour of day")
        + _chart("ch-weekdays", "By weekday")
        + "</div>"
        + _chart("ch-heatmap", "Hour by weekday")
    )
    span = a["firstDay"] if a["firstDay"] == a["lastDay"] else f"{a['firstDay']} to {a['lastDay']}"
    note = (
        f"{span}: {_plural(a['activeDays'], 'active day')} of {a['spanDays']:,}; "
        f"longest run {_plural(a['longestDailyStreak'], 'day')} in a row; busiest day "
        f"{a['busiestDay']} ({_plural(a['busiestDayMessages'], 'message')})."
    )
    return _section("When", body, note)


def _turns(r: dict[str, Any]) -> str:
    t = r["turns"]
    rows = [
        (
            _e(s["speaker"]),
            _num(s["turns"]),
            _num(s["answers"]),
            _dur(s["responseSeconds"]["median"] if s["responseSeconds"]["count"] else None),
            _dur(s["responseSeconds"]["p90"] if s["responseSeconds"]["count"] else None),
            _num(s["sessionsStarted"]),
            _num(s["longestStreak"]),
        )
        for s in t["speakers"][:50]
    ]
    table = _table(
        ["speaker", "turns", "answers", "median reply", "p90 reply", "started", "longest streak"],
        rows,
    )
    body = _chart("ch-replies", "Who answers whom (row answered column)") + table
    sessions = t["sessions"]
    note = None
    if sessions["available"]:
        note = (
            f"{_plural(sessions['count'], 'conversation')},"
            f" split on {_dur(sessions['gapSeconds'])} of quiet; "
            f"median {sessions['messagesPerSession']['median']:.0f} messages and "
            f"{_dur(sessions['durationSeconds']['median'])} each."
        )
        silences = [
            (_dur(s["seconds"]), _moment(s["after"]), _moment(s["until"]), _e(s["brokenBy"]))
            for s in t["longestSilences"]
        ]
        if silences:
            body += "<h3>Longest silences</h3>" + _table(
                ["silence", "from", "until", "broken by"], silences
            )
    return _section("Turn-taking", body, note)


def _timed(r: dict[str, Any]) -> str:
    t = r["timed"]
    if not t["available"]:
        return ""
    rows = [
        (
            _e(s["speaker"]),
            _dur(s["talkSeconds"]),
            _pct(s["talkShare"]),
            _dur(s["longestMonologueSeconds"]),
            _num(s["interruptionsMade"]),
            _num(s["interrupted"]),
            _pct(s["questionRate"]),
        )
        for s in t["speakers"][:50]
    ]
    table = _table(
        [
            "speaker",
            "talk time",
            "share",
            "longest monologue",
            "interrupts",
            "interrupted",
            "questions",
        ],
        rows,
    )
    note = (
        f"{_dur(t['durationSeconds'])} recorded, {_dur(t['silenceSeconds'])} of silence, "
        f"{t['interruptions']} interruptions, {t['switchesPerMinute']:.1f} speaker switches "
        f"and {t['questionsPerMinute']:.1f} questions a minute."
    )
    return _section("Talk time", _chart("ch-talk", "Talk time per speaker") + table, note)


def _quotes(title: str, quotes: list[dict[str, Any]]) -> str:
    if not quotes:
        return ""
    items = "".join(
        f"<li><q>{_e(q['text'])}</q> <span>\u2014 {_e(q['speaker'])}, {_moment(q['at'])}"
        f" ({q['score']:+.2f})</span></li>"
        for q in quotes
    )
    return f'<div><h3>{_e(title)}</h3><ul class="quotes">{items}</ul></div>'


def _sentiment(r: dict[str, Any]) -> str:
    s = r["sentiment"]
    if not s["scoredMessages"]:
        return _section("Tone", '<p class="note">No text messages to score.</p>')
    body = _chart("ch-sent-speakers", "Mean sentiment per speaker (-1 to +1)")
    if s["overTime"]:
        body += _chart("ch-sent-time", f"Mean sentiment per {s['overTime']['unit']}")
    body += '<div class="row">' + _quotes("Most positive", s["mostPositive"])
    body += _quotes("Most negative", s["mostNegative"]) + "</div>"
    note = (
        f"{_pct(s['positiveShare'])} of messages positive, {_pct(s['negativeShare'])} negative, "
        f"mean {s['mean']:+.2f} (VADER, an English lexicon: other languages read as neutral)."
    )
    return _section("Tone", body, note)


def _content(r: dict[str, Any]) -> str:
    c = r["content"]
    rows = [
        (
            _e(s["speaker"]),
            _num(s["questions"]),
            _pct(s["questionShare"]),
            _num(s["links"]),
            _num(s["emoji"]),
            " ".join(f"{_e(x['item'])}\u00a0{x['count']}" for x in s["topEmoji"]),
            _num(s["media"]),
        )
        for s in c["speakers"][:50]
    ]
    table = _table(
        ["speaker", "questions", "of msgs", "links", "emoji", "favourites", "media"], rows
    )
    domains = ", ".join(f"{_e(d['item'])} ({d['count']})" for d in c["topDomains"])
    note = f"Most linked sites: {domains}." if domains else None
    chart = _chart("ch-emoji", "Top emoji") if c["topEmoji"] else ""
    return _section("What is shared", chart + table, note)


def _keywords(r: dict[str, Any]) -> str:
    k = r["keywords"]
    rows = [
        (_e(d["speaker"]), ", ".join(_e(w["word"]) for w in d["words"]) or _NONE)
        for d in k["distinctive"][:50]
    ]
    table = _table(["speaker", "words that set them apart"], rows)
    note = f"{k['tokens']:,} words, {k['vocabulary']:,} distinct."
    chart = _chart("ch-keywords", "Top keywords") if k["top"] else ""
    return _section("Words", chart + table, note)


_SECTIONS: tuple[Callable[[dict[str, Any]], str], ...] = (
    _overview,
    _participation,
    _activity,
    _turns,
    _timed,
    _sentiment,
    _content,
    _keywords,
)


def _json_for_script(result: dict[str, Any]) -> str:
    text = json.dumps(result, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render_html(result: dict[str, Any], *, title: str | None = None) -> str:
    """The report for an `analyze` result, as one HTML document that needs no network."""
    heading = title or result.get("title") or "Conversation report"
    sections = "".join(render(result) for render in _SECTIONS)
    byline = (
        f"{_e(result.get('format'))} export \u00b7 analysed by parley"
        f" \u00b7 result schema v{_e(result.get('schemaVersion'))}"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>{_e(heading)} · parley</title>
<style>{static_text("report.css")}</style>
</head>
<body>
<header><h1>{_e(heading)}</h1><p class="note">{byline}</p></header>
<noscript><p class="note">The charts need JavaScript; the tables are all here.</p></noscript>
<main>{sections}</main>
<script type="application/json" id="parley-result">{_json_for_script(result)}</script>
<script type="application/gzip+base64" id="plotly-js">{plotly_js_gzip_base64()}</script>
<script>{static_text("report.js")}</script>
</body>
</html>
"""
