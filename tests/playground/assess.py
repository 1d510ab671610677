"""The app itself (``python -m bot``'s composition, ``platform: teams``, anonymous) served in this
process and played through Microsoft's Agents Playground, with teams/playground/app.yaml: the
Playground's own channels and people (see teams/playground/NOTES.md).

    with assess_in_playground(database_url) as assess:
        assess.install()
        assess.command("domain 5")                     # the chair, in General
        cards = assess.question_cards(4)               # from the Playground's stream
        said = assess.vote("Dev Patel", cards["5.1"], "3 Good")

Everything goes through the Playground: what people do through its local API (the current
user's messages, anyone's card clicks, installation), what the app shows through its WebSocket.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.composition import AppSettings, build_application
from tests.playground.cards import JsonDict, press, titles
from tests.playground.driver import Playground
from tests.playground.process import free_port
from tests.playground.run import APP_CONFIG
from tests.playground.stream import BotMessage
from tests.playground.world import User, World, load_world
from tests.teams.harness import teams_environment

TEXT_ANSWER = "application/vnd.microsoft.activity.message"
CARD_ANSWER = "application/vnd.microsoft.card.adaptive"
CREATED, UPDATED = "createMessage", "updateMessage"
QUESTION_ID = re.compile(r"\*\*(\d\.\d{1,2})\*\*")
GRADES = ("1 Inadequate", "2 Adequate", "3 Good", "4 Outstanding")
WAIT = 15.0


@dataclass(frozen=True)
class Download:
    status: int
    body: bytes
    headers: dict[str, str]


def is_question(message: BotMessage) -> bool:
    """A question post with its grade buttons (an open ballot)."""
    return any("3 Good" in titles(card) for card in message.cards)


def question_of(message: BotMessage) -> str | None:
    found = QUESTION_ID.search(message.card_text)
    return found.group(1) if found else None


@dataclass
class AssessPlayground:
    """The app behind the Playground, seen and used as people in Teams would."""

    playground: Playground
    world: World
    public_url: str

    @property
    def chair(self) -> User:
        """The Playground's current user, the one who types: the board's chair in app.yaml."""
        return self.world.current_user

    @property
    def board(self) -> str:
        """General: the board's channel."""
        return self.world.team_id

    @property
    def subgroups(self) -> str:
        """The one other channel, where every sub-group votes."""
        return self.world.channel.id

    # ------------------------------------------------------------------ doing

    def install(self) -> None:
        """The app added where the UI adds it on first opening: General, Sub-groups and the
        chair's personal chat."""
        for conversation in (self.board, self.subgroups, self.world.personal_chat_id):
            self.playground.install(conversation)

    def command(self, text: str, where: str | None = None) -> JsonDict:
        """The chair writes ``@Assess <text>`` as a new post (in General by default)."""
        return self.playground.say(where or self.board, text)

    def click(
        self, user: User | str, message: BotMessage, *path: str, typed: JsonDict | None = None
    ) -> JsonDict:
        """``user`` presses the button at ``path`` on the message's card as it stands now."""
        [card] = self.latest(message).cards
        pressed = press(card, path, typed)
        where = message.post_conversation_id or message.conversation_id
        assert message.message_id is not None
        return self.playground.invoke(user, where, message.message_id, pressed.verb, pressed.data)

    def said(
        self, user: User | str, message: BotMessage, *path: str, typed: JsonDict | None = None
    ) -> str:
        """The private answer to a click: a text in the invoke response, seen by the clicker."""
        answer = self.click(user, message, *path, typed=typed)
        assert answer.get("type") == TEXT_ANSWER, answer
        return str(answer["value"])

    def vote(self, user: User | str, card: BotMessage, grade: str) -> str:
        return self.said(user, card, grade)

    # ------------------------------------------------------------------ seeing

    def wait(
        self, found: Callable[[BotMessage], bool], since: int = 0, timeout: float = WAIT
    ) -> BotMessage:
        return self.playground.messages.wait_for(found, timeout=timeout, since=since)

    def mark(self) -> int:
        return self.playground.messages.mark()

    def frames(self, message: BotMessage) -> list[BotMessage]:
        """Every frame of the message: its creation, then its updates."""
        return [m for m in self.playground.messages.messages if m.message_id == message.message_id]

    def latest(self, message: BotMessage) -> BotMessage:
        return self.frames(message)[-1]

    def wait_updated(self, message: BotMessage, words: str, since: int = 0) -> BotMessage:
        """The message's first update (from ``since`` on) whose cards say ``words``."""
        return self.wait(
            lambda m: (
                m.action == UPDATED and m.message_id == message.message_id and words in m.card_text
            ),
            since,
        )

    def posted(self, conversation: str, words: str, since: int = 0) -> BotMessage:
        """The app's first new message in a conversation (a channel's post, a thread's reply,
        a chat's message) from ``since`` on that says ``words``."""
        return self.wait(
            lambda m: (
                m.action == CREATED and m.conversation_id == conversation and words in m.card_text
            ),
            since,
        )

    def private(self, words: str, since: int = 0) -> BotMessage:
        """What the app sent the chair's personal chat, the only one the Playground shows."""
        return self.posted(self.world.personal_chat_id, words, since)

    def question_cards(self, count: int, since: int = 0) -> dict[str, BotMessage]:
        """The first ``count`` question posts in Sub-groups from ``since`` on, by question id."""

        def enough(_: BotMessage) -> bool:
            return len(self._questions(since)) >= count

        self.wait(enough, since)
        return self._questions(since)

    def _questions(self, since: int) -> dict[str, BotMessage]:
        found: dict[str, BotMessage] = {}
        for m in self.playground.messages.messages[since:]:
            question = question_of(m)
            posted = m.action == CREATED and m.conversation_id == self.subgroups
            if question and posted and is_question(m):
                found.setdefault(question, m)
        return found

    def created(self, conversation: str, words: str) -> list[BotMessage]:
        return [
            m
            for m in self.playground.messages.messages
            if m.action == CREATED and m.conversation_id == conversation and words in m.card_text
        ]

    def failed_calls(self) -> list[str]:
        """The calls either way that were answered with an error: the Playground's activities
        the app refused, the app's connector calls the Playground refused. From the
        Playground's log, an entry per call: ``{"logAction": "appendLog", "log": {"from",
        "activityName", "response": {"statusCode", "body"}}}``."""
        failed = []
        for line in self.playground.log().splitlines():
            entry = _json(line[line.find("{") :]) if "{" in line else None
            log = entry.get("log") if entry and entry.get("logAction") == "appendLog" else None
            response = log.get("response") if isinstance(log, dict) else None
            if not isinstance(log, dict) or not isinstance(response, dict):
                continue
            status = response.get("statusCode")
            if not isinstance(status, int) or status >= 400:
                failed.append(f"{log.get('from')}: {log.get('activityName')} -> {response}")
        return failed

    @staticmethod
    def download(url: str) -> Download:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return Download(int(response.status), response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Download(int(error.code), error.read(), dict(error.headers))


def _json(text: str) -> JsonDict | None:
    try:
        found = json.loads(text)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


@contextmanager
def assess_in_playground(
    database_url: str,
    world: World | None = None,
    config_path: Path = APP_CONFIG,
    **environment: str,
) -> Iterator[AssessPlayground]:
    """The app on a free port of 127.0.0.1 with teams/playground/app.yaml (or ``config_path``:
    one that does not exist for a board set up from the chat) and the Playground in front of
    it, its stream collected; both stopped afterwards."""
    world = world or load_world()
    port = free_port()
    if not config_path.exists():
        environment.setdefault("PLATFORM", "teams")
    settings = AppSettings.from_environment(
        teams_environment(database_url, config_path, port, **environment)
    )
    application = build_application(settings)
    server = application.make_server("127.0.0.1", port)

    def serve() -> None:
        with contextlib.suppress(OSError):
            server.run()

    thread = threading.Thread(target=serve, name="assess-app", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    try:
        with Playground(world, f"{url}/api/messages") as playground:
            yield AssessPlayground(playground, world, url)
            application.refresher.wait_idle(10)
    finally:
        server.close()
        thread.join(timeout=5)
        application.close()
