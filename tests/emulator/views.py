"""views.open, .push, .update and .publish (modals and Home tabs), trigger ids, and the app's
answers to view_submission."""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any, Literal

from .block_kit import validate_view
from .core import EmulatorCore
from .records import (
    ApiError,
    JsonDict,
    Trigger,
    blocks_error,
    opt_str,
)


class ViewsApi(EmulatorCore):
    """The views.* methods and view_submission responses."""

    def _view_param(self, params: JsonDict, surface: Literal["modal", "home"]) -> JsonDict:
        view = params.get("view")
        if not isinstance(view, dict):
            raise blocks_error(
                "invalid_arguments", ["view must be a JSON object [json-pointer:/view]"]
            )
        problems = validate_view(view, surface)
        if problems:
            raise blocks_error("invalid_arguments", problems)
        return view

    def _consume_trigger(self, params: JsonDict) -> Trigger:
        trigger_id = opt_str(params, "trigger_id")
        trigger = self._triggers.get(trigger_id or "")
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if self.clock() - trigger.issued_at > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        trigger.used = True
        return trigger

    def _build_view(
        self,
        view: JsonDict,
        *,
        view_id: str,
        root_view_id: str,
        previous_view_id: str | None,
        user_id: str | None,
    ) -> JsonDict:
        external_id = view.get("external_id") or ""
        if external_id and any(
            v.get("external_id") == external_id and v["id"] != view_id for v in self._views.values()
        ):
            raise ApiError("duplicate_external_id")
        previous = self._views.get(view_id)
        built: JsonDict = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": copy.deepcopy(view.get("title")),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": copy.deepcopy(view.get("close")),
            "submit": copy.deepcopy(view.get("submit")),
            "previous_view_id": previous_view_id,
            "root_view_id": root_view_id,
            "app_id": self.app_id,
            "external_id": external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
            "user_id": user_id,
        }
        if previous is not None:
            built["state"]["values"] = kept_inputs(previous, built)
        self._views[view_id] = built
        return built

    def _views_open(self, params: JsonDict) -> JsonDict:
        view = self._view_param(params, "modal")
        trigger = self._consume_trigger(params)
        view_id = self._next_id("V")
        built = self._build_view(
            view,
            view_id=view_id,
            root_view_id=view_id,
            previous_view_id=None,
            user_id=trigger.user_id,
        )
        if trigger.user_id is not None:
            self._view_stacks[trigger.user_id] = [view_id]
        self._views_opened.append(view_id)
        return {"view": self._public_view(built)}

    def _views_push(self, params: JsonDict) -> JsonDict:
        view = self._view_param(params, "modal")
        trigger = self._consume_trigger(params)
        stack = self._view_stacks.get(trigger.user_id or "", [])
        if len(stack) >= 3:
            raise ApiError("push_limit_reached")
        view_id = self._next_id("V")
        root = self._views[stack[0]]["root_view_id"] if stack else view_id
        built = self._build_view(
            view,
            view_id=view_id,
            root_view_id=root,
            previous_view_id=stack[-1] if stack else None,
            user_id=trigger.user_id,
        )
        if trigger.user_id is not None:
            self._view_stacks.setdefault(trigger.user_id, []).append(view_id)
        self._views_opened.append(view_id)
        return {"view": self._public_view(built)}

    def _views_update(self, params: JsonDict) -> JsonDict:
        view_id = opt_str(params, "view_id")
        external_id = opt_str(params, "external_id")
        if view_id is None and external_id is None:
            raise ApiError("invalid_arguments")
        existing = (
            self._views.get(view_id)
            if view_id is not None
            else next((v for v in self._views.values() if v["external_id"] == external_id), None)
        )
        if existing is None:
            raise ApiError("not_found")
        view = self._view_param(params, "home" if existing["type"] == "home" else "modal")
        given_hash = opt_str(params, "hash")
        if given_hash is not None and given_hash != existing["hash"]:
            raise ApiError("hash_conflict")
        built = self._build_view(
            view,
            view_id=existing["id"],
            root_view_id=existing["root_view_id"],
            previous_view_id=existing["previous_view_id"],
            user_id=existing["user_id"],
        )
        if built["type"] == "home" and built["user_id"]:
            self._home_views[built["user_id"]] = built
        return {"view": self._public_view(built)}

    def _views_publish(self, params: JsonDict) -> JsonDict:
        user_id = opt_str(params, "user_id")
        if user_id is None or user_id not in self._users:
            raise ApiError("user_not_found")
        view = self._view_param(params, "home")
        previous = self._home_views.get(user_id)
        given_hash = opt_str(params, "hash")
        if previous is not None and given_hash is not None and given_hash != previous["hash"]:
            raise ApiError("hash_conflict")
        view_id = previous["id"] if previous is not None else self._next_id("V")
        built = self._build_view(
            view, view_id=view_id, root_view_id=view_id, previous_view_id=None, user_id=user_id
        )
        self._home_views[user_id] = built
        return {"view": self._public_view(built)}

    @staticmethod
    def _public_view(view: JsonDict) -> JsonDict:
        return {k: copy.deepcopy(v) for k, v in view.items() if k != "user_id"}

    def apply_view_submission_response(
        self, user_id: str, view_id: str, response: Any, state: JsonDict | None = None
    ) -> list[str]:
        """Does what Slack does with an app's answer to a view_submission (used by SlackSender).

        No body / no response_action closes the modal; ``errors`` keeps it (and what was
        typed, ``state``); ``update`` replaces it, keeping what was typed in inputs whose
        block_id and action_id it keeps, as Slack does; ``push`` pushes a new one; ``clear``
        closes all. Returns problems (e.g. an invalid view in the response), which Slack would
        show to the user as an error.
        """
        with self._lock:
            stack = self._view_stacks.setdefault(user_id, [])
            action = response.get("response_action") if isinstance(response, dict) else None
            submitted = self._views.get(view_id)
            if submitted is not None and state is not None:  # what was typed stays in the modal
                submitted["state"] = {"values": copy.deepcopy(state)}
            if action == "errors":
                errors = response.get("errors")
                if not isinstance(errors, dict) or not errors:
                    return ["response_action errors needs a non-empty errors object"]
                current = self._views.get(view_id)
                blocks = current["blocks"] if current else []
                ids = {b.get("block_id") for b in blocks if isinstance(b, dict)}
                unknown = [k for k in errors if k not in ids]
                return [f"errors names unknown block_id {k!r}" for k in unknown]
            if action in ("update", "push"):
                new_view = response.get("view")
                problems = validate_view(new_view, "modal")
                if problems:
                    return problems
                assert isinstance(new_view, dict)
                if action == "update":
                    old = self._views.get(view_id)
                    if old is None:
                        return [f"unknown view {view_id}"]
                    self._build_view(
                        new_view,
                        view_id=view_id,
                        root_view_id=old["root_view_id"],
                        previous_view_id=old["previous_view_id"],
                        user_id=user_id,
                    )
                else:
                    if len(stack) >= 3:
                        return ["push_limit_reached"]
                    new_id = self._next_id("V")
                    self._build_view(
                        new_view,
                        view_id=new_id,
                        root_view_id=stack[0] if stack else new_id,
                        previous_view_id=view_id,
                        user_id=user_id,
                    )
                    stack.append(new_id)
                    self._views_opened.append(new_id)
                return []
            if action == "clear":
                stack.clear()
                return []
            if action is not None:
                return [f"unknown response_action {action!r}"]
            if view_id in stack:
                del stack[stack.index(view_id) :]
            return []


def kept_inputs(old: JsonDict, new: JsonDict) -> JsonDict:
    """What Slack keeps of a modal's typed input when it is drawn again: the entries of the
    input blocks whose block_id and action_id are unchanged."""
    ids = {
        (block.get("block_id"), (block.get("element") or {}).get("action_id"))
        for block in new.get("blocks") or []
        if isinstance(block, dict) and block.get("type") == "input"
    }
    kept: JsonDict = {}
    for block_id, actions in ((old.get("state") or {}).get("values") or {}).items():
        for action_id, entry in (actions or {}).items():
            if (block_id, action_id) in ids:
                kept.setdefault(block_id, {})[action_id] = copy.deepcopy(entry)
    return kept
