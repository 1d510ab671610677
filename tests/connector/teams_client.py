"""`TeamsClient`: Teams' side towards the app. It posts activities to ``{app}/api/messages`` as
Teams does (anonymous: no Authorization header), with ``serviceUrl`` the double's, and keeps
users' messages in the double first, as Teams would, so that the app can reply to them."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .cards import submitted_data
from .double import ConnectorDouble
from .messages import Message
from .records import THREAD_MARK, JsonDict, TeamsUser
from .shapes import (
    Place,
    bot_mention,
    envelope,
    event_id,
    installation_fields,
    invoke_fields,
    members_fields,
    merged,
    message_fields,
    place_of,
)
from .tenant import UserRef


@dataclass(frozen=True)
class AppAnswer:
    """The app's HTTP answer to one activity, and the activity that was sent."""

    status: int
    headers: dict[str, str]
    body: str
    json: Any  # the parsed body (an invoke's response), None if empty or not JSON
    elapsed: float
    activity: JsonDict

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class TeamsClient:
    """Sends what Teams sends the bot when people use it:

    * `install(channel_id)`: the app added to the team (installationUpdate, conversationUpdate);
    * `mention(user, channel_id, text)`: a new channel post ``<at>Assess</at> text``;
    * `personal(user, text)`: a message in the user's personal chat with the bot;
    * `invoke(...)` / `click(user, message, title)`: an Adaptive Card's Action.Execute;
    * `post(activity)`: anything, for tests of bad requests.
    """

    def __init__(
        self,
        app_url: str,
        double: ConnectorDouble,
        *,
        path: str = "/api/messages",
        timeout: float = 10.0,
    ) -> None:
        self.app_url = app_url.rstrip("/")
        self.double = double
        self.path = path
        self.timeout = timeout

    # ---------------------------------------------------------------------- activities

    def install(
        self, channel_id: str | None = None, *, by: UserRef | None = None
    ) -> list[AppAnswer]:
        """The app added to the team from `channel_id` (default General): an installationUpdate
        (action "add") and a conversationUpdate with the bot in membersAdded, both in the team's
        conversation (the General channel's id) and from `by` (default the channel's first
        member)."""
        channel_id = channel_id or self.double.team_id
        installer = self._installer(channel_id, by)
        place = Place(self.double.team_id, self.double.team_id)
        install = merged(
            self._envelope("installationUpdate", place, installer, event_id()),
            installation_fields("add", channel_id),
        )
        joined = merged(
            self._envelope("conversationUpdate", place, installer, event_id()),
            members_fields(self.double, True, channel_id),
        )
        return [self.post(install), self.post(joined)]

    def uninstall(self, *, by: UserRef | None = None) -> list[AppAnswer]:
        """The app removed from the team: installationUpdate "remove", then the bot in
        membersRemoved."""
        team = self.double.team_id
        installer = self._installer(team, by)
        place = Place(team, team)
        removed = merged(
            self._envelope("installationUpdate", place, installer, event_id()),
            installation_fields("remove", team),
        )
        left = merged(
            self._envelope("conversationUpdate", place, installer, event_id()),
            members_fields(self.double, False, team),
        )
        return [self.post(removed), self.post(left)]

    def mention(
        self, user: UserRef, channel_id: str, text: str, *, thread: str | None = None
    ) -> AppAnswer:
        """`user` posts ``<at>Assess</at> text`` in the channel (a new post; or a reply in the
        thread of post `thread`). The double keeps it first; the activity's id is the message's,
        its conversation id ``<channel id>;messageid=<the post's id>``."""
        person = self.double.user(user)
        at = f"<at>{self.double.bot_name}</at>"
        said = text if at in text else f"{at} {text}"
        message_id = self.double.new_activity_id()
        conversation_id = f"{channel_id}{THREAD_MARK}{thread or message_id}"
        activity = merged(
            self._envelope("message", place_of(self.double, conversation_id), person, message_id),
            message_fields(said, [bot_mention(self.double)]),
        )
        activity["entities"] = [bot_mention(self.double), *activity["entities"]]
        self.double.add_user_message(person, conversation_id, activity)
        return self.post(activity)

    def personal(self, user: UserRef, text: str) -> AppAnswer:
        """`user` writes `text` to the bot in their personal chat (made if need be)."""
        person = self.double.user(user)
        chat_id = self.double.personal_chat_id(person)
        assert chat_id is not None
        message_id = self.double.new_activity_id()
        activity = merged(
            self._envelope("message", Place(chat_id, None), person, message_id),
            message_fields(text, []),
        )
        self.double.add_user_message(person, chat_id, activity)
        return self.post(activity)

    def invoke(
        self, user: UserRef, conversation_id: str, reply_to_id: str, verb: str, data: Any
    ) -> AppAnswer:
        """An ``adaptiveCard/action`` invoke: `user` used an Action.Execute with `verb` and
        `data` on the card of message `reply_to_id`. For a card in a channel the conversation
        id is ``<channel id>;messageid=<post id>``. The answer's `json` is the invoke response."""
        person = self.double.user(user)
        place = place_of(self.double, conversation_id)
        activity = merged(
            self._envelope("invoke", place, person, event_id()),
            invoke_fields(reply_to_id, verb, data),
        )
        if place.channel_id is not None:
            activity["channelData"]["source"] = {"name": "message"}
            activity["channelData"]["legacy"] = {"replyToId": reply_to_id}
        return self.post(activity)

    def click(
        self,
        user: UserRef,
        post: Message,
        title: str,
        extra_inputs: Mapping[str, str] | None = None,
    ) -> AppAnswer:
        """`user` clicks the Action.Execute titled `title` on the card of `post` (a message
        read from the double; a ShowCard's actions count), having typed `extra_inputs` (by
        input id). Teams merges the inputs into the action's data; a click Teams would not
        send (a required input empty, a user who cannot see the card) raises ValueError."""
        person = self.double.user(user)
        self._check_can_see(person, post)
        action = post.action(title)
        if action.verb is None:
            raise ValueError(f"{title!r} has no verb")
        data = submitted_data(action, extra_inputs)
        return self.invoke(person, post.thread_conversation_id, post.id, action.verb, data)

    # ------------------------------------------------------------------------- posting

    def post(
        self, activity: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> AppAnswer:
        """POSTs an activity (any JSON object) to the app as Teams would, or with `headers`
        (which replace the defaults of the same name)."""
        body = json.dumps(activity).encode("utf-8")
        sent = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        request = urllib.request.Request(
            self.app_url + self.path, data=body, headers=sent, method="POST"
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = int(response.status)
                got = dict(response.headers.items())
                text = response.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as exc:
            status, got = int(exc.code), dict(exc.headers.items())
            text = exc.read().decode("utf-8", errors="replace")
        elapsed = time.monotonic() - started
        try:
            parsed = json.loads(text) if text.strip() else None
        except ValueError:
            parsed = None
        return AppAnswer(status, got, text, parsed, elapsed, dict(activity))

    # ------------------------------------------------------------------------- helpers

    def _envelope(self, kind: str, place: Place, user: TeamsUser, activity_id: str) -> JsonDict:
        return envelope(
            self.double,
            kind,
            place,
            user.account,
            activity_id=activity_id,
            service_url=self.double.url,
        )

    def _installer(self, channel_id: str, by: UserRef | None) -> TeamsUser:
        if by is not None:
            return self.double.user(by)
        roster = self.double.roster(channel_id) or self.double.users
        if not roster:
            raise ValueError("the tenant has no users to install the app")
        return roster[0]

    def _check_can_see(self, person: TeamsUser, post: Message) -> None:
        if post.deleted:
            raise ValueError(f"message {post.id} is deleted")
        if post.channel_id is None:
            if self.double.personal_chat_id(person, create=False) != post.conversation_id:
                raise ValueError(f"{person.name} cannot see {post.conversation_id}")
        elif person not in self.double.roster(post.channel_id):
            raise ValueError(f"{person.name} is not in the channel {post.channel_id}")
