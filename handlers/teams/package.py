"""The Teams app package: ``teams/manifest.json`` with its placeholders filled in from the
environment, checked, and zipped with its two icons at the zip's root, ready to upload in the
Teams admin centre or with "Upload a custom app".

    TEAMS_APP_ID=… PUBLIC_URL=https://assess.example.org \\
        python -m handlers.teams.package --out build/assess-teams.zip

``${TEAMS_APP_ID}`` is the bot's Microsoft App ID (a GUID), ``${PUBLIC_URL}`` the HTTPS address
the app is served at (plain http only for localhost), ``${PUBLIC_HOST}`` that address's host.
The checks are those of the app manifest schema (1.17) that a mistake here would break, plus our
own: the command menu lists the verbs of the one grammar (``bot.commands.usage``) in its order,
but for ``MENU_LEFT_OUT`` (Teams shows at most 10).
Anything wrong is refused with every reason at once, in plain words, and no zip is written.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

from bot.commands import usage
from bot.domain.text import CommandHint

SOURCE = Path(__file__).resolve().parents[2] / "teams"
MANIFEST = "manifest.json"
DEFAULT_OUT = Path("build/assess-teams.zip")
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
SCHEMA_URL = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v{}/MicrosoftTeams.schema.json"
)
OLDEST_MANIFEST_VERSION = (1, 17)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SCOPES = frozenset({"team", "personal", "groupChat"})
PERMISSIONS = frozenset({"identity", "messageTeamMembers"})
ICON_SIZES = {"color": (192, 192), "outline": (32, 32)}
WHITE = (255, 255, 255)
#: the schema's limits on the texts we write (characters)
TEXT_LIMITS = {
    ("name", "short"): 30,
    ("name", "full"): 100,
    ("description", "short"): 80,
    ("description", "full"): 4000,
    ("developer", "name"): 32,
}
DEVELOPER_URLS = ("websiteUrl", "privacyUrl", "termsOfUseUrl")
MAX_URL = 2048
MAX_COMMANDS = 10
#: verbs of the grammar the menu leaves out, to stay within Teams' 10: the shortcut is a sentence
#: said in a sub-group's channel, and the audit trail is a chair's occasional errand
MENU_LEFT_OUT = ("use", "audit")
MAX_COMMAND_TITLE = 32
MAX_COMMAND_DESCRIPTION = 128
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same inputs give the same zip


class PackageRefused(Exception):
    """The package can't be built; ``reasons`` says why, each in plain words."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("\n".join(reasons))
        self.reasons = tuple(reasons)


@dataclass(frozen=True)
class Settings:
    app_id: str
    public_url: str  # without a trailing slash

    @property
    def host(self) -> str:
        return urlsplit(self.public_url).hostname or ""

    def values(self) -> dict[str, str]:
        return {
            "TEAMS_APP_ID": self.app_id,
            "PUBLIC_URL": self.public_url,
            "PUBLIC_HOST": self.host,
        }


def settings_from(env: Mapping[str, str]) -> Settings:
    """TEAMS_APP_ID and PUBLIC_URL from ``env``, or PackageRefused with what is wrong."""
    reasons: list[str] = []
    app_id = env.get("TEAMS_APP_ID", "").strip()
    if not app_id:
        reasons.append(
            "TEAMS_APP_ID is not set. Set it to the bot's Microsoft App ID: the "
            "'Application (client) ID' on the Overview page of its app registration in "
            "Microsoft Entra, like 0f8fad5b-d9cb-469f-a165-70867728950e."
        )
    elif not GUID.fullmatch(app_id):
        reasons.append(
            f"TEAMS_APP_ID is {app_id[:60]!r}, which is not an App ID: it should look like "
            "0f8fad5b-d9cb-469f-a165-70867728950e (the 'Application (client) ID' in Entra)."
        )
    public_url = env.get("PUBLIC_URL", "").strip().rstrip("/")
    problem = public_url_problem(public_url)
    if problem:
        reasons.append(problem)
    if reasons:
        raise PackageRefused(reasons)
    return Settings(app_id.lower(), public_url)


def public_url_problem(url: str) -> str | None:
    example = "for example https://assess.example.org"
    if not url:
        return f"PUBLIC_URL is not set. Set it to the address the app is served at, {example}."
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        return f"PUBLIC_URL {url[:100]!r} is not a web address; use one {example}."
    if parts.scheme not in ("https", "http") or not host:
        return f"PUBLIC_URL {url[:100]!r} is not a web address; use one {example}."
    if parts.username or parts.password or parts.query or parts.fragment:
        return f"PUBLIC_URL should be just the address, without a login, ? or #; {example}."
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        return (
            f"PUBLIC_URL {url[:100]!r} is plain http. Teams only talks to the app over https; "
            "plain http is accepted only for localhost, when trying it out."
        )
    if len(url) > MAX_URL - 20:
        return "PUBLIC_URL is too long for the app manifest."
    return None


