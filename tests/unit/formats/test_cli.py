"""`parley parse FILE [--format F]` through the real CLI frame."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from parley.cli import main

from .conftest import FIXTURES, fixture_path


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[dict[str, object]], str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line], err


def test_parse_prints_one_json_object_per_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, rows, err = run(["parse", str(fixture_path("whatsapp_ios_mdy_12h.txt"))], capsys)
    assert (code, err) == (0, "")
    assert len(rows) == 10
    assert rows[1] == {
        "timestamp": "2023-03-04T21:05:30",
        "speaker": "Sam Lee",
        "text": "Are we still on for dinner?",
        "kind": "text",
    }


def test_optional_fields_appear_only_when_known(capsys: pytest.CaptureFixture[str]) -> None:
    _, rows, _ = run(["parse", str(fixture_path("telegram_chat.json"))], capsys)
    assert rows[2]["replyTo"] == "2"
    assert rows[2]["timestamp"] == "2023-02-01T19:03:00+00:00"
    _, rows, _ = run(["parse", str(fixture_path("meeting.vtt"))], capsys)
    assert (rows[0]["start"], rows[0]["end"], rows[0]["timestamp"]) == (1.0, 4.5, None)
    assert "replyTo" not in rows[0]


def test_non_ascii_is_printed_as_itself(capsys: pytest.CaptureFixture[str]) -> None:
    main(["parse", str(fixture_path("instagram_message_1.json"))])
    assert "Zoë" in capsys.readouterr().out


def test_slack_folder_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    code, rows, _ = run(["parse", str(FIXTURES / "slack_export")], capsys)
    assert code == 0
    assert len(rows) == 6


def test_explicit_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, rows, _ = run(["parse", str(fixture_path("signal.txt")), "--format", "signal"], capsys)
    assert code == 0
    assert rows[0]["speaker"] == "Maya"


def test_wrong_format_exits_1_with_the_format_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, rows, err = run(
        ["parse", str(fixture_path("telegram_chat.json")), "--format", "whatsapp"], capsys
    )
    assert (code, rows) == (1, [])
    assert err.startswith("parley: error: whatsapp: ")
    assert "(line 1)" in err


def test_missing_file_exits_1_with_a_sentence_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(["parse", str(tmp_path / "nope.txt")], capsys)
    assert code == 1
    assert err == f"parley: error: {tmp_path / 'nope.txt'}: no such file\n"


def test_unknown_content_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("nothing that looks like a chat\n")
    code, _, err = run(["parse", str(path)], capsys)
    assert code == 1
    assert "no known format" in err


def test_unknown_format_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["parse", str(fixture_path("signal.txt")), "--format", "myspace"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_dash_reads_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = fixture_path("signal.txt").read_bytes()
    fake = io.TextIOWrapper(io.BytesIO(data))
    monkeypatch.setattr(sys, "stdin", fake)
    code, rows, _ = run(["parse", "-"], capsys)
    assert code == 0
    assert len(rows) == 3


def test_the_sample_export_is_analysed_without_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analyze", "--sample"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("Weekend trip\n")  # the group's name, from its creation line
    assert "4 people exchanged" in out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["analyze"], "say which export to read"),
        (["analyze", "chat.txt", "--sample"], "give FILE or --sample, not both"),
    ],
)
def test_no_input_or_two_is_one_sentence(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"parley: error: {says}" or says in err
    assert "Traceback" not in err
