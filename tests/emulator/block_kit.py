"""Block Kit validation with Slack's documented limits.

`validate_blocks` and `validate_view` return human-readable reasons, one per problem, in
the style Slack uses in `invalid_blocks` / `invalid_arguments` responses, e.g.
``must be at most 3000 characters (got 3001) [json-pointer:/blocks/0/text/text]``.
An empty list means Slack would accept the payload (as far as these checks go).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

Surface = Literal["message", "modal", "home"]

MAX_BLOCKS: dict[str, int] = {"message": 50, "modal": 100, "home": 100}
MAX_MESSAGE_TEXT = 40_000
MAX_BLOCK_ID = 255
MAX_ACTION_ID = 255

BLOCK_TYPES = frozenset(
    {
        "actions",
        "call",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
_MESSAGE_ONLY_BLOCKS = frozenset({"call", "file", "markdown", "table"})

_SELECTS = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
    }
)
_MULTI_SELECTS = frozenset({"multi_" + s for s in _SELECTS})
_ACTIONS_ELEMENTS = (
    frozenset(
        {
            "button",
            "checkboxes",
            "datepicker",
            "datetimepicker",
            "overflow",
            "radio_buttons",
            "rich_text_input",
            "timepicker",
            "workflow_button",
        }
    )
    | _SELECTS
    | _MULTI_SELECTS
)
_ACCESSORY_ELEMENTS = (
    frozenset(
        {
            "button",
            "checkboxes",
            "datepicker",
            "image",
            "overflow",
            "radio_buttons",
            "timepicker",
            "workflow_button",
        }
    )
    | _SELECTS
    | _MULTI_SELECTS
)
_INPUT_ELEMENTS = (
    frozenset(
        {
            "checkboxes",
            "datepicker",
            "datetimepicker",
            "email_text_input",
            "file_input",
            "number_input",
            "plain_text_input",
            "radio_buttons",
            "rich_text_input",
            "timepicker",
            "url_text_input",
        }
    )
    | _SELECTS
    | _MULTI_SELECTS
)


class _Checker:
    """Collects problems while walking a Block Kit structure."""

    def __init__(self, surface: str) -> None:
        self.surface = surface
        self.errors: list[str] = []

    def err(self, path: str, message: str) -> None:
        self.errors.append(f"{message} [json-pointer:{path}]")

    # -- primitives -------------------------------------------------------------------------

    def string(
        self,
        path: str,
        value: Any,
        *,
        max_len: int,
        required: bool = False,
        non_empty: bool = False,
    ) -> None:
        if value is None:
            if required:
                self.err(path, "is required")
            return
        if not isinstance(value, str):
            self.err(path, f"must be a string (got {type(value).__name__})")
            return
        if non_empty and not value:
            self.err(path, "must be more than 0 characters")
        if len(value) > max_len:
            self.err(path, f"must be at most {max_len} characters (got {len(value)})")

    def text_object(
        self,
        path: str,
        obj: Any,
        *,
        max_len: int,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if obj is None:
            if required:
                self.err(path, "a text object is required")
            return
        if not isinstance(obj, Mapping):
            self.err(path, "must be a text object ({type, text})")
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn"):
            self.err(f"{path}/type", f"must be plain_text or mrkdwn (got {kind!r})")
        elif plain_only and kind != "plain_text":
            self.err(f"{path}/type", "must be plain_text")
        text = obj.get("text")
        if not isinstance(text, str):
            self.err(f"{path}/text", "is required and must be a string")
            return
        if not text:
            self.err(f"{path}/text", "must be more than 0 characters")
        if len(text) > max_len:
            self.err(f"{path}/text", f"must be at most {max_len} characters (got {len(text)})")
        if "emoji" in obj and kind == "mrkdwn":
            self.err(f"{path}/emoji", "emoji is only allowed on plain_text")

    def count(self, path: str, items: Any, *, min_n: int, max_n: int, what: str) -> list[Any]:
        if not isinstance(items, list):
            self.err(path, f"{what} must be an array")
            return []
        if len(items) < min_n:
            self.err(path, f"must provide at least {min_n} {what}")
        if len(items) > max_n:
            self.err(path, f"must provide at most {max_n} {what} (got {len(items)})")
        return items

    # -- composition objects ----------------------------------------------------------------

    def option(self, path: str, opt: Any, *, allow_mrkdwn: bool) -> None:
        if not isinstance(opt, Mapping):
            self.err(path, "option must be an object")
            return
        self.text_object(f"{path}/text", opt.get("text"), max_len=75, plain_only=not allow_mrkdwn)
        self.string(f"{path}/value", opt.get("value"), max_len=150, required=True)
        self.text_object(
            f"{path}/description",
            opt.get("description"),
            max_len=75,
            plain_only=not allow_mrkdwn,
            required=False,
        )
        self.string(f"{path}/url", opt.get("url"), max_len=3000)

    def options(self, path: str, el: Mapping[str, Any], *, max_n: int, allow_mrkdwn: bool) -> None:
        for i, opt in enumerate(
            self.count(f"{path}/options", el.get("options"), min_n=1, max_n=max_n, what="options")
        ):
            self.option(f"{path}/options/{i}", opt, allow_mrkdwn=allow_mrkdwn)

    def confirm(self, path: str, obj: Any) -> None:
        if obj is None:
            return
        if not isinstance(obj, Mapping):
            self.err(path, "confirm must be an object")
            return
        self.text_object(f"{path}/title", obj.get("title"), max_len=100, plain_only=True)
        self.text_object(f"{path}/text", obj.get("text"), max_len=300)
        self.text_object(f"{path}/confirm", obj.get("confirm"), max_len=30, plain_only=True)
        self.text_object(f"{path}/deny", obj.get("deny"), max_len=30, plain_only=True)

    # -- elements ---------------------------------------------------------------------------

    def element(self, path: str, el: Any, *, allowed: frozenset[str], where: str) -> str | None:
        """Validates an element; returns its action_id (if any)."""
        if not isinstance(el, Mapping):
            self.err(path, "element must be an object")
            return None
        kind = el.get("type")
        if not isinstance(kind, str):
            self.err(f"{path}/type", "element type is required")
            return None
        if kind not in allowed:
            self.err(f"{path}/type", f"{kind!r} is not a valid element in {where}")
            return None
        action_id = el.get("action_id")
        self.string(f"{path}/action_id", action_id, max_len=MAX_ACTION_ID, non_empty=True)
        self.confirm(f"{path}/confirm", el.get("confirm"))
        if "placeholder" in el:
            self.text_object(
                f"{path}/placeholder", el.get("placeholder"), max_len=150, plain_only=True
            )

        if kind == "button":
            self.text_object(f"{path}/text", el.get("text"), max_len=75, plain_only=True)
            self.string(f"{path}/value", el.get("value"), max_len=2000)
            self.string(f"{path}/url", el.get("url"), max_len=3000)
            style = el.get("style")
            if style is not None and style not in ("primary", "danger"):
                self.err(f"{path}/style", f"must be primary or danger (got {style!r})")
            self.string(f"{path}/accessibility_label", el.get("accessibility_label"), max_len=75)
        elif kind == "image":
            self.string(f"{path}/alt_text", el.get("alt_text"), max_len=2000, required=True)
            if el.get("image_url") is None and el.get("slack_file") is None:
                self.err(path, "image_url or slack_file is required")
            self.string(f"{path}/image_url", el.get("image_url"), max_len=3000)
        elif kind in ("static_select", "multi_static_select"):
            has_options = "options" in el
            has_groups = "option_groups" in el
            if has_options == has_groups:
                self.err(path, "exactly one of options or option_groups is required")
            if has_options:
                self.options(path, el, max_n=100, allow_mrkdwn=False)
            if has_groups:
                groups = self.count(
                    f"{path}/option_groups",
                    el.get("option_groups"),
                    min_n=1,
                    max_n=100,
                    what="option groups",
                )
                for gi, group in enumerate(groups):
                    gpath = f"{path}/option_groups/{gi}"
                    if not isinstance(group, Mapping):
                        self.err(gpath, "option group must be an object")
                        continue
                    self.text_object(
                        f"{gpath}/label", group.get("label"), max_len=75, plain_only=True
                    )
                    self.options(gpath, group, max_n=100, allow_mrkdwn=False)
        elif kind == "overflow":
            self.options(path, el, max_n=5, allow_mrkdwn=False)
        elif kind in ("checkboxes", "radio_buttons"):
            self.options(path, el, max_n=10, allow_mrkdwn=True)
        elif kind == "plain_text_input":
            for key in ("min_length", "max_length"):
                value = el.get(key)
                if value is not None and (
                    not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 3000
                ):
                    self.err(f"{path}/{key}", "must be an integer between 0 and 3000")
            self.string(f"{path}/initial_value", el.get("initial_value"), max_len=3000)
        self.initial(path, el, kind)
        return action_id if isinstance(action_id, str) else None

    def initial(self, path: str, el: Mapping[str, Any], kind: str) -> None:
        """What an element shows at first: an option it offers, ids as strings, a filter."""
        options: list[Any] = list(el.get("options") or [])
        for group in el.get("option_groups") or []:
            if isinstance(group, Mapping):
                options.extend(group.get("options") or [])
        if "initial_option" in el and el["initial_option"] not in options:
            self.err(f"{path}/initial_option", "must be one of the provided options")
        for i, chosen in enumerate(el.get("initial_options") or []):
            if chosen not in options:
                self.err(f"{path}/initial_options/{i}", "must be one of the provided options")
        for key in ("initial_user", "initial_conversation", "initial_channel"):
            if key in el and not (isinstance(el[key], str) and el[key]):
                self.err(f"{path}/{key}", "must be an id string")
        for key in ("initial_users", "initial_conversations", "initial_channels"):
            if key in el and not (
                isinstance(el[key], list) and all(isinstance(v, str) and v for v in el[key])
            ):
                self.err(f"{path}/{key}", "must be an array of id strings")
        if kind in ("conversations_select", "multi_conversations_select") and "filter" in el:
            self.conversation_filter(f"{path}/filter", el["filter"])

    def conversation_filter(self, path: str, value: Any) -> None:
        if not isinstance(value, Mapping):
            self.err(path, "filter must be an object")
            return
        include = value.get("include", [])
        kinds = {"im", "mpim", "private", "public"}
        if not isinstance(include, list) or not include or not set(include) <= kinds:
            self.err(f"{path}/include", "must be a non-empty array of im, mpim, private, public")
        for key in ("exclude_external_shared_channels", "exclude_bot_users"):
            if key in value and not isinstance(value[key], bool):
                self.err(f"{path}/{key}", "must be a boolean")

    # -- blocks -----------------------------------------------------------------------------

    def blocks(self, prefix: str, blocks: Any) -> None:
        if not isinstance(blocks, list):
            self.err(prefix, "blocks must be an array")
            return
        limit = MAX_BLOCKS[self.surface]
        if len(blocks) > limit:
            self.err(
                prefix,
                f"no more than {limit} items allowed in a {self.surface} (got {len(blocks)})",
            )
        seen_block_ids: dict[str, int] = {}
        for i, block in enumerate(blocks):
            self.block(f"{prefix}/{i}", i, block, seen_block_ids)

    def block(self, path: str, index: int, block: Any, seen: dict[str, int]) -> None:
        if not isinstance(block, Mapping):
            self.err(path, "block must be an object")
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.err(f"{path}/type", f"unknown block type {kind!r}")
            return
        if self.surface != "message" and kind in _MESSAGE_ONLY_BLOCKS:
            self.err(f"{path}/type", f"{kind} blocks are only allowed in messages")

        block_id = block.get("block_id")
        if block_id is not None:
            self.string(f"{path}/block_id", block_id, max_len=MAX_BLOCK_ID, non_empty=True)
            if isinstance(block_id, str):
                if block_id in seen:
                    self.err(
                        f"{path}/block_id",
                        f"block_id {block_id!r} is already used by block {seen[block_id]}",
                    )
                else:
                    seen[block_id] = index

        action_ids: list[str] = []

        def add_action_id(action_id: str | None, el_path: str) -> None:
            if action_id is None:
                return
            if action_id in action_ids:
                self.err(
                    f"{el_path}/action_id",
                    f"action_id {action_id!r} is used more than once in this block",
                )
            action_ids.append(action_id)

        if kind == "section":
            has_text = "text" in block
            has_fields = "fields" in block
            if not has_text and not has_fields:
                self.err(path, "a section needs text or fields")
            if has_text:
                self.text_object(f"{path}/text", block.get("text"), max_len=3000)
            if has_fields:
                fields = self.count(
                    f"{path}/fields", block.get("fields"), min_n=1, max_n=10, what="fields"
                )
                for fi, field in enumerate(fields):
                    self.text_object(f"{path}/fields/{fi}", field, max_len=2000)
            if "accessory" in block:
                add_action_id(
                    self.element(
                        f"{path}/accessory",
                        block.get("accessory"),
                        allowed=_ACCESSORY_ELEMENTS,
                        where="a section accessory",
                    ),
                    f"{path}/accessory",
                )
        elif kind == "header":
            self.text_object(f"{path}/text", block.get("text"), max_len=150, plain_only=True)
        elif kind == "context":
            elements = self.count(
                f"{path}/elements", block.get("elements"), min_n=1, max_n=10, what="elements"
            )
            for ei, el in enumerate(elements):
                el_path = f"{path}/elements/{ei}"
                if isinstance(el, Mapping) and el.get("type") == "image":
                    self.element(el_path, el, allowed=frozenset({"image"}), where="context")
                else:
                    self.text_object(el_path, el, max_len=3000)
        elif kind == "actions":
            elements = self.count(
                f"{path}/elements", block.get("elements"), min_n=1, max_n=25, what="elements"
            )
            for ei, el in enumerate(elements):
                el_path = f"{path}/elements/{ei}"
                add_action_id(
                    self.element(el_path, el, allowed=_ACTIONS_ELEMENTS, where="an actions block"),
                    el_path,
                )
        elif kind == "input":
            self.text_object(f"{path}/label", block.get("label"), max_len=2000, plain_only=True)
            if block.get("element") is None:
                self.err(f"{path}/element", "an input block needs an element")
            else:
                self.element(
                    f"{path}/element",
                    block.get("element"),
                    allowed=_INPUT_ELEMENTS,
                    where="an input block",
                )
            if "hint" in block:
                self.text_object(f"{path}/hint", block.get("hint"), max_len=2000, plain_only=True)
        elif kind == "image":
            self.string(f"{path}/alt_text", block.get("alt_text"), max_len=2000, required=True)
            if block.get("image_url") is None and block.get("slack_file") is None:
                self.err(path, "image_url or slack_file is required")
            self.string(f"{path}/image_url", block.get("image_url"), max_len=3000)
            if "title" in block:
                self.text_object(f"{path}/title", block.get("title"), max_len=2000, plain_only=True)
        elif kind == "markdown":
            self.string(
                f"{path}/text", block.get("text"), max_len=12_000, required=True, non_empty=True
            )
        elif kind == "rich_text":
            self.count(
                f"{path}/elements", block.get("elements"), min_n=1, max_n=10_000, what="elements"
            )
        elif kind == "video":
            for key in ("alt_text", "title", "thumbnail_url", "video_url"):
                if block.get(key) is None:
                    self.err(f"{path}/{key}", "is required")
        elif kind == "file":
            for key in ("external_id", "source"):
                if block.get(key) is None:
                    self.err(f"{path}/{key}", "is required")


def validate_blocks(blocks: Any, surface: Surface = "message") -> list[str]:
    """Returns the reasons Slack would refuse these blocks (empty if acceptable).

    `surface` selects the block-count limit: 50 for messages, 100 for modals and Home tabs.
    """
    checker = _Checker(surface)
    checker.blocks("/blocks", blocks)
    return checker.errors


def validate_view(view: Any, surface: Literal["modal", "home"] = "modal") -> list[str]:
    """Returns the reasons Slack would refuse this view for views.open/push/update/publish."""
    checker = _Checker(surface)
    if not isinstance(view, Mapping):
        checker.err("/view", "view must be an object")
        return checker.errors
    kind = view.get("type")
    if kind != surface:
        checker.err("/view/type", f"must be {surface!r} (got {kind!r})")
    if surface == "modal":
        checker.text_object("/view/title", view.get("title"), max_len=24, plain_only=True)
    has_input = isinstance(view.get("blocks"), list) and any(
        isinstance(b, Mapping) and b.get("type") == "input" for b in view["blocks"]
    )
    if "submit" in view:
        checker.text_object("/view/submit", view.get("submit"), max_len=24, plain_only=True)
    elif surface == "modal" and has_input:
        checker.err("/view/submit", "submit is required when a modal contains input blocks")
    if "close" in view:
        checker.text_object("/view/close", view.get("close"), max_len=24, plain_only=True)
    checker.string("/view/callback_id", view.get("callback_id"), max_len=255)
    checker.string("/view/private_metadata", view.get("private_metadata"), max_len=3000)
    checker.string("/view/external_id", view.get("external_id"), max_len=255)
    if "blocks" not in view:
        checker.err("/view/blocks", "is required")
    else:
        checker.blocks("/view/blocks", view.get("blocks"))
    return checker.errors
