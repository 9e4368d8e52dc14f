from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from bench._gen import messages, whatsapp_text

from parley.cli import main
from parley.cli._progress import ProgressBar


@pytest.fixture
def chat_file(tmp_path: Path) -> Path:
    path = tmp_path / "WhatsApp Chat with Team.txt"
    path.write_text(whatsapp_text(messages(800, speakers=4)), encoding="utf-8")
    return path


def test_analyze_writes_json_and_html_and_prints_the_summary(
    chat_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_json, out_html = tmp_path / "r.json", tmp_path / "r.html"
    code = main(["analyze", str(chat_file), "--json", str(out_json), "--html", str(out_html)])
    assert code == 0
    result = json.loads(out_json.read_text(encoding="utf-8"))
    assert result["schemaVersion"] == 2
    assert result["format"] == "whatsapp"
    assert result["participation"]["authoredMessages"] == 800
    assert out_html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    captured = capsys.readouterr()
    assert "exchanged 800 messages" in captured.out
    # stderr is not a terminal here: plain stage lines, no carriage-return bar
    assert "sentiment: scoring sentiment" in captured.err
    assert "\r" not in captured.err


def test_analyze_json_to_stdout_keeps_stdout_pure_json(
    chat_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", str(chat_file), "--json", "-"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["overview"]["messages"] == 800
    assert "exchanged" in captured.err


def test_analyze_missing_file_fails_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", str(tmp_path / "nope.txt")]) == 1
    assert "parley: error:" in capsys.readouterr().err


def test_analyze_unwritable_output_fails_with_a_message(
    chat_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing-dir" / "r.json"
    assert main(["analyze", str(chat_file), "--json", str(target)]) == 1
    assert "cannot write the JSON result" in capsys.readouterr().err


class _FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_one_redrawn_bar_that_redraws_only_on_change() -> None:
    stream = _FakeTty()
    reporter = ProgressBar(stream)
    for percent in (0.0, 0.2, 0.4, 1.0, 50.0, 100.0):
        reporter("sentiment", percent, "scoring sentiment")
    reporter.line("done")
    text = stream.getvalue()
    assert "\n" not in text.rstrip("\n").split("\r")[-2]  # the bar never scrolls
    assert text.count("%") == 4  # 0, 1, 50, 100: sub-percent steps are not redrawn
    assert "[" + "#" * 30 + "] 100%" in text
    assert text.endswith("done\n")


def test_analyze_writes_the_figures_as_csv_for_a_spreadsheet(
    chat_file: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "figures"
    assert main(["analyze", str(chat_file), "--csv", str(folder)]) == 0
    people = list(csv.reader(io.StringIO((folder / "people.csv").read_text(encoding="utf-8"))))
    assert people[0][0] == "person"
    assert len(people) == 1 + 4  # a row per person
    assert sum(int(row[1]) for row in people[1:]) == 800
    raw = (folder / "activity.csv").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")  # RFC 4180 line ends, kept as written
    activity = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert sum(int(row[1]) for row in activity[1:]) == 800


def test_analyze_says_how_the_export_was_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("13/01/2024, 09:00 - Ana: hi\nsecond line\n13/01/2024, 09:01 - Ben: yo\n")
    assert main(["analyze", str(path)]) == 0
    err = capsys.readouterr().err
    assert "read: dates day first: 13/01/2024 (line 1) has 13, which is no month" in err
    assert "read: times to the minute" in err
    assert "read: 1 line continues the message above it, the first at line 2" in err
