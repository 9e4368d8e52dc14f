"""WhatsApp .txt and .zip exports: every date/time layout, system lines, media, markers."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest

from parley.analysis.formats import parse
from parley.analysis.model import MessageKind
from parley.errors import ParseError

from .conftest import fixture_path, parse_fixture


def wa(text: str) -> list[tuple[datetime | None, str | None, str, str]]:
    conv = parse(text.encode(), format="whatsapp")
    return [(m.timestamp, m.speaker, m.text, m.kind.value) for m in conv.messages]


def test_android_day_first_24h_export_with_system_media_and_multiline_messages() -> None:
    conv = parse_fixture("whatsapp_android_dmy_24h.txt")
    assert conv.format == "whatsapp"
    kinds = [m.kind for m in conv.messages]
    assert kinds.count(MessageKind.SYSTEM) == 4
    first_text = conv.messages[3]
    assert first_text.timestamp == datetime(2023, 3, 14, 9, 15)
    assert first_text.speaker == "Priya Raman"
    multi = conv.messages[4]
    assert (
        multi.text
        == "Brilliant. Who has the shed key?\nI can pick it up on Saturday\nif nobody else can."
    )
    assert conv.messages[5].kind is MessageKind.MEDIA
    assert conv.messages[5].text == "<Media omitted>"


def test_deleted_message_is_kind_deleted_and_keeps_its_author() -> None:
    conv = parse_fixture("whatsapp_android_dmy_24h.txt")
    deleted = conv.messages[6]
    assert (deleted.speaker, deleted.kind) == ("Tom Okafor", MessageKind.DELETED)


def test_edited_marker_is_removed_from_the_text_and_flagged() -> None:
    conv = parse_fixture("whatsapp_android_dmy_24h.txt")
    edited = conv.messages[7]
    assert edited.text == "Seeds arrive Friday"
    assert edited.edited is True


def test_system_line_quoting_a_colon_is_not_read_as_an_author() -> None:
    conv = parse_fixture("whatsapp_android_dmy_24h.txt")
    subject = conv.messages[8]
    assert subject.speaker is None
    assert subject.kind is MessageKind.SYSTEM
    assert subject.text.endswith('"Plot 12: the crew"')


def test_phone_number_author_and_colon_inside_the_text() -> None:
    last = parse_fixture("whatsapp_android_dmy_24h.txt").messages[-1]
    assert last.speaker == "+44 7700 900123"
    assert last.text == "Can I join the rota? Time: 10:00 works"


def test_ios_brackets_12h_narrow_nbsp_and_invisible_marks() -> None:
    conv = parse_fixture("whatsapp_ios_mdy_12h.txt")
    texts = [(m.timestamp, m.speaker, m.text, m.kind) for m in conv.messages]
    # The iOS encryption notice is attributed to a person; it is a system line.
    assert texts[0][1] is None
    assert texts[0][3] is MessageKind.SYSTEM
    assert texts[1] == (
        datetime(2023, 3, 4, 21, 5, 30),
        "Sam Lee",
        "Are we still on for dinner?",
        MessageKind.TEXT,
    )
    assert texts[3][2:] == ("image omitted", MessageKind.MEDIA)
    assert texts[4][3] is MessageKind.MEDIA
    assert texts[5][0] == datetime(2023, 3, 5, 0, 0, 1)  # 12:00:01 AM is just after midnight
    assert texts[5][3] is MessageKind.DELETED
    assert texts[6][2] == "Running late, sorry"
    assert conv.messages[6].edited
    assert texts[7][1] is None
    assert texts[7][0] == datetime(2023, 3, 13, 8, 0)
    assert all("\u200e" not in m.text for m in conv.messages)


def test_ios_events_written_with_the_group_as_author_are_system_lines() -> None:
    conv = parse_fixture("whatsapp_ios_mdy_12h.txt")
    added, call = conv.messages[-2:]
    assert (added.speaker, added.text, added.kind) == (
        None,
        "Jordan Kim added Alex",
        MessageKind.SYSTEM,
    )
    assert (call.speaker, call.kind) == (None, MessageKind.SYSTEM)
    assert "Dinner club" not in conv.speakers


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("<Medien ausgeschlossen>", "media"),
        ("<Multimedia omitido>", "media"),
        ("Se eliminó este mensaje.", "deleted"),
        ("Diese Nachricht wurde gelöscht.", "deleted"),
        ("\u200eLocation: https://maps.google.com/?q=60.167850,24.952965", "media"),
        ("Meet me at <the usual place>", "text"),
    ],
)
def test_localised_placeholders_set_the_kind(body: str, kind: str) -> None:
    assert wa(f"1/1/19, 12:00 - Ana: {body}\n")[0][3] == kind


def test_spanish_a_m_p_m_spelling_with_day_first_dates() -> None:
    conv = parse_fixture("whatsapp_spanish_ampm.txt")
    assert [m.timestamp for m in conv.messages] == [
        datetime(2023, 2, 1, 8, 15),
        datetime(2023, 2, 1, 12, 40),
        datetime(2023, 2, 13, 0, 5),
        datetime(2023, 2, 13, 23, 59),
    ]


def test_dotted_dates_and_times_with_seconds() -> None:
    conv = parse_fixture("whatsapp_german_dots_seconds.txt")
    assert conv.messages[0].timestamp == datetime(2019, 12, 31, 23, 59, 58)
    assert conv.messages[1].timestamp == datetime(2020, 1, 1, 0, 0, 3)


def test_iso_dates_without_comma_and_android_file_attached_with_caption() -> None:
    conv = parse_fixture("whatsapp_android_iso.txt")
    assert conv.messages[0].timestamp == datetime(2019, 1, 1, 12, 0)
    assert conv.messages[1].text == "Hey!\nP.S. Nice emoji 👀"
    media = conv.messages[2]
    assert media.kind is MessageKind.MEDIA
    assert media.speaker == "+1 (000) 000-0000"
    assert media.text.endswith("a caption")


def test_ambiguous_dates_are_read_in_the_order_that_runs_forwards_in_time() -> None:
    conv = parse_fixture("whatsapp_ambiguous_dates.txt")
    assert [m.timestamp.date().isoformat() for m in conv.messages if m.timestamp] == [
        "2022-01-05",
        "2022-01-06",
        "2022-01-07",
        "2022-02-01",
    ]


def test_one_date_past_twelve_decides_day_first_for_the_whole_file() -> None:
    rows = wa("03/04/21, 10:00 - A: x\n25/04/21, 10:00 - B: y\n")
    assert rows[0][0] == datetime(2021, 4, 3, 10, 0)


def test_one_date_past_twelve_in_second_place_decides_month_first() -> None:
    rows = wa("03/04/21, 10:00 - A: x\n04/25/21, 10:00 - B: y\n")
    assert rows[0][0] == datetime(2021, 3, 4, 10, 0)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("12/31/23, 9:05 PM - ", datetime(2023, 12, 31, 21, 5)),
        ("12/31/23, 9:05 pm - ", datetime(2023, 12, 31, 21, 5)),
        ("12/31/23, 9:05\u202fp.m. - ", datetime(2023, 12, 31, 21, 5)),
        ("12/31/23, 9:05\u00a0PM - ", datetime(2023, 12, 31, 21, 5)),
        ("31/12/2023, 9:05 p. m. - ", datetime(2023, 12, 31, 21, 5)),
        ("31/12/2023, 12:05 a.m. - ", datetime(2023, 12, 31, 0, 5)),
        ("[31/12/2023, 12:05:09 PM] ", datetime(2023, 12, 31, 12, 5, 9)),
        ("[31.12.23, 21:05:09] ", datetime(2023, 12, 31, 21, 5, 9)),
        ("31.12.23, 21:05 - ", datetime(2023, 12, 31, 21, 5)),
        ("2023-12-31 21:05 - ", datetime(2023, 12, 31, 21, 5)),
        ("[2023/12/31, 21:05] ", datetime(2023, 12, 31, 21, 5)),
        ("\u200e[12/31/23, 9:05:00\u202fPM] ", datetime(2023, 12, 31, 21, 5)),
        ("31.12.23, 9:05 nachm. - ", datetime(2023, 12, 31, 21, 5)),
    ],
)
def test_every_date_and_time_layout_reads_the_same_moment(header: str, expected: datetime) -> None:
    rows = wa(f"{header}Ana: hello\n")
    assert rows == [(expected, "Ana", "hello", "text")]


@pytest.mark.parametrize(
    "body",
    [
        "<Media omitted>",
        "\u200eimage omitted",
        "video omitted",
        "GIF omitted",
        "sticker omitted",
        "Contact card omitted",
        "report • 2 pages document omitted",
        "\u200e<attached: 00000003-AUDIO-2019-01-01-12-00-00.opus>",
        "PTT-20190101-WA0000.opus (file attached)",
    ],
)
def test_media_placeholders_are_kind_media(body: str) -> None:
    rows = wa(f"1/1/19, 12:00 - Ana: {body}\n")
    assert rows[0][3] == "media"


def test_author_alone_on_the_header_line_takes_the_lines_below() -> None:
    rows = wa("1/1/19, 12:00 - Ana:\nfirst line\nsecond line\n")
    assert rows[0][1:3] == ("Ana", "first line\nsecond line")


def test_crlf_line_endings_are_handled() -> None:
    rows = wa("1/1/19, 12:00 - Ana: one\r\ntwo\r\n1/1/19, 12:01 - Ben: three\r\n")
    assert [r[2] for r in rows] == ["one\ntwo", "three"]


def test_zip_export_is_read_through_its_chat_txt() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(fixture_path("whatsapp_ios_mdy_12h.txt"), "_chat.txt")
        zf.writestr("00000012-PHOTO-2023-03-04-21-07-15.jpg", b"\xff\xd8\xff\xe0 not really a jpeg")
    conv = parse(buf.getvalue(), filename="WhatsApp Chat - Dinner.zip")
    assert conv.format == "whatsapp"
    assert len(conv.messages) == 10


def test_invalid_date_names_the_line() -> None:
    with pytest.raises(ParseError) as info:
        wa("1/1/19, 12:00 - Ana: ok\n31/02/19, 12:00 - Ana: no such day\n")
    assert info.value.format == "whatsapp"
    assert info.value.line == 2


def test_dates_fitting_neither_order_name_the_line() -> None:
    with pytest.raises(ParseError) as info:
        wa("13/01/19, 12:00 - Ana: day first\n01/13/19, 12:00 - Ana: month first\n")
    assert info.value.line == 2


def test_text_before_the_first_header_is_a_parse_error_at_that_line() -> None:
    with pytest.raises(ParseError) as info:
        wa("\nExported chat\n1/1/19, 12:00 - Ana: hi\n")
    assert (info.value.format, info.value.line) == ("whatsapp", 2)


@pytest.mark.parametrize(
    ("filename", "title"),
    [
        ("WhatsApp Chat with Ana Lima.txt", "Ana Lima"),
        ("WhatsApp Chat - Trip 2024.zip", "Trip 2024"),
        ("WhatsApp-Chat mit Oma.txt", "Oma"),
        ("chat.txt", None),
    ],
)
def test_the_chat_is_named_after_its_export_file(filename: str, title: str | None) -> None:
    data = b"12/01/2024, 09:00 - Ana: hi\n12/01/2024, 09:01 - Ben: hello\n"
    if filename.endswith(".zip"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as archive:
            archive.writestr("_chat.txt", data)
        data = buf.getvalue()
    assert parse(data, filename=filename).title == title


def test_a_group_is_named_by_its_last_renaming_line() -> None:
    data = (
        b'12/01/2024, 09:00 - Ana created group "Trip 2024"\n'
        b"12/01/2024, 09:01 - Ana: hi\n"
        b'12/01/2024, 09:02 - Ben changed the subject from "Trip 2024" to "Trip 2025"\n'
    )
    assert parse(data, filename="WhatsApp Chat with Trip 2024.txt").title == "Trip 2025"
