"""Watch a whole round without a Slack workspace.

    make demo                 # domain 4, 8 simulated members
    make demo ARGS="--domain 2 --members 12 --seed 7"

Starts the Slack Web API emulator and the real app (HTTP server, Bolt, SQLite in a temporary
folder), then plays the chair and the members exactly as Slack would send their clicks (signed
HTTP requests), and prints what the board channel receives. Then the chair settles each flagged
question from its discussion thread (Decide, with a reason) and the updated summary is printed.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.logs import configure_logging
from handlers.slack.logs import NoPayloads
from tests.e2e.harness import (
    BOARD,
    CHAIR,
    block_text,
    button_value,
    config_document,
    question_cards,
    running_app,
)
from tests.emulator import SlackEmulator

CHANNELS = {
    "board": ("C0BOARD01", "board"),
    "commissioning": ("C0COMM001", "commissioning"),
    "performance": ("C0PERF001", "performance"),
    "participation": ("C0PART001", "participation"),
    "workforce": ("C0WORK001", "workforce"),
}
NAMES = [
    "Asha (Health)",
    "Ben (Police)",
    "Carys (Schools)",
    "Dev (Youth Service)",
    "Ellen (Parent rep)",
    "Femi (Voluntary sector)",
    "Gwen (Social care)",
    "Hari (Housing)",
    "Iona (Youth rep)",
    "Jude (Public health)",
    "Kofi (Early years)",
    "Lena (Finance)",
]
COMMENTS = [
    "We have the data but we rarely discuss it at the board.",
    "The youth forum would grade this lower: they were not asked.",
    "Good progress since the last plan, but it is not yet consistent across partners.",
]


def wait_for_modal(emulator: SlackEmulator, user: str) -> dict[str, Any]:
    stack = emulator.wait_for(lambda: emulator.view_stack(user), message=f"a modal for {user}")
    return stack[-1]


def plain(text: str, names: dict[str, str]) -> str:
    text = re.sub(r"<@(\w+)>", lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.replace("*", "").replace("_", "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--domain", type=int, default=4, help="domain to assess (1-7)")
    parser.add_argument("--members", type=int, default=8, help="simulated members of the sub-group")
    parser.add_argument("--seed", type=int, default=2008, help="seed for the simulated votes")
    args = parser.parse_args(argv)
    configure_logging("WARNING", filters=[NoPayloads()])
    rng = random.Random(args.seed)
    document = config_document()
    assignment = document["assignments"].get(args.domain)
    if assignment is None:
        print(f"There is no domain {args.domain}: the domains are 1-7.", file=sys.stderr)
        return 2
    channel, channel_name = CHANNELS[assignment]
    members = [f"U0SIM{i:04d}" for i in range(1, args.members + 1)]
    if assignment != "board":  # the chair sits in the channel to settle flags, but does not vote
        document["subgroups"][assignment]["members"] = members
    names = {CHAIR: "Chair", **{m: NAMES[i % len(NAMES)] for i, m in enumerate(members)}}

    with SlackEmulator() as emulator, tempfile.TemporaryDirectory() as folder:
        emulator.add_user(CHAIR, "chair")
        for member in members:
            emulator.add_user(member, names[member])
        for ch, name in CHANNELS.values():
            people = [CHAIR]
            if ch == channel:
                people = list(dict.fromkeys([*people, *members]))
            emulator.add_channel(ch, name, members=people)
        database = f"sqlite:///{Path(folder) / 'demo.db'}"
        with running_app(database, emulator, Path(folder), config=document) as app:
            print(f"The chair types: /assess domain {args.domain}")
            print("  (privately) " + plain(app.command(f"domain {args.domain}"), names))
            cards = emulator.wait_for(lambda: question_cards(emulator, channel))
            print(f"\n#{channel_name} now shows {len(cards)} questions with grade buttons.\n")
            for question_id, card in cards.items():
                commenter = rng.choice(members)
                value = button_value(card)
                app.sender.click_button(commenter, channel, str(card["ts"]), "comment", value=value)
                modal = wait_for_modal(emulator, commenter)
                comment = rng.choice(COMMENTS)
                app.sender.submit_view(
                    commenter, modal, {"comment_block": {"comment_input": comment}}
                )
                leaning = rng.choice([2, 3, 3, 4])
                voted = 0
                for member in members:
                    roll = rng.random()
                    if roll < 0.1:
                        continue  # not everyone votes
                    if roll < 0.16:
                        action = "vote_dont_know"
                    else:
                        grade = max(1, min(4, leaning + rng.choice([-1, 0, 0, 0, 1])))
                        action = f"vote_{grade}"
                    app.sender.click_button(member, channel, str(card["ts"]), action, value=value)
                    voted += 1
                app.idle()
                closed = voted == len(members)
                state = "everyone voted, so it closed" if closed else "still open"
                print(
                    f"  {question_id}: {voted} of {len(members)} voted ({state}); "
                    f"{names[commenter]} commented"
                )
            print("\nThe chair types: /assess close " + str(args.domain))
            print("  (privately) " + plain(app.command(f"close {args.domain}"), names))
            summary = emulator.wait_for(
                lambda: [
                    m
                    for m in emulator.messages(BOARD, top_level_only=True)
                    if "graded by" in block_text(m)
                ]
            )[0]
            app.idle()
            thread: list[dict[str, Any]] = emulator.thread(BOARD, str(summary["ts"])) or [summary]
            print("\n" + "=" * 78 + "\n#board receives:\n" + "=" * 78)
            for message in thread:
                print(plain(block_text(message), names))
            settle_flags(app, emulator, channel, cards, summary, names)
            updates = len(emulator.calls_to("chat.update"))
            posts = len(emulator.calls_to("chat.postMessage"))
            print("=" * 78)
            print(
                f"Slack Web API calls: {len(emulator.calls)} "
                f"({updates} chat.update, {posts} chat.postMessage)"
            )
    return 0


REASONS = [
    "The evidence the sub-group discussed supports this; we will look again next year.",
    "Partners agreed at the board meeting after hearing the sub-group's discussion.",
]


def settle_flags(
    app: Any,
    emulator: SlackEmulator,
    channel: str,
    cards: dict[str, dict[str, Any]],
    summary: dict[str, Any],
    names: dict[str, str],
) -> None:
    """The chair decides each flagged question from its thread; print the updated summary."""
    flagged = {
        question_id: thread[1]
        for question_id, card in cards.items()
        for thread in [emulator.thread(channel, str(card["ts"]))]
        if len(thread) > 1
    }
    if not flagged:
        return
    print("\n" + "=" * 78 + f"\n#{channel} threads under the flagged questions:\n" + "=" * 78)
    for grade, (question_id, opener) in enumerate(flagged.items(), start=2):
        print(plain(block_text(opener), names))
        app.sender.click_button(CHAIR, channel, str(opener["ts"]), "decide")
        modal = wait_for_modal(emulator, CHAIR)
        reason = REASONS[grade % len(REASONS)]
        app.sender.submit_view(
            CHAIR,
            modal,
            {
                "decide_grade_block": {"decide_grade": str(min(grade, 4))},
                "decide_reason_block": {"decide_reason": reason},
            },
        )
        print(f"\nThe chair presses Decide on {question_id}: {min(grade, 4)}, because: {reason}\n")

    def updated() -> str:
        message = emulator.message(BOARD, str(summary["ts"]))
        text = block_text(message) if message else ""
        return text if "Updated after discussion" in text else ""

    text = emulator.wait_for(updated, message="the updated board summary")
    app.idle()
    print("=" * 78 + "\n#board's summary, updated in place:\n" + "=" * 78)
    print(plain(text, names))


if __name__ == "__main__":
    sys.exit(main())
