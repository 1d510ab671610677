"""Start the real app (waitress + Bolt + SQLAlchemy) against the Slack emulator."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from waitress.server import create_server

from bot.composition import Application, build_application
from bot.composition import AppSettings as Settings
from tests.emulator import AppResponse, SlackEmulator, SlackSender
from tests.trust import (
    BOARD,
    CHAIR,
    COMMISSIONING,
    PARTICIPATION,
    PERFORMANCE,
    ROOT,
    WORKFORCE,
    JsonDict,
    config_document,
)

__all__ = [
    "BOARD",
    "CHAIR",
    "COMMISSIONING",
    "PARTICIPATION",
    "PERFORMANCE",
    "ROOT",
    "WORKFORCE",
    "JsonDict",
    "config_document",
]

SIGNING_SECRET = "test-signing-secret"
TOKEN = "xoxb-test"
VOTERS = ["U0PART001", "U0PART002", "U0PART003", "U0PART004"]  # Participation's members


def members(prefix: str, count: int) -> list[str]:
    return [f"U0{prefix}{i:03d}" for i in range(1, count + 1)]


def populate(emulator: SlackEmulator, sizes: dict[str, int] | None = None) -> dict[str, list[str]]:
    """Users and channels of a small trust. Returns each channel's human members."""
    sizes = {"PART": 4, "COMM": 5, "PERF": 3, "BRD": 2, **(sizes or {})}
    emulator.add_user(CHAIR, "chair")
    emulator.add_user("U0OTHERBOT", "reminder-bot", is_bot=True)
    emulator.add_user("U0STRANGER", "stranger")
    channels = {
        BOARD: ("board", [CHAIR, *members("BRD", sizes["BRD"])]),
        PARTICIPATION: ("participation", members("PART", sizes["PART"])),
        COMMISSIONING: ("commissioning", members("COMM", sizes["COMM"])),
        PERFORMANCE: ("performance", members("PERF", sizes["PERF"])),
        WORKFORCE: ("workforce", ["U0WORK001", "U0WORK002", "U0WORK003"]),
    }
    humans: dict[str, list[str]] = {}
    for channel_id, (name, people) in channels.items():
        for user in people:
            if emulator.user(user) is None:
                emulator.add_user(user, user.lower())
        everyone = [*people, "U0OTHERBOT"]
        emulator.add_channel(channel_id, name, members=everyone)
        humans[channel_id] = list(people)
    return humans


@dataclass
class RunningApp:
    url: str
    application: Application
    emulator: SlackEmulator
    sender: SlackSender

    def command(self, text: str, user: str = CHAIR, channel: str = BOARD) -> str:
        """Type `/assess <text>` and return the private reply the user sees."""
        return run_command(self.emulator, self.sender, text, user=user, channel=channel)

    def vote(self, user: str, card: JsonDict, grade: str, channel: str = PARTICIPATION) -> str:
        """Click a grade button (``grade`` "1"-"4" or "dont_know") on a question; return the
        private confirmation."""
        response = self.sender.click_button(
            user, channel, str(card["ts"]), f"vote_{grade}", value=button_value(card)
        )
        assert response.status == 200, response.body
        return self.private_reply(response.response_url)

    def comment(self, user: str, card: JsonDict, text: str, channel: str = PARTICIPATION) -> None:
        """Click Comment on a question and submit ``text`` in the modal that opens."""
        before = len(self.emulator.views_opened)
        click = self.sender.click_button(user, channel, str(card["ts"]), "comment")
        assert click.status == 200
        modal = self.emulator.wait_for(lambda: self.emulator.views_opened[before:])[-1]
        submitted = self.sender.submit_view(user, modal, {"comment_block": {"comment_input": text}})
        assert submitted.status == 200 and not submitted.body.strip(), submitted.body

    def click(self, user: str, message: JsonDict, action: str) -> AppResponse:
        """Click a button without a value (Comment, Re-vote, Decide…) on a Participation
        message."""
        response = self.sender.click_button(user, PARTICIPATION, str(message["ts"]), action)
        assert response.status == 200, response.body
        return response

    def private_reply(self, response_url: str | None) -> str:
        posts = self.emulator.wait_for(lambda: self.emulator.responses(response_url))
        return str(posts[0].body.get("text", ""))

    def outbox_status(self, key: str) -> str | None:
        with self.application.facilitator.uow_factory() as uow:
            return uow.outbox.status_of(key)

    def wait_sent(self, key: str, timeout: float = 30) -> None:
        """Wait until the outbox has delivered the message with this key."""
        self.emulator.wait_for(
            lambda: self.outbox_status(key) == "sent", timeout=timeout, message=f"{key} sent"
        )

    def idle(self) -> None:
        assert self.application.refresher.wait_idle(10), "message refreshes did not finish"


