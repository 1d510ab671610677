"""The Teams end-to-end harness: the real app (`python -m bot`'s composition, the Agents SDK's
aiohttp hosting, the database) serving `platform: teams`, talking to the Bot Connector double
(tests/connector) as Teams would.

    def test_something(teams_app: RunningTeamsApp) -> None:
        teams_app.command("domain 4")
        cards = teams_app.wait_for_cards(PARTICIPATION, 4)
        teams_app.vote(VOTERS[0], cards["4.1"], "3 Good")
"""

from __future__ import annotations

import contextlib
import re
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.composition import Application, AppSettings, build_application
from tests.connector import AppAnswer, ConnectorDouble, TeamsClient, TeamsUser, channel_id_for
from tests.connector.messages import Message
from tests.e2e.process import free_port
from tests.trust import JsonDict, config_document

CHAIR = TeamsUser.named("Chris Chair")
VOTERS = [TeamsUser.named(name) for name in ("Ann Able", "Ben Baker", "Cat Cole", "Dan Dale")]
BOARD_MEMBERS = [TeamsUser.named("Beth Board"), TeamsUser.named("Bill Board")]
OUTSIDER = TeamsUser.named("Olly Outsider")
BOARD = channel_id_for("board")
PARTICIPATION = channel_id_for("participation")
COMMISSIONING = channel_id_for("commissioning")
PERFORMANCE = channel_id_for("performance")
WORKFORCE = channel_id_for("workforce")
CHANNELS = {
    "board": BOARD,
    "commissioning": COMMISSIONING,
    "performance": PERFORMANCE,
    "participation": PARTICIPATION,
    "workforce": WORKFORCE,
}
QUESTION_ID = re.compile(r"\b(\d\.\d{1,2})\b")


def open_urls(message: Message) -> list[str]:
    """The addresses of a card's Action.OpenUrl buttons."""
    card = message.card
    assert card is not None, "not a card"
    return [a["url"] for a in card.get("actions", []) if a["type"] == "Action.OpenUrl"]


def images(message: Message) -> list[str]:
    card = message.card
    assert card is not None, "not a card"
    return [e["url"] for e in card["body"] if e["type"] == "Image"]


def teams_config(**voting: Any) -> JsonDict:
    """The trust's app.yaml for Teams: the same trust as Slack's, with Teams' ids."""
    document = config_document(**voting)
    document["platform"] = "teams"
    document["board"]["channel"] = BOARD
    document["board"]["chairs"] = [CHAIR.aad_object_id]
    for key, subgroup in document["subgroups"].items():
        subgroup["channel"] = CHANNELS[key]
        subgroup.pop("members", None)
    return document


def populate(double: ConnectorDouble) -> None:
    """The trust's team: the board channel (the chair and two members), Participation (four
    voters) and the other sub-groups; someone in the tenant who is in none of them."""
    double.add_channel(BOARD, "Trust board", [CHAIR, *BOARD_MEMBERS])
    double.add_channel(PARTICIPATION, "Participation", VOTERS)
    double.add_channel(COMMISSIONING, "Commissioning", [*BOARD_MEMBERS, VOTERS[0]])
    double.add_channel(PERFORMANCE, "Performance", BOARD_MEMBERS)
    double.add_channel(WORKFORCE, "Workforce", [VOTERS[1], VOTERS[2]])
    double.add_user(OUTSIDER)
    double.add_members(double.team_id, [CHAIR, *BOARD_MEMBERS, *VOTERS, OUTSIDER])


