from __future__ import annotations

from parley.analysis import Conversation, Message, MessageKind, analyze
from parley.analysis.content import find_emoji, is_question

from .conftest import chat


def test_questions_in_any_script_are_counted() -> None:
    assert is_question("ok?")
    assert is_question("¿qué")
    assert is_question("何？")  # noqa: RUF001 - full-width question mark on purpose
    assert not is_question("fine.")


def test_emoji_sequences_count_as_one_each() -> None:
    assert find_emoji("hi 👍🏽 and 👨‍👩‍👧 and 🇫🇷🇫🇷") == ["👍🏽", "👨‍👩‍👧", "🇫🇷", "🇫🇷"]
    assert find_emoji("plain ascii :)") == []


def test_counts_questions_links_emoji_and_media_per_speaker() -> None:
    conv = Conversation(
        "t",
        [
            Message("Ann", "see https://www.Example.com/x and http://foo.org?"),
            Message("Ann", "😂😂 lol"),
            Message("Bob", "<Media omitted>", kind=MessageKind.MEDIA),
            Message("Bob", "nice 😂"),
        ],
    )
    c = analyze(conv)["content"]
    assert c["questions"] == 1
    assert c["links"] == 2
    assert c["topDomains"] == [{"item": "example.com", "count": 1}, {"item": "foo.org", "count": 1}]
    assert c["emoji"] == 3
    assert c["topEmoji"] == [{"item": "😂", "count": 3}]
    assert c["media"] == 1
    assert c["mediaKinds"] == [{"item": "<Media omitted>", "count": 1}]
    rows = {s["speaker"]: s for s in c["speakers"]}
    assert rows["Ann"]["emoji"] == 2
    assert rows["Ann"]["questionShare"] == 0.5
    assert rows["Bob"]["media"] == 1
    assert rows["Bob"]["topEmoji"] == [{"item": "😂", "count": 1}]


def test_media_placeholders_do_not_count_as_words() -> None:
    conv = Conversation("t", [Message("Ann", "<Media omitted>", kind=MessageKind.MEDIA)])
    row = analyze(conv)["participation"]["speakers"][0]
    assert row["messages"] == 1
    assert row["media"] == 1
    assert row["words"] == 0


def test_system_messages_are_not_anyones_content() -> None:
    c = analyze(chat((None, "Ann added Bob? 😂", 0), ("Ann", "hi", 1)))["content"]
    assert c["questions"] == 0
    assert c["emoji"] == 0


def test_deleted_messages_count_as_sent_but_carry_no_words_or_sentiment() -> None:
    conv = Conversation(
        "t",
        [
            Message("Ann", "This message was deleted", kind=MessageKind.DELETED),
            Message("Ann", "awful terrible day"),
        ],
    )
    result = analyze(conv)
    row = result["participation"]["speakers"][0]
    assert (row["messages"], row["deleted"], row["words"]) == (2, 1, 3)
    assert result["sentiment"]["scoredMessages"] == 1
    assert "deleted" not in {k["word"] for k in result["keywords"]["top"]}


def test_emoji_finder_agrees_with_the_emoji_package_on_hard_sequences() -> None:
    import random

    import emoji

    from parley.analysis._emoji import emoji_finder

    rng = random.Random(3)
    keys = list(emoji.EMOJI_DATA)
    texts = ["❤️❤ ☺️ #️⃣ 1️⃣ ©️ ™ 12 ©", "🏳️‍🌈🏴‍☠️👩🏽‍💻🧑‍🤝‍🧑🏴󠁧󠁢󠁥󠁮󠁧󠁿", "🇺🇸🇫", "日本語 ¿Qué?"]
    texts += [
        "".join(rng.choices(keys, k=6)) + " x " + "".join(rng.choices(keys, k=3))
        for _ in range(300)
    ]
    for text in texts:
        assert emoji_finder().findall(text) == [m["emoji"] for m in emoji.emoji_list(text)]
