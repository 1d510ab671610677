"""Rosters and the team: ``…/members``, ``…/members/{id}``, ``…/pagedmembers``, ``/v3/teams/…``."""

from __future__ import annotations

import base64
import binascii

from .records import THREAD_MARK, Answer, ConnectorError, JsonDict, Request, TeamsUser
from .tenant import TenantSetup

MAX_PAGE_SIZE = 500


class MembersApi(TenantSetup):
    """A channel's conversation (or a thread of it) lists the channel's roster; a personal chat
    lists its user. Members are shaped as Teams shapes them (see `TeamsUser.member`)."""

    def _member_json(self, user: TeamsUser) -> JsonDict:
        return user.member(self.tenant_id, self.domain)

    def _get_conversation_members(self, request: Request) -> Answer:
        target = self._target(request.params["cid"])
        members = [self._member_json(u) for u in self._members_of(target)]
        return Answer(200, members, conversation_id=request.params["cid"])

    def _get_conversation_member(self, request: Request) -> Answer:
        target = self._target(request.params["cid"])
        ref = request.params["mid"]
        for user in self._members_of(target):
            if ref in (user.teams_id, user.aad_object_id):
                return Answer(200, self._member_json(user), conversation_id=request.params["cid"])
        raise ConnectorError(404, "MemberNotFoundInConversation", "The member was not found.")

    def _get_conversation_paged_members(self, request: Request) -> Answer:
        """At most `page_size` members a page (the double's, or less if asked), with a
        ``continuationToken`` while more remain."""
        conversation_id = request.params["cid"]
        members = self._members_of(self._target(conversation_id))
        size = self.page_size
        asked = request.query.get("pageSize") or ""
        if asked:
            if not asked.isdigit() or not 0 < int(asked) <= MAX_PAGE_SIZE:
                raise ConnectorError(400, "BadArgument", "pageSize must be 1 to 500")
            size = min(size, int(asked))
        base = conversation_id.partition(THREAD_MARK)[0]
        start = read_token(request.query.get("continuationToken") or "", base)
        page = members[start : start + size]
        body: JsonDict = {"members": [self._member_json(u) for u in page]}
        if start + len(page) < len(members):
            body["continuationToken"] = make_token(base, start + len(page))
        return Answer(200, body, conversation_id=conversation_id)

    def _fetch_team_details(self, request: Request) -> Answer:
        self._team(request.params["tid"])
        everyone = {aad for ch in self._channels.values() for aad in ch.members}
        details = {
            "id": self.team_id,
            "name": self.team_name,
            "aadGroupId": self.team_aad_group_id,
            "channelCount": len(self._channels),
            "memberCount": len(everyone),
            "type": "standard",
        }
        return Answer(200, details)

    def _fetch_channel_list(self, request: Request) -> Answer:
        """The team's channels; General without a name, as Teams lists it."""
        self._team(request.params["tid"])
        channels: list[JsonDict] = []
        for channel in self._channels.values():
            entry: JsonDict = {"id": channel.id}
            if channel.id != self.team_id:
                entry["name"] = channel.name
            channels.append(entry)
        return Answer(200, {"conversations": channels})

    def _team(self, team_id: str) -> None:
        if team_id != self.team_id:
            raise ConnectorError(404, "NotFound", "Team not found.")


def make_token(conversation_id: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{offset}|{conversation_id}".encode()).decode()


def read_token(token: str, conversation_id: str) -> int:
    """Where a continuation token resumes (0 for none); 400 for a token not made for this
    conversation."""
    if not token:
        return 0
    try:
        offset, _, made_for = base64.urlsafe_b64decode(token.encode()).decode().partition("|")
        if made_for != conversation_id or not offset.isdigit():
            raise ValueError(token)
        return int(offset)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ConnectorError(400, "BadArgument", "Invalid continuation token") from exc
