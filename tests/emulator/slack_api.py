"""A local emulator of the Slack Web API, for tests that run without a network.

Point the app's WebClient at it with ``WebClient(token=emulator.token, base_url=emulator.api_url)``.
It is a real HTTP server (ThreadingHTTPServer on 127.0.0.1, random port) run in a daemon
thread. It keeps a small workspace (users, channels, messages, views, files), answers like
Slack (HTTP 200 ``{"ok": false, "error": ...}`` for API errors, 429 + Retry-After for rate
limits), validates Block Kit, and records every call for assertions.

The emulator is assembled from one mixin per API family: chat, conversations, views, files,
auth and users, response_urls; plus the workspace set-up, the inspection API and fault
injection, all on EmulatorCore (core.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from .auth import AuthApi
from .block_kit import validate_blocks, validate_view
from .chat import ChatApi
from .conversations import ConversationsApi
from .faults import FaultInjection
from .files import FilesApi
from .inspection import Inspection
from .records import (
    Call,
    JsonDict,
    ManualClock,
    ResponsePost,
    UploadedFile,
    json_reply,
)
from .responses import ResponseUrls
from .views import ViewsApi
from .workspace import WorkspaceSetup

__all__ = [
    "Call",
    "ManualClock",
    "ResponsePost",
    "SlackEmulator",
    "UploadedFile",
    "validate_blocks",
    "validate_view",
]


class SlackEmulator(
    ChatApi,
    ConversationsApi,
    ViewsApi,
    FilesApi,
    AuthApi,
    ResponseUrls,
    WorkspaceSetup,
    Inspection,
    FaultInjection,
):
    """An in-process Slack Web API (plus response_urls and file upload URLs) for tests.

    Use as a context manager (or call `start()` / `stop()`), then point the app at
    `api_url`. Workspace state is set up with `add_user` / `add_channel` / `add_message`;
    results are read with `messages`, `message`, `thread`, `ephemerals`, `views_opened`,
    `home_views`, `uploaded_files`, `responses` and `calls`. `wait_for` polls for the app's
    asynchronous work.
    """

    def _api_methods(self) -> dict[str, Callable[[JsonDict], JsonDict]]:
        return {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.members": self._conversations_members,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    def _handle_http(
        self, verb: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(raw_path)
        path = parts.path
        if path.startswith("/api/"):
            return self._handle_api(path[len("/api/") :], parts.query, headers, body)
        if path.startswith("/upload/") and verb == "POST":
            return self._handle_upload(path[len("/upload/") :], body)
        if path.startswith("/response/") and verb == "POST":
            return self._handle_response_url(path[len("/response/") :], headers, body)
        return json_reply(404, {"ok": False, "error": "not_found"})