def is_web_address(url: str) -> bool:
    """An https address (plain http only for localhost) that the manifest may hold."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in LOCAL_HOSTS)
    return secure and bool(host) and " " not in url and len(url) <= MAX_URL


def grammar_verbs() -> tuple[str, ...]:
    """The command words the usage lists, in its order (``bot/commands.py`` is the one source):
    domain, status, close, extend, remind, audit, cycle, report, actions, setup, use, help."""
    words = (
        part.words.split()[0]
        for part in usage(1).parts
        if isinstance(part, CommandHint) and part.words
    )
    return tuple(dict.fromkeys(words))


def menu_verbs() -> tuple[str, ...]:
    """The verbs the command menu lists: the grammar's, less ``MENU_LEFT_OUT``."""
    return tuple(verb for verb in grammar_verbs() if verb not in MENU_LEFT_OUT)


def fill(value: Any, values: Mapping[str, str]) -> Any:
    """``value`` (parsed JSON) with each known ``${NAME}`` in its strings replaced."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    return value


def placeholders_left(value: Any) -> list[str]:
    return sorted(set(PLACEHOLDER.findall(json.dumps(value, ensure_ascii=False))))


def text_at(manifest: Mapping[str, Any], *keys: str) -> str | None:
    value: Any = manifest
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value if isinstance(value, str) else None


def check_manifest(manifest: Mapping[str, Any], settings: Settings) -> list[str]:
    """Every reason the filled-in manifest would be refused or would not match the app."""
    reasons = [
        f"the manifest still has a placeholder: {name}" for name in placeholders_left(manifest)
    ]
    reasons += _check_version(manifest)
    for keys, limit in TEXT_LIMITS.items():
        text = text_at(manifest, *keys)
        where = ".".join(keys)
        if not text or not text.strip():
            reasons.append(f"{where} is missing or empty")
        elif len(text) > limit:
            reasons.append(f"{where} is {len(text)} characters; the most Teams takes is {limit}")
    if manifest.get("id") != settings.app_id:
        reasons.append("id is not the bot's Microsoft App ID (write ${TEAMS_APP_ID})")
    for name in DEVELOPER_URLS:
        if not is_web_address(text_at(manifest, "developer", name) or ""):
            reasons.append(f"developer.{name} should be an https address")
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", text_at(manifest, "accentColor") or ""):
        reasons.append("accentColor should be a colour like #2C4A6E")
    domains = manifest.get("validDomains")
    if not isinstance(domains, list) or settings.host not in domains:
        reasons.append(f"validDomains should list PUBLIC_URL's host, {settings.host}")
    elif any(not isinstance(d, str) or "://" in d or "/" in d for d in domains):
        reasons.append("validDomains should hold host names only, without https:// or a path")
    permissions = manifest.get("permissions")
    if not isinstance(permissions, list) or not set(permissions) <= PERMISSIONS:
        reasons.append(f"permissions may only be {sorted(PERMISSIONS)}")
    return reasons + _check_bot(manifest, settings)


def _check_version(manifest: Mapping[str, Any]) -> list[str]:
    version = text_at(manifest, "manifestVersion") or ""
    numbers = re.fullmatch(r"([0-9]+)\.([0-9]+)", version)
    if not numbers or (int(numbers[1]), int(numbers[2])) < OLDEST_MANIFEST_VERSION:
        return [f"manifestVersion {version!r} should be 1.17 or newer"]
    reasons = []
    if manifest.get("$schema") != SCHEMA_URL.format(version):
        reasons.append(f"$schema should be {SCHEMA_URL.format(version)}")
    if not re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", text_at(manifest, "version") or ""):
        reasons.append("version should be like 1.0.0")
    return reasons


def _check_bot(manifest: Mapping[str, Any], settings: Settings) -> list[str]:
    bots = manifest.get("bots")
    if not isinstance(bots, list) or len(bots) != 1 or not isinstance(bots[0], Mapping):
        return ["bots should hold exactly one bot"]
    bot: Mapping[str, Any] = bots[0]
    reasons = []
    if bot.get("botId") != settings.app_id:
        reasons.append("bots[0].botId is not the bot's Microsoft App ID (write ${TEAMS_APP_ID})")
    scopes = bot.get("scopes")
    if not isinstance(scopes, list) or set(scopes) != SCOPES or len(scopes) != len(SCOPES):
        reasons.append(f"bots[0].scopes should be {sorted(SCOPES)}")
    if bot.get("supportsFiles") is not False or bot.get("isNotificationOnly") is not False:
        reasons.append("bots[0] should have supportsFiles and isNotificationOnly false")
    lists = bot.get("commandLists")
    if not isinstance(lists, list) or not all(isinstance(x, Mapping) for x in lists):
        return [*reasons, "bots[0].commandLists is missing"]
    listed = [s for x in lists for s in (x.get("scopes") or ())]
    if sorted(listed) != sorted(SCOPES):
        reasons.append(f"bots[0].commandLists should give each of {sorted(SCOPES)} one list")
    for number, command_list in enumerate(lists):
        reasons += _check_commands(command_list.get("commands"), f"commandLists[{number}]")
    return reasons


def _check_commands(commands: Any, where: str) -> list[str]:
    if not isinstance(commands, list) or not all(isinstance(c, Mapping) for c in commands):
        return [f"{where}.commands is missing"]
    reasons = []
    titles = [c.get("title") for c in commands]
    if titles != list(menu_verbs()):
        reasons.append(
            f"{where} lists {titles}, but the commands are {list(menu_verbs())} "
            "(bot/commands.py's usage, less the ones left out of the menu), in that order"
        )
    if len(commands) > MAX_COMMANDS:
        reasons.append(f"{where} has {len(commands)} commands; the most Teams shows is 10")
    for command in commands:
        title, said = command.get("title"), command.get("description")
        if not isinstance(title, str) or not 0 < len(title) <= MAX_COMMAND_TITLE:
            reasons.append(f"{where}: a command's title should be 1-{MAX_COMMAND_TITLE} characters")
        if not isinstance(said, str) or not 0 < len(said) <= MAX_COMMAND_DESCRIPTION:
            reasons.append(
                f"{where}: the description of {title!r} should be "
                f"1-{MAX_COMMAND_DESCRIPTION} characters"
            )
    return reasons


def read_icons(manifest: Mapping[str, Any], source: Path) -> tuple[dict[str, bytes], list[str]]:
    """The icons the manifest names, read from ``source``, and every reason they would be
    refused: each must be a PNG of its size, the outline only white and transparent."""
    icons: dict[str, bytes] = {}
    reasons: list[str] = []
    for kind, size in ICON_SIZES.items():
        name = text_at(manifest, "icons", kind) or ""
        if not name or PurePosixPath(name).name != name or name == MANIFEST:
            reasons.append(f"icons.{kind} should name a file beside manifest.json")
            continue
        path = source / name
        if not path.is_file():
            reasons.append(f"the {kind} icon {name} is missing from {source}")
            continue
        data = path.read_bytes()
        problem = icon_problem(data, size, outline=kind == "outline")
        if problem:
            reasons.append(f"the {kind} icon {name} {problem}")
        icons[name] = data
    if text_at(manifest, "icons", "color") == text_at(manifest, "icons", "outline"):
        reasons.append("the colour and outline icons should be two files")
    return icons, reasons


def icon_problem(data: bytes, size: tuple[int, int], *, outline: bool) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                return f"is a {image.format} image, not a PNG"
            if image.size != size:
                return f"is {image.width}×{image.height}; Teams wants {size[0]}×{size[1]}"
            rgba = image.convert("RGBA").tobytes()
    except (UnidentifiedImageError, OSError):
        return "is not a readable PNG"
    if not outline:
        return None
    pixels = [rgba[i : i + 4] for i in range(0, len(rgba), 4)]
    coloured = sum(1 for p in pixels if p[3] and tuple(p[:3]) != WHITE)
    if coloured:
        return (
            f"has {coloured} pixels that are neither white nor transparent; Teams wants a "
            "white outline on a transparent background"
        )
    if not any(p[3] for p in pixels):
        return "is empty (fully transparent)"
    return None


def build(env: Mapping[str, str], out: Path, source: Path = SOURCE) -> Path:
    """Checks everything, then writes the zip to ``out``; PackageRefused if anything is wrong."""
    settings = settings_from(env)
    try:
        template = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackageRefused([f"there is no {MANIFEST} in {source}"]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PackageRefused([f"{source / MANIFEST} is not valid JSON: {error}"]) from None
    if not isinstance(template, dict):
        raise PackageRefused([f"{source / MANIFEST} should hold one JSON object"])
    manifest = fill(template, settings.values())
    icons, icon_reasons = read_icons(manifest, source)
    reasons = check_manifest(manifest, settings) + icon_reasons
    if reasons:
        raise PackageRefused(reasons)
    files = {MANIFEST: (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()}
    write_zip(out, {**files, **icons})
    return out


def write_zip(out: Path, files: Mapping[str, bytes]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    os.replace(partial, out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m handlers.teams.package",
        description="Build the Teams app package (needs TEAMS_APP_ID and PUBLIC_URL).",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the zip to write")
    parser.add_argument("--source", type=Path, default=SOURCE, help="manifest.json's folder")
    args = parser.parse_args(argv)
    try:
        out = build(os.environ, args.out, args.source)
    except PackageRefused as refused:
        print("The Teams app package was not built:", file=sys.stderr)
        for reason in refused.reasons:
            print(f"  - {reason}", file=sys.stderr)
        return 1
    print(f"Wrote {out}: upload it in the Teams admin centre or with 'Upload a custom app'.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
