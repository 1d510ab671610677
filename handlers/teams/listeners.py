"""Teams' activities to the core's use cases, on the Agents SDK's AgentApplication.

- A message (a channel post that @mentions the app, or anything in a personal chat) is a
  command in the one grammar. Its answer goes to the person's personal chat with the app.
- A click on a card (``adaptiveCard/action``) is answered in the invoke response, seen by the
  clicker alone, once what it changes is stored. The work that follows (redraws, a closing,
  the summary) runs after the answer.
- Installation and membership events only tell the app where it is (the directory).

Handlers run on the server's event loop; the core is synchronous, so each use case runs on a
worker thread (``Worker``) and the loop stays free.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from microsoft_agents.activity import Activity, AdaptiveCardInvokeResponse
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

from bot.commands import OpenSetup, ShowSetup, Status, parse_command
from bot.domain.messages import MessageRef
from bot.domain.text import Composed
from bot.ports import ChatError
from bot.services.context import STALE_BUTTON
from bot.services.dispatch import Dispatcher
from bot.services.facilitator import Facilitator
from bot.services.reporting import Reporting
from bot.views.reply import Later, Outcome, Reply, finish, refuse
from handlers.teams import codec
from handlers.teams.adaptive import CARD_CONTENT_TYPE
from handlers.teams.board_cards import (
    answer_on_card,
    render_action_prompt,
    render_reply,
    render_status,
)
from handlers.teams.directory import CHANNEL, PERSONAL, Directory, base_conversation
from handlers.teams.gateway import TeamsGateway
from handlers.teams.setup_flow import TeamsSetup

log = structlog.get_logger(__name__)

T = TypeVar("T")
TEXT_CONTENT_TYPE = "application/vnd.microsoft.activity.message"
_TAGS = re.compile(r"<[^>]{0,200}>")


def command_text(activity: Activity) -> str:
    """The command a message carries: the app's mention is removed by the SDK; any other
    markup Teams adds (tags, entities, non-breaking spaces) is dropped."""
    text = html.unescape(_TAGS.sub(" ", activity.text or ""))
    return " ".join(text.replace("\u00a0", " ").split())


def sender_id(activity: Activity) -> str | None:
    """Who acted, by Microsoft Entra object id (the ids the configuration uses)."""
    sender = activity.from_property
    return sender.aad_object_id if sender is not None and sender.aad_object_id else None


def channel_of(activity: Activity) -> str | None:
    """The channel an activity came from (a post's thread is its channel's); None in a chat."""
    conversation = activity.conversation
    if conversation is None or (conversation.conversation_type or CHANNEL) != CHANNEL:
        return None
    return base_conversation(conversation.id)


class Worker:
    """Runs the synchronous core off the event loop; ``later`` for work after the answer."""

    def __init__(self, threads: int = 16) -> None:
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="teams-worker")

    async def run(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.pool, work)

    def later(self, work: Callable[[], object]) -> None:
        def guarded() -> None:
            try:
                work()
            except ChatError as exc:  # Teams refused or is down: expected, no traceback
                log.warning("teams_after_answer_failed", error=str(exc))
            except Exception:
                log.exception("teams_after_answer_failed")

        self.pool.submit(guarded)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=False)


@dataclass
class TeamsListeners:
    facilitator: Facilitator
    reporting: Reporting
    dispatcher: Dispatcher
    gateway: TeamsGateway
    directory: Directory
    worker: Worker
    setup: TeamsSetup | None = None

    def register(self, app: AgentApplication[TurnState]) -> None:
        app.activity("message")(self.on_message)
        app.activity(["installationUpdate", "conversationUpdate"])(self.on_membership)
        app.adaptive_card.action_execute(re.compile(".*"))(self.on_action)

    # ---------------------------------------------------------------- messages

    async def on_message(self, context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        await self.worker.run(lambda: self.directory.remember_activity(activity))
        user = sender_id(activity)
        if user is None:
            return
        text = command_text(activity)
        where, thread = channel_of(activity), activity.conversation.id
        setup, command = self.setup, parse_command(text)
        if setup is not None and where is not None and isinstance(command, OpenSetup):
            self.worker.later(lambda: setup.open(user, where, thread))  # changes nothing
            return
        if setup is not None and isinstance(command, ShowSetup):
            await self.worker.run(setup.prime_names)  # channels by the names Teams shows
        outcome = await self.worker.run(lambda: self.dispatcher.command(user, text, where))
        personal = (activity.conversation.conversation_type or "") == PERSONAL
        conversation = activity.conversation.id
        self.worker.later(lambda: self._answer(user, text, outcome, conversation, personal))

    def _answer(
        self, user: str, text: str, outcome: Outcome, conversation: str, personal: bool
    ) -> None:
        reply = finish(outcome)
        if not personal:
            self.gateway.send_private(user, reply)
            return
        cards = [render_reply(self.gateway.text(), reply)]
        if isinstance(parse_command(text), Status):  # the personal chat's stand-in for Home
            cards.append(render_status(self.gateway.text(), self.reporting.home(user)))
        for card in cards:
            self.gateway.send_card(conversation, card)

    async def on_membership(self, context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        await self.worker.run(lambda: self.directory.remember_activity(activity))
        log.info("teams_membership", type=activity.type, action=activity.action)

    # ---------------------------------------------------------------- clicks

    async def on_action(
        self, context: TurnContext, _state: TurnState, data: Any
    ) -> AdaptiveCardInvokeResponse:
        activity = context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        verb = (value.get("action") or {}).get("verb")
        user = sender_id(activity)
        if verb == codec.SETUP_SAVE:
            return await self._save_setup(user, activity, data)
        click = codec.decode(verb, data)
        if click is None or user is None:
            await self.worker.run(lambda: self.directory.remember_activity(activity))
            return self._respond(refuse(STALE_BUTTON))
        if click.verb == codec.MARK_DONE and click.action_id is not None:
            await self.worker.run(lambda: self.directory.remember_activity(activity))
            return await self._mark_done(user, click.action_id)
        if click.verb == codec.ADD_ACTION and click.round_question_id is not None:
            await self.worker.run(lambda: self.directory.remember_activity(activity))
            return await self._add_action(user, click, activity)

        def remember_and_carry_out() -> Outcome:  # one trip to a worker thread for a vote
            self.directory.remember_activity(activity)
            return self._carry_out(user, click, activity)

        outcome = await self.worker.run(remember_and_carry_out)
        if isinstance(outcome, Later):
            ready = outcome.reply
            if ready is None:  # nothing to say before the rest is done: do it, then answer
                return self._respond(await self.worker.run(outcome.then))
            self.worker.later(outcome.then)
            return self._respond(ready)
        return self._respond(outcome)

    def _carry_out(self, user: str, click: codec.Click, activity: Activity) -> Outcome:
        facilitator, inputs = self.facilitator, click.inputs or {}
        q = click.question
        if click.verb == codec.VOTE and q is not None and click.choice is not None:
            return facilitator.cast_vote(
                user, q.round_id, q.round_question_id, click.choice, activity.timestamp
            )
        if click.verb == codec.COMMENT and q is not None:
            text = inputs.get(codec.COMMENT_INPUT, "")
            return facilitator.add_comment(user, q.round_id, q.round_question_id, text)
        if click.verb == codec.REVOTE and q is not None:
            return facilitator.open_revote(user, q.round_id, q.round_question_id)
        if click.verb == codec.DECIDE and q is not None:
            grade = inputs.get(codec.GRADE_INPUT, "")
            if not grade.isdigit():
                return refuse("Choose a grade for the decision.", field="grade")
            reason = inputs.get(codec.REASON_INPUT, "")
            return facilitator.record_decision(
                user, q.round_id, q.round_question_id, int(grade), reason
            )
        return refuse(STALE_BUTTON)

    async def _save_setup(
        self, user: str | None, activity: Activity, data: Any
    ) -> AdaptiveCardInvokeResponse:
        """The set-up form's Save: answered once the new settings are committed."""
        setup, click = self.setup, codec.decode_setup(codec.SETUP_SAVE, data)
        where = channel_of(activity)
        await self.worker.run(lambda: self.directory.remember_activity(activity))
        if setup is None or click is None or user is None or where is None:
            return self._respond(refuse(STALE_BUTTON))
        return await self.worker.run(lambda: setup.submit(user, click, where))

    async def _add_action(
        self, user: str, click: codec.Click, activity: Activity
    ) -> AdaptiveCardInvokeResponse:
        """Add action is on the board's prompt card: once stored, the clicker sees the prompt
        redrawn with the action under its question (and the confirmation on top), and so,
        after the answer, does everyone else."""
        inputs, question = click.inputs or {}, click.round_question_id or 0
        reply = await self.worker.run(
            lambda: self.reporting.add_action(
                user,
                question,
                inputs.get(codec.ACTION_INPUT, ""),
                inputs.get(codec.PRIORITY_INPUT, ""),
                inputs.get(codec.OWNER_INPUT, ""),
                inputs.get(codec.DUE_INPUT, ""),
            )
        )
        prompt = (
            None
            if reply.is_refusal
            else await self.worker.run(lambda: self.reporting.action_prompt_for(question))
        )
        if prompt is None or not activity.reply_to_id:
            return self._respond(reply)
        post = MessageRef(base_conversation(activity.conversation.id), activity.reply_to_id)
        self.worker.later(lambda: self.gateway.update_board_message(post, prompt))
        card = render_action_prompt(self.gateway.text(), prompt)
        answer = answer_on_card(self.gateway.text(), card, reply)
        return AdaptiveCardInvokeResponse(
            status_code=200, type=CARD_CONTENT_TYPE, value=answer["value"]
        )

    async def _mark_done(self, user: str, action_id: int) -> AdaptiveCardInvokeResponse:
        """Mark done is on the personal status card: the answer is that card, redrawn."""
        reply = await self.worker.run(lambda: self.reporting.mark_done(user, action_id))
        notice = Composed("⛔ ", reply.text) if reply.is_refusal else reply.text
        home = await self.worker.run(lambda: self.reporting.home(user, notice=notice))
        card = render_status(self.gateway.text(), home)
        return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=card)

    def _respond(self, reply: Reply) -> AdaptiveCardInvokeResponse:
        text = ("⛔ " if reply.is_refusal else "") + self.gateway.text().plain(reply.text)
        return AdaptiveCardInvokeResponse(status_code=200, type=TEXT_CONTENT_TYPE, value=text)
