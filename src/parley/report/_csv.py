"""The figures as CSV, for a spreadsheet: one row per person, and one per day (or week,
or month) of activity. One implementation behind the API, the CLI and the HTML report.

A cell of user text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
written with a leading `'`, so a spreadsheet shows it as text instead of running it as a
formula (OWASP's advice on CSV injection): every unsaved WhatsApp contact is a phone
number, `+44 7700 900123`, which a spreadsheet would otherwise read as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

__all__ = ["activity_csv", "people_csv"]

Cell = str | int | float | None
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _write(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(header)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return out.getvalue()


def _by_speaker(section: Any) -> dict[str, dict[str, Any]]:
    speakers = section.get("speakers") if isinstance(section, dict) else None
    return {s["speaker"]: s for s in speakers or []}


def _stat(distribution: dict[str, Any] | None, name: str) -> float | None:
    """A distribution's `median` or `p90`; none for an empty sample (its zeros are no
    figure)."""
    return distribution[name] if distribution and distribution.get("count") else None


def people_csv(result: dict[str, Any]) -> str:
    """One row per listed person: their counts, shares, reply times, tone and hours."""
    turns = _by_speaker(result.get("turns"))
    content = _by_speaker(result.get("content"))
    mood = _by_speaker(result.get("sentiment"))
    when = _by_speaker(result.get("activity"))
    header = [
        "person",
        "messages",
        "message_share",
        "words",
        "word_share",
        "words_per_message",
        "media",
        "questions",
        "links",
        "emoji",
        "median_reply_seconds",
        "p90_reply_seconds",
        "median_reply_after_pause_seconds",
        "conversations_started",
        "mean_sentiment",
        "active_days",
        "busiest_hour",
    ]
    rows = []
    for s in result["participation"]["speakers"]:
        name = s["speaker"]
        t, c, m, w = turns.get(name, {}), content.get(name, {}), mood.get(name), when.get(name)
        rows.append(
            [
                _text(name),
                s["messages"],
                s["messageShare"],
                s["words"],
                s["wordShare"],
                s["wordsPerMessage"]["mean"],
                s["media"],
                c.get("questions"),
                c.get("links"),
                c.get("emoji"),
                _stat(t.get("responseSeconds"), "median"),
                _stat(t.get("responseSeconds"), "p90"),
                _stat(t.get("afterPauseSeconds"), "median"),
                t.get("sessionsStarted"),
                m["mean"] if m else None,
                w["activeDays"] if w else None,
                w["busiestHour"] if w else None,
            ]
        )
    return _write(header, rows)


def activity_csv(result: dict[str, Any]) -> str:
    """One row per day with messages (per week or month for a long chat, as the result's
    `activity.table` holds them): the messages and words of everyone, then each person's
    messages. Empty without timestamps (the header only)."""
    table = (result.get("activity") or {}).get("table")
    if not table:
        return _write(["day", "messages", "words"], [])
    people = table["speakers"]
    header = [table["unit"], "messages", "words", *(f"messages {p}" for p in people)]
    start = date.fromisoformat(table["start"])
    rows = []
    for i, offset in enumerate(table["days"]):
        per_person = [table["messages"][p][i] for p in range(len(people))]
        words = sum(table["words"][p][i] for p in range(len(people)))
        day = start + timedelta(days=offset)
        label = day.isoformat()[:7] if table["unit"] == "month" else day.isoformat()
        rows.append([label, sum(per_person), words, *per_person])
    return _write(header, rows)
