"""Automatic detection: by content, with the file name as a hint, and zips by members."""

from __future__ import annotations

import io
import zipfile

import pytest

from parley.analysis.formats import FORMAT_NAMES, parse, parse_path
from parley.analysis.formats._common import list_title
from parley.errors import UnknownFormatError

from .conftest import FIXTURES, fixture_path

EXPECTED = {
    "whatsapp_android_dmy_24h.txt": "whatsapp",
    "whatsapp_ios_mdy_12h.txt": "whatsapp",
    "whatsapp_spanish_ampm.txt": "whatsapp",
    "whatsapp_german_dots_seconds.txt": "whatsapp",
    "whatsapp_android_iso.txt": "whatsapp",
    "whatsapp_ambiguous_dates.txt": "whatsapp",
    "signal.txt": "signal",
    "telegram_chat.json": "telegram",
    "telegram_full_export.json": "telegram",
    "slack_day.json": "slack",
    "discord.json": "discord",
    "discord.csv": "discord",
    "chatgpt_conversations.json": "chatgpt",
    "messages.json": "messages",
    "messages_wrapped.json": "messages",
    "instagram_message_1.json": "instagram",
    "meeting.vtt": "vtt",
    "subtitles.srt": "srt",
    "transcript.txt": "transcript",
    "transcript_timed.txt": "transcript",
    "chat.csv": "csv",
    "chat_semicolon.csv": "csv",
    "imessage_+15558675309.txt": "imessage",
    "line_en.txt": "line",
    "line_ja.txt": "line",
    "googlechat_messages.json": "googlechat",
    "teams_messages.json": "teams",
    "teams_graph.json": "teams",
    "messenger_message_1.html": "messenger",
    "messenger_2021.html": "messenger",
}


def test_every_fixture_file_is_covered_by_this_table() -> None:
    files = {p.name for p in FIXTURES.iterdir() if p.is_file()}
    assert files == set(EXPECTED)


def test_every_format_name_has_a_fixture() -> None:
    assert set(EXPECTED.values()) | {"slack"} == set(FORMAT_NAMES)


@pytest.mark.parametrize(("name", "fmt"), sorted(EXPECTED.items()))
def test_format_is_detected_from_content_alone(name: str, fmt: str) -> None:
    data = fixture_path(name).read_bytes()
    assert parse(data).format == fmt  # no file name at all


@pytest.mark.parametrize(("name", "fmt"), sorted(EXPECTED.items()))
def test_explicit_format_parses_its_own_fixture(name: str, fmt: str) -> None:
    assert parse_path(fixture_path(name), format=fmt).messages


def test_a_misleading_extension_does_not_beat_the_content() -> None:
    data = fixture_path("whatsapp_android_iso.txt").read_bytes()
    assert parse(data, filename="export.csv").format == "whatsapp"


def test_unknown_text_lists_the_formats_tried() -> None:
    with pytest.raises(UnknownFormatError) as info:
        parse(b"just some notes\nwith no speakers at all\n")
    assert set(info.value.tried) == set(FORMAT_NAMES)
    assert "--format" in str(info.value)


def test_unknown_json_shape_is_unknown_format() -> None:
    with pytest.raises(UnknownFormatError):
        parse(b'{"hello": "world"}')


def test_unknown_format_name_is_refused_with_the_known_names() -> None:
    with pytest.raises(UnknownFormatError, match="whatsapp"):
        parse(b"x", format="myspace")


def test_zip_around_a_single_file_of_any_format_is_read() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(fixture_path("meeting.vtt"), "recordings/meeting.vtt")
    assert parse(buf.getvalue()).format == "vtt"


def test_zip_of_unrelated_files_is_unknown_format() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.png", b"\x89PNG")
        zf.writestr("b.png", b"\x89PNG")
    with pytest.raises(UnknownFormatError, match="archive"):
        parse(buf.getvalue())


def test_chatgpt_and_telegram_exports_are_found_inside_their_zips() -> None:
    for member, source, fmt in [
        ("conversations.json", "chatgpt_conversations.json", "chatgpt"),
        ("Telegram Desktop/ChatExport/result.json", "telegram_chat.json", "telegram"),
    ]:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.write(fixture_path(source), member)
            zf.writestr("chat.html", "<html></html>")
        assert parse(buf.getvalue()).format == fmt


@pytest.mark.parametrize(
    ("filename", "title"),
    [
        ("Big group chat.txt", "Big group chat"),
        ("exports/Family.zip", "Family"),
        ("My Server - general [1093218411520376882].csv", "My Server - general"),
        ("messages.json", None),  # what every exporter calls it: it names nothing
        ("message_1.json", None),
        ("2024-01-01.json", None),
        ("_chat.txt", None),
        ("WhatsApp.txt", None),
        (None, None),
    ],
)
def test_a_conversation_its_export_does_not_name_is_named_after_its_file(
    filename: str | None, title: str | None
) -> None:
    data = b"12/01/2024, 09:00 - Ana: hi\n12/01/2024, 09:01 - Ben: hello\n"
    if filename and filename.endswith(".csv"):
        data = b"timestamp,author,content\n2024-01-12 09:00,Ana,hi\n2024-01-12 09:01,Ben,yo\n"
    assert parse(data, filename=filename).title == title


def test_an_exports_own_name_wins_over_its_files() -> None:
    data = b'12/01/2024, 09:00 - Ana created group "Trip"\n12/01/2024, 09:01 - Ana: hi\n'
    assert parse(data, filename="Big group chat.txt").title == "Trip"


def test_several_named_parts_are_listed_then_counted() -> None:
    assert list_title(["Ana", "Ben"], "chat") == "Ana, Ben"
    assert list_title(["a", "b", "c", "d"], "chat") == "a, b, c and 1 more chat"
    assert list_title(["a", "b", "c", "d", "e"], "channel") == "a, b, c and 2 more channels"
    assert list_title([], "chat") is None


def test_an_unknown_input_names_the_format_it_looks_most_like_and_the_line_that_breaks_it() -> None:
    data = b"13:40\tAlice\tHi!\n13:41\tBob\thello\n-- cut here --\n13:42\tAlice\tbye\n"
    with pytest.raises(UnknownFormatError) as info:
        parse(data)  # LINE's message lines, but no LINE header
    assert info.value.closest == "line"
    assert info.value.line == 3
    assert "looks most like line: 3 of its first 4 lines fit, not line 3 ('-- cut here --')" in str(
        info.value
    )
    assert info.value.details()["closest"] == "line"


def test_a_json_document_no_format_reads_is_described() -> None:
    with pytest.raises(UnknownFormatError, match='a JSON object with keys "items", "owner"'):
        parse(b'{"items": [1, 2], "owner": "x"}')
