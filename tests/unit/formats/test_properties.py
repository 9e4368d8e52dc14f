"""Property: any WhatsApp chat rendered in any of the phone layouts parses back exactly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from parley.analysis.formats import _whatsapp, parse
from parley.analysis.model import MessageKind


def _h12(t: datetime) -> tuple[int, str]:
    return (t.hour % 12 or 12), ("AM" if t.hour < 12 else "PM")


# Each layout as a phone writes it. Month-first layouts use 12-hour clocks and day-first
# ones 24-hour clocks, as the locales that write them do.
LAYOUTS: dict[str, Callable[[datetime], str]] = {
    "android_us": lambda t: f"{t.month}/{t.day}/{t:%y}, {_h12(t)[0]}:{t:%M}\u202f{_h12(t)[1]} - ",
    "android_uk": lambda t: f"{t:%d/%m/%Y}, {t:%H:%M} - ",
    "android_es": lambda t: (
        f"{t.day}/{t.month}/{t:%y}, {_h12(t)[0]}:{t:%M} {_h12(t)[1][0].lower()}. m. - "
    ),
    "ios_us": lambda t: f"[{t.month}/{t.day}/{t:%y}, {_h12(t)[0]}:{t:%M:%S}\u202f{_h12(t)[1]}] ",
    "ios_de": lambda t: f"[{t:%d.%m.%y}, {t:%H:%M:%S}] ",
    "android_iso": lambda t: f"{t:%Y-%m-%d} {t:%H:%M} - ",
}

names = st.text(
    alphabet=st.characters(categories=["L"], exclude_characters="\u200e\u200f"),
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip() == s)
words = (
    st.text(
        alphabet=st.characters(
            categories=["L", "N", "Zs", "P", "So"],
            exclude_characters="\u200e\u200f\u2028\u2029\x85<>",
        ),
        min_size=1,
        max_size=60,
    )
    .map(str.strip)
    # Hypothesis also draws the parser's own string constants; a text that *is* a marker
    # (a deleted-message phrase, a media placeholder) is rightly not a plain message.
    .filter(
        lambda s: (
            s != ""
            and s.isprintable()
            and "omitted" not in s
            and "attached" not in s
            and s not in _whatsapp._DELETED
            and s.lower() not in _whatsapp._MEDIA_OMITTED
            and _whatsapp._ENCRYPTION_NOTICE not in s
        )
    )
)
stamps = st.datetimes(min_value=datetime(2009, 1, 1), max_value=datetime(2099, 12, 31))


@settings(max_examples=150, deadline=None)
@given(
    layout=st.sampled_from(sorted(LAYOUTS)),
    rows=st.lists(
        st.tuples(stamps, names, words, st.none() | st.text("abc xyz", min_size=1)),
        min_size=1,
        max_size=12,
    ),
)
def test_generated_chats_round_trip(
    layout: str, rows: list[tuple[datetime, str, str, str | None]]
) -> None:
    render = LAYOUTS[layout]
    keep_seconds = layout.startswith("ios")
    rows = sorted(rows, key=lambda r: r[0])  # a chat runs forwards in time
    lines = []
    expected = []
    for raw_stamp, name, text, more in rows:
        stamp = raw_stamp.replace(microsecond=0, second=raw_stamp.second if keep_seconds else 0)
        body = text if more is None else f"{text}\n{more}"
        lines.append(f"{render(stamp)}{name}: {body}")
        expected.append((stamp, name, body.rstrip("\n")))
    conv = parse("\n".join(lines).encode())
    assert conv.format == "whatsapp"
    assert [(m.timestamp, m.speaker, m.text) for m in conv.messages] == expected
    assert all(m.kind is MessageKind.TEXT for m in conv.messages)
