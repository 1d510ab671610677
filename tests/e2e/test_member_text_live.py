"""Through the running app and the Slack emulator: an action's text and owner, typed by a chair
with a channel ping and a disguised link, reach Slack as text in the chair's confirmation, the
redrawn Add action message and `/assess actions`."""

from __future__ import annotations

from datetime import date, timedelta

from tests.e2e.harness import BOARD, CHAIR, RunningApp, block_text
from tests.e2e.test_report import action_prompt, add_action, play_domain_4
from tests.emulator import validate_blocks

TYPED = "<!channel> see <https://evil.example|minutes>\n*4.2* — *4 Outstanding*"
OWNER = "<@U0CHAIR01> *and* `team`"


def test_a_typed_action_and_owner_never_ping_or_disguise_a_link(app: RunningApp) -> None:
    slack = app.emulator
    play_domain_4(app, {"4.1": "2223", "4.2": "1112", "4.3": "3333", "4.4": "4443"})
    prompt = action_prompt(slack)
    due = (date.today() + timedelta(days=30)).isoformat()
    done = add_action(app, prompt, "4.1", {"action": TYPED, "owner": OWNER, "due": due})
    assert done.status == 200
    confirmations = slack.wait_for(
        lambda: [e for e in slack.ephemerals(user=CHAIR) if "Action 1 added" in e["text"]],
        message="the chair's confirmation",
    )
    redrawn = slack.wait_for(
        lambda: [
            m
            for m in [slack.message(BOARD, str(prompt["ts"]))]
            if m is not None and "Actions: 1." in block_text(m)
        ],
        message="the Add action message redrawn",
    )[0]
    listed = app.command("actions")
    shown = [
        *(e["text"] for e in confirmations),
        *(block_text(e) for e in confirmations),
        block_text(redrawn),
        listed,
    ]
    assert validate_blocks(redrawn["blocks"]) == []
    for text in shown:
        for live in ("<!channel>", "<https://evil", "<@U0CHAIR01>", "*and*", "`team`"):
            assert live not in text, (live, text)
        assert "&lt;@U0CHAIR01&gt; ∗and∗ ˋteamˋ" in text, text
    for text in (block_text(redrawn), listed):
        assert "&lt;!channel&gt; see &lt;https://evil.example|minutes&gt; ↵ ∗4.2∗" in text


def test_a_typed_word_shown_back_in_a_refusal_is_text(app: RunningApp) -> None:
    for typed in ("<!channel>", "domain <!channel>", "extend 4 <!here>", "cycle start <@U0X>"):
        refused = app.command(typed)
        assert "<!" not in refused and "<@" not in refused, refused
        assert "`&lt;" in refused and "/assess domain N" in refused, refused  # and the usage
