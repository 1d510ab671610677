"""A local Slack for tests: a Web API emulator, a sender of Slack's requests, and a
Block Kit validator. No network needed.

    with SlackEmulator() as slack:
        slack.add_user("U1", "alice")
        slack.add_channel("C1", "board", members=["U1"])
        client = WebClient(token=slack.token, base_url=slack.api_url)
"""

from .block_kit import MAX_BLOCKS, MAX_MESSAGE_TEXT, Surface, validate_blocks, validate_view
from .bolt_server import BoltAppServer
from .slack_api import Call, ManualClock, ResponsePost, SlackEmulator, UploadedFile
from .slack_client import AppResponse, SendOptions, SlackSender, sign

__all__ = [
    "MAX_BLOCKS",
    "MAX_MESSAGE_TEXT",
    "AppResponse",
    "BoltAppServer",
    "Call",
    "ManualClock",
    "ResponsePost",
    "SendOptions",
    "SlackEmulator",
    "SlackSender",
    "Surface",
    "UploadedFile",
    "sign",
    "validate_blocks",
    "validate_view",
]