StartApp = Callable[..., RunningApp]
"""The ``start_app`` fixture: start an app of another shape (see tests/e2e/conftest.py)."""


@contextmanager
def running_app(
    database_url: str,
    emulator: SlackEmulator,
    tmp_path: Path,
    config: JsonDict | None = None,
    refresh_interval: float = 0.05,
    config_file: bool = True,
) -> Iterator[RunningApp]:
    """The app serving ``emulator``'s workspace; without ``config_file`` it starts with no
    app.yaml at all (a board to be set up from the chat)."""
    config_path = tmp_path / "app.yaml"
    if config_file:
        config_path.write_text(yaml.safe_dump(config or config_document()), encoding="utf-8")
    settings = Settings.from_environment(
        {
            "SLACK_BOT_TOKEN": emulator.token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": emulator.api_url,
            "DATABASE_URL": database_url,
            "APP_CONFIG": str(config_path),
            "REFRESH_INTERVAL": str(refresh_interval),
            "REFRESH_GLOBAL_INTERVAL": "0",
            "SWEEP_INTERVAL": "0.2",
            "OUTBOX_INTERVAL": "0.2",
            "OUTBOX_LEASE": "2",
        }
    )
    application = build_application(settings)
    assert application.wsgi is not None
    server = create_server(application.wsgi, host="127.0.0.1", port=0, threads=8)

    def serve() -> None:
        with contextlib.suppress(OSError):  # the socket was closed under the loop: stopping
            server.run()

    thread = threading.Thread(target=serve, name="waitress", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    try:
        yield RunningApp(url, application, emulator, SlackSender(url, SIGNING_SECRET, emulator))
    finally:
        application.refresher.wait_idle(10)
        server.close()
        thread.join(timeout=5)
        application.close()


def run_command(
    emulator: SlackEmulator,
    sender: SlackSender,
    text: str,
    user: str = CHAIR,
    channel: str = BOARD,
) -> str:
    """Send `/assess <text>` to whichever app ``sender`` talks to; return the private reply."""
    response = sender.slash_command(user, channel, text)
    assert response.status == 200, response.body
    url = response.response_url
    posts = emulator.wait_for(lambda: emulator.responses(url), message=f"a reply to /assess {text}")
    return str(posts[0].body.get("text", ""))


# --------------------------------------------------------------- reading the channel


def messages_showing(emulator: SlackEmulator, channel: str, *texts: str) -> list[JsonDict]:
    """The channel's top-level messages whose blocks show every one of ``texts``."""
    return [
        m
        for m in emulator.messages(channel, top_level_only=True)
        if all(text in block_text(m) for text in texts)
    ]


def wait_for_messages(
    emulator: SlackEmulator, channel: str, *texts: str, message: str | None = None
) -> list[JsonDict]:
    """Wait until some top-level message in the channel shows every one of ``texts``."""
    return emulator.wait_for(
        lambda: messages_showing(emulator, channel, *texts),
        message=message or f"a message showing {texts} in {channel}",
    )


def summaries(emulator: SlackEmulator) -> list[JsonDict]:
    """The domain summaries posted to the board (top-level messages only)."""
    return messages_showing(emulator, BOARD, "graded by")


def block_text(message: JsonDict) -> str:
    """All the text a person sees in a message's blocks."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in {"mrkdwn", "plain_text"} and isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    return "\n".join(parts)


def question_cards(emulator: SlackEmulator, channel: str) -> dict[str, JsonDict]:
    """The question messages in a channel, by question id (e.g. '4.2')."""
    cards: dict[str, JsonDict] = {}
    for message in emulator.messages(channel, top_level_only=True):
        blocks = message.get("blocks") or []
        if blocks and str(blocks[0].get("block_id", "")).startswith("question:"):
            question_id = blocks[0]["text"]["text"].split("*")[1]
            cards[question_id] = message
    return cards


def wait_for_cards(emulator: SlackEmulator, channel: str, count: int) -> dict[str, JsonDict]:
    """Wait until `count` question messages are in the channel; return them by question id."""

    def ready() -> dict[str, JsonDict]:
        cards = question_cards(emulator, channel)
        return cards if len(cards) == count else {}

    return emulator.wait_for(ready, message=f"{count} questions in {channel}")


def wait_for_thread(
    emulator: SlackEmulator, channel: str, ts: str, at_least: int
) -> list[JsonDict]:
    def ready() -> list[JsonDict]:
        thread = emulator.thread(channel, ts)
        return thread if len(thread) >= at_least else []

    return emulator.wait_for(ready, message=f"a thread of {at_least} under {ts}")


def button_value(message: JsonDict) -> str:
    for block in message.get("blocks") or []:
        if block.get("type") == "actions":
            return str(block["elements"][0]["value"])
    raise AssertionError("the message has no buttons")