@dataclass
class RunningTeamsApp:
    url: str
    application: Application
    double: ConnectorDouble
    client: TeamsClient
    public_url: str
    questions: dict[tuple[str, str], str] = field(default_factory=dict)

    # ------------------------------------------------------------------ acting

    def command(self, text: str, user: TeamsUser = CHAIR, channel: str = BOARD) -> AppAnswer:
        """``@Assess <text>`` posted in ``channel``; the app answers 202 once it is stored."""
        answer = self.client.mention(user, channel, text)
        assert answer.status == 202, (answer.status, answer.body)
        return answer

    def say(self, text: str, user: TeamsUser = CHAIR) -> AppAnswer:
        """``text`` in the user's personal chat with the app."""
        answer = self.client.personal(user, text)
        assert answer.status == 202, (answer.status, answer.body)
        return answer

    def vote(self, user: TeamsUser, card: Message, title: str) -> str:
        """Click a grade on a question's card; the private answer's text."""
        return self.answer_text(self.client.click(user, card, title))

    def comment(self, user: TeamsUser, card: Message, text: str) -> str:
        return self.answer_text(
            self.client.click(user, card, "Send comment", {"comment_text": text})
        )

    @staticmethod
    def answer_text(answer: AppAnswer) -> str:
        assert answer.status == 200, (answer.status, answer.body)
        assert answer.json["statusCode"] == 200
        value = answer.json["value"]
        return value if isinstance(value, str) else str(value)

    # ------------------------------------------------------------------ reading

    def wait_for(self, what: Callable[[], Any], message: str, timeout: float = 10.0) -> Any:
        return self.double.wait_for(what, timeout=timeout, message=message)

    def latest(self, post: Message) -> Message:
        return self.double.message(post.id)

    def question_cards(self, channel: str) -> dict[str, Message]:
        """The channel's question posts by question id, as they stand now: a post counts once
        it has shown grade buttons (a re-vote's newer post replaces the first)."""
        for post in self.double.posts(channel):
            if post.card is not None and any(a.title == "3 Good" for a in post.actions):
                match = QUESTION_ID.search(post.words)
                if match:
                    self.questions[(channel, match.group(1))] = post.id
        return {
            question: self.double.message(post_id)
            for (where, question), post_id in self.questions.items()
            if where == channel
        }

    def wait_for_cards(self, channel: str, count: int) -> dict[str, Message]:
        return dict(
            self.wait_for(
                lambda: (cards := self.question_cards(channel)) and len(cards) >= count and cards,
                f"{count} question cards in {channel}",
            )
        )

    def private(self, user: TeamsUser) -> list[str]:
        """The words of everything the app sent the user in their personal chat (not what the
        user wrote there)."""
        return [m.words for m in self.double.personal_messages(user) if m.from_bot]

    def wait_private(self, user: TeamsUser, text: str) -> str:
        """The newest personal-chat message that says ``text``."""

        def found() -> str | None:
            said = [w for w in self.private(user) if text in w]
            return said[-1] if said else None

        return str(self.wait_for(found, f"{user.name}'s personal chat to say {text!r}"))

    def board_posts(self, text: str) -> list[Message]:
        """The app's posts (cards) in the board channel that say ``text``."""
        return [p for p in self.double.posts(BOARD) if p.card is not None and text in p.words]

    def download(self, url: str) -> tuple[int, bytes, dict[str, str]]:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return int(response.status), response.read(), dict(response.headers.items())
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read(), dict(exc.headers.items())


def teams_environment(
    database_url: str, config_path: Path, port: int, **extra: str
) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "APP_CONFIG": str(config_path),
        "PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TEAMS_ALLOW_ANONYMOUS": "1",
        "REFRESH_INTERVAL": "0.05",
        "REFRESH_GLOBAL_INTERVAL": "0",
        "SWEEP_INTERVAL": "0.2",
        "OUTBOX_INTERVAL": "0.2",
        "OUTBOX_LEASE": "2",
        **extra,
    }


@contextmanager
def running_teams_app(
    database_url: str,
    double: ConnectorDouble,
    tmp_path: Path,
    config: JsonDict | None = None,
    install: bool = True,
    with_file: bool = True,
    **environment: str,
) -> Iterator[RunningTeamsApp]:
    """The app in this process, on a free port, installed in the double's team. Without
    ``with_file`` there is no app.yaml (a new board, set up from the chat): PLATFORM says
    Teams."""
    config_path = tmp_path / "app.yaml"
    if with_file:
        config_path.write_text(yaml.safe_dump(config or teams_config()), encoding="utf-8")
    else:
        environment.setdefault("PLATFORM", "teams")
    port = free_port()
    settings = AppSettings.from_environment(
        teams_environment(database_url, config_path, port, **environment)
    )
    application = build_application(settings)
    server = application.make_server("127.0.0.1", port)

    def serve() -> None:
        with contextlib.suppress(OSError):
            server.run()

    thread = threading.Thread(target=serve, name="teams-app", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    client = TeamsClient(url, double)
    running = RunningTeamsApp(url, application, double, client, url)
    try:
        if install:
            assert all(answer.ok for answer in client.install())
        yield running
    finally:
        application.refresher.wait_idle(10)
        server.close()
        thread.join(timeout=5)
        application.close()
