"""The trust every test plays: its chair, channels and configuration (one builder for all).

The end-to-end tests, the demo and the bench run ``config_document()``; the service tests run
``services_config()``, the same trust with every domain but 1 and 5 given to Participation.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from bot.config import AppConfig

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORK_ID = "are-we-there-yet-2008"
BANK = ROOT / "question_data" / f"{FRAMEWORK_ID}.yaml"

CHAIR = "U0CHAIR01"
BOARD = "C0BOARD01"
PARTICIPATION = "C0PART001"
COMMISSIONING = "C0COMM001"
PERFORMANCE = "C0PERF001"
WORKFORCE = "C0WORK001"

JsonDict = dict[str, Any]

_DOCUMENT: JsonDict = {
    "framework": FRAMEWORK_ID,
    "board": {"name": "Test Children's Trust", "channel": BOARD, "chairs": [CHAIR]},
    "subgroups": {
        "board": {"name": "Board", "channel": BOARD},
        "commissioning": {"name": "Commissioning Sub-Group", "channel": COMMISSIONING},
        "performance": {"name": "Performance Management Sub-Group", "channel": PERFORMANCE},
        "participation": {"name": "Participation Sub-Group", "channel": PARTICIPATION},
        "workforce": {
            "name": "Workforce Sub-Group",
            "channel": WORKFORCE,
            "members": ["U0WORK001", "U0WORK002"],
        },
    },
    "assignments": {
        1: "board",
        2: "commissioning",
        3: "performance",
        4: "participation",
        5: "workforce",
        6: "performance",
        7: "performance",
    },
    "voting": {"deadline": "7d", "remind_before": "1d", "quorum": 0.5},
    "consensus": {"agree_share": 0.67, "max_spread": 1},
}


def config_document(**voting: Any) -> JsonDict:
    """The trust's app.yaml as a dict (a fresh copy); ``voting`` overrides the voting section."""
    document = copy.deepcopy(_DOCUMENT)
    document["voting"].update(voting)
    return document


def services_config(**voting: object) -> AppConfig:
    """The trust of the service tests: no Commissioning or Performance sub-group (domains 2-4, 6
    and 7 go to Participation), Workforce's members fixed (U0AAA, U0BBB), no deadline unless
    ``voting`` gives one."""
    document = config_document()
    document["board"]["name"] = "Test Trust"
    subgroups = document["subgroups"]
    document["subgroups"] = {k: subgroups[k] for k in ("board", "participation", "workforce")}
    document["subgroups"]["workforce"]["members"] = ["U0AAA", "U0BBB"]
    document["assignments"].update({2: "participation", 3: "participation"})
    document["assignments"].update({6: "participation", 7: "participation"})
    document["voting"] = {"quorum": 0.5, **voting}
    return AppConfig.model_validate(document)
