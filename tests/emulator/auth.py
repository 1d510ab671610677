"""api.test, auth.test and users.info."""

from __future__ import annotations

import copy

from .core import EmulatorCore
from .records import (
    ApiError,
    JsonDict,
    opt_str,
)


class AuthApi(EmulatorCore):
    """The token, the bot's identity and users."""

    def _api_test(self, params: JsonDict) -> JsonDict:
        return {"args": {k: v for k, v in params.items() if k != "token"}}

    def _auth_test(self, params: JsonDict) -> JsonDict:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self._users[self.bot_user_id]["name"],
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
        }

    def _users_info(self, params: JsonDict) -> JsonDict:
        user = self._users.get(opt_str(params, "user") or "")
        if user is None:
            raise ApiError("user_not_found")
        return {"user": copy.deepcopy(user)}
