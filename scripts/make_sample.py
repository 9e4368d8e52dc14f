"""Writes the sample export shipped with parley (`parley analyze --sample`, the page's
"try a sample"): a WhatsApp group of four friends planning a weekend trip over three
weeks, made from a fixed seed so it is the same file every time.

    .venv/bin/python scripts/make_sample.py   # rewrites src/parley/samples/
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

SAMPLES = Path(__file__).parent.parent / "src" / "parley" / "samples"
OUT = SAMPLES / "WhatsApp Chat with Weekend trip.txt"
PEOPLE = ["Maya", "Tomás", "Priya", "+44 7700 900123"]
WEIGHTS = [5, 4, 3, 2]
LINES = {
    "plan": [
        "So are we actually doing the lake house this time?",
        "I can do the 14th to the 16th, after that work gets crazy",
        "Who's driving? I can take four people plus bags",
        "Found a place with a sauna 🔥 sending the link",
        "https://example.com/lakehouse-listing",
        "That looks amazing!! How much per night?",
        "Split four ways it's about 60 each",
        "Deal. I'll book it tonight",
        "Booked! 🎉",
        "Should we do groceries there or bring everything?",
        "Let's bring the basics and shop for dinner on Saturday",
        "I'll make my famous curry on Friday night",
        "Yes please, that curry is legendary 😂",
        "Can someone bring a speaker?",
        "I've got one, and board games",
        "What time are we leaving on Friday?",
        "Around 5 so we miss the traffic?",
        "5 works for me 👍",
        "Running 10 minutes late, sorry!",
        "No worries, we're still packing the car",
    ],
    "chat": [
        "Morning all ☀️",
        "Did anyone watch the match last night?",
        "Ugh don't remind me 😭",
        "That was painful to watch honestly",
        "Coffee later?",
        "Can't today, stuck at work till 7",
        "Happy birthday Priya!! 🎂🎉",
        "Thank you all ❤️ best friends ever",
        "Lol this is so true",
        "I'm so tired this week",
        "Same, roll on the weekend",
        "Sending you good vibes for the interview!",
        "It went really well I think 🤞",
        "Amazing news, so proud of you",
        "Is it just me or is the weather terrible",
        "Thanks for organising everything Maya",
        "Honestly the best trip in ages",
        "We have to do this again in the summer",
        "Photos are up in the shared album 📸",
        "That sunset photo is incredible",
    ],
}


def main() -> None:
    rng = random.Random(2024)
    moment = datetime(2024, 6, 3, 8, 12)
    lines = [
        f"{moment:%d/%m/%Y, %H:%M} - Messages and calls are end-to-end encrypted. "
        "No one outside of this chat, not even WhatsApp, can read or listen to them.",
        f'{moment:%d/%m/%Y, %H:%M} - Maya created group "Weekend trip"',
        f"{moment:%d/%m/%Y, %H:%M} - Maya added Tomás, Priya and +44 7700 900123",
    ]
    for day in range(21):
        start = datetime(2024, 6, 3, 7, 30) + timedelta(days=day)
        moment = start + timedelta(minutes=rng.randint(0, 90))
        for _ in range(rng.randint(6, 22)):
            moment += timedelta(minutes=rng.expovariate(1 / 35))
            if moment.date() != start.date():
                break
            who = rng.choices(PEOPLE, weights=WEIGHTS)[0]
            pool = LINES["plan"] if day < 12 and rng.random() < 0.6 else LINES["chat"]
            text = rng.choice(pool)
            if rng.random() < 0.04:
                text = "<Media omitted>"
            lines.append(f"{moment:%d/%m/%Y, %H:%M} - {who}: {text}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(lines)} lines)")


if __name__ == "__main__":
    main()
