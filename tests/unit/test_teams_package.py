"""The Teams app package (``python -m handlers.teams.package``): a good package is a zip of the
filled-in manifest and its two icons at the root; every mistake is refused in plain words and
writes nothing; and the command menu is the one grammar's verbs, the ones the README lists."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.commands import Unrecognised, parse_command
from handlers.teams import package
from handlers.teams.text import DEFAULT_BOT_NAME

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
GOOD_ENV = {"TEAMS_APP_ID": APP_ID, "PUBLIC_URL": "https://assess.example.org"}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of teams/ that a test may spoil."""
    return Path(shutil.copytree(package.SOURCE, tmp_path / "teams"))


def build(source: Path, env: dict[str, str] | None = None) -> dict[str, bytes]:
    out = source.parent / "out" / "assess-teams.zip"
    package.build(GOOD_ENV if env is None else env, out, source)
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def refusal(source: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(package.PackageRefused) as refused:
        build(source, env)
    assert not (source.parent / "out").exists(), "a refused package writes nothing"
    return "\n".join(refused.value.reasons)


def edit_manifest(source: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = source / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def manifest_template() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((package.SOURCE / "manifest.json").read_text("utf-8"))
    return loaded


# ------------------------------------------------------------------------- a good package


def test_a_good_package_is_the_filled_manifest_and_two_icons_at_the_root(source: Path) -> None:
    files = build(source)
    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]
    assert files["color.png"] == (source / "color.png").read_bytes()
    assert files["outline.png"] == (source / "outline.png").read_bytes()
    manifest = json.loads(files["manifest.json"])
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["developer"]["privacyUrl"] == "https://assess.example.org/privacy"
    assert manifest["developer"]["termsOfUseUrl"] == "https://assess.example.org/terms"
    assert manifest["validDomains"] == ["assess.example.org"]
    assert "${" not in files["manifest.json"].decode()
    assert manifest["$schema"].endswith(
        f"/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json"
    )


def test_the_manifest_says_what_the_brief_asks(source: Path) -> None:
    manifest = json.loads(build(source)["manifest.json"])
    assert manifest["developer"]["name"] == "Are we there yet? facilitator"
    assert manifest["name"]["short"] == DEFAULT_BOT_NAME == "Assess"  # what the cards say
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]
    (bot,) = manifest["bots"]
    assert bot["scopes"] == ["team", "personal", "groupChat"]
    assert bot["supportsFiles"] is False and bot["isNotificationOnly"] is False
    assert sorted(s for x in bot["commandLists"] for s in x["scopes"]) == sorted(bot["scopes"])


def test_the_same_inputs_give_the_same_zip(source: Path) -> None:
    out = source.parent / "out" / "assess-teams.zip"
    package.build(GOOD_ENV, out, source)
    first = out.read_bytes()
    package.build(GOOD_ENV, out, source)
    assert out.read_bytes() == first


def test_the_address_is_tidied_and_localhost_may_be_plain_http(source: Path) -> None:
    env = {"TEAMS_APP_ID": f" {APP_ID.upper()} ", "PUBLIC_URL": "http://localhost:3978/"}
    manifest = json.loads(build(source, env)["manifest.json"])
    assert manifest["id"] == APP_ID
    assert manifest["developer"]["websiteUrl"] == "http://localhost:3978/"
    assert manifest["validDomains"] == ["localhost"]


def test_the_developer_pages_may_be_the_councils_own(source: Path) -> None:
    edit_manifest(source, _set("developer.privacyUrl", "https://www.example.gov.uk/privacy"))
    manifest = json.loads(build(source)["manifest.json"])
    assert manifest["developer"]["privacyUrl"] == "https://www.example.gov.uk/privacy"


def test_the_command_line_writes_the_zip(
    source: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in GOOD_ENV.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "build" / "assess-teams.zip"
    assert package.main(["--out", str(out), "--source", str(source)]) == 0
    assert zipfile.is_zipfile(out)
    assert str(out) in capsys.readouterr().out


def test_the_command_line_refuses_in_plain_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    monkeypatch.setenv("PUBLIC_URL", "https://assess.example.org")
    out = tmp_path / "assess-teams.zip"
    assert package.main(["--out", str(out)]) == 1
    said = capsys.readouterr().err
    assert "TEAMS_APP_ID is not set" in said and "Traceback" not in said
    assert not out.exists()


# ------------------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"PUBLIC_URL": "https://assess.example.org"}, "TEAMS_APP_ID is not set"),
        ({**GOOD_ENV, "TEAMS_APP_ID": "  "}, "TEAMS_APP_ID is not set"),
        ({**GOOD_ENV, "TEAMS_APP_ID": "assess-bot"}, "which is not an App ID"),
        ({**GOOD_ENV, "TEAMS_APP_ID": APP_ID + "0"}, "which is not an App ID"),
        ({**GOOD_ENV, "TEAMS_APP_ID": "{" + APP_ID + "}"}, "which is not an App ID"),
        ({"TEAMS_APP_ID": APP_ID}, "PUBLIC_URL is not set"),
        ({**GOOD_ENV, "PUBLIC_URL": "http://assess.example.org"}, "is plain http"),
        ({**GOOD_ENV, "PUBLIC_URL": "assess.example.org"}, "is not a web address"),
        ({**GOOD_ENV, "PUBLIC_URL": "ftp://assess.example.org"}, "is not a web address"),
        ({**GOOD_ENV, "PUBLIC_URL": "https://assess.example.org:99999"}, "not a web address"),
        ({**GOOD_ENV, "PUBLIC_URL": "https://assess.example.org/?a=1"}, "just the address"),
        ({**GOOD_ENV, "PUBLIC_URL": "https://me:pw@assess.example.org"}, "just the address"),
    ],
)
def test_the_settings_are_refused_in_plain_words(
    source: Path, env: dict[str, str], said: str
) -> None:
    assert said in refusal(source, env)


def test_every_reason_is_given_at_once(source: Path) -> None:
    said = refusal(source, {"TEAMS_APP_ID": "x", "PUBLIC_URL": "http://example.org"})
    assert "not an App ID" in said and "plain http" in said


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(manifest: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = manifest
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _commands(change: Callable[[list[dict[str, str]]], object]) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        change(manifest["bots"][0]["commandLists"][1]["commands"])

    return edit


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (_set("developer.privacyUrl", "${PRIVACY_URL}"), "still has a placeholder: PRIVACY_URL"),
        (_set("id", "11111111-2222-3333-4444-555555555555"), "id is not the bot's"),
        (_set("bots.0.botId", "11111111-2222-3333-4444-555555555555"), "botId is not the bot's"),
        (_set("name.short", "Are we there yet? self-assessment"), "name.short is 33 characters"),
        (_set("description.short", "x" * 81), "description.short is 81 characters"),
        (_set("description.full", "x" * 4001), "description.full is 4001 characters"),
        (_set("description.full", " "), "description.full is missing or empty"),
        (_set("developer.name", "A" * 33), "developer.name is 33 characters"),
        (_set("manifestVersion", "1.16"), "should be 1.17 or newer"),
        (_set("$schema", "https://example.org/schema.json"), "$schema should be"),
        (_set("developer.privacyUrl", "http://example.org/privacy"), "should be an https"),
        (_set("developer.websiteUrl", "example.org"), "websiteUrl should be an https"),
        (_set("validDomains", ["example.org"]), "validDomains should list"),
        (_set("validDomains", ["assess.example.org", "https://x.org"]), "host names only"),
        (_set("permissions", ["identity", "camera"]), "permissions may only be"),
        (_set("bots.0.scopes", ["team", "personal"]), "bots[0].scopes should be"),
        (_set("bots.0.supportsFiles", True), "supportsFiles and isNotificationOnly false"),
        (_set("icons.outline", "../outline.png"), "icons.outline should name a file"),
        (_set("icons.outline", "color.png"), "should be two files"),
        (_commands(lambda c: c.pop()), "commandLists[1] lists"),
        (_commands(lambda c: c.append({"title": "vote", "description": "vote"})), "lists"),
        (_commands(lambda c: c.reverse()), "in that order"),
        (_commands(lambda c: c[0].update(description="d" * 129)), "of 'domain' should be 1-128"),
        (_commands(lambda c: c[0].update(description="")), "of 'domain' should be 1-128"),
        (_commands(lambda c: c[0].update(title="domain" * 6)), "title should be 1-32"),
    ],
)
def test_a_bad_manifest_is_refused(
    source: Path, change: Callable[[dict[str, Any]], None], said: str
) -> None:
    edit_manifest(source, change)
    assert said in refusal(source)


def test_a_command_list_missing_for_a_scope_is_refused(source: Path) -> None:
    edit_manifest(source, lambda m: m["bots"][0]["commandLists"].pop())
    assert "should give each of" in refusal(source)


def test_a_manifest_that_is_not_json_is_refused(source: Path) -> None:
    (source / "manifest.json").write_text("{ not json", encoding="utf-8")
    assert "is not valid JSON" in refusal(source)


def _png(size: tuple[int, int], colour: tuple[int, int, int, int], fmt: str = "PNG") -> bytes:
    data = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", size, colour[: 4 if fmt == "PNG" else 3]).save(
        data, format=fmt
    )
    return data.getvalue()


@pytest.mark.parametrize(
    ("icon", "data", "said"),
    [
        ("color.png", _png((96, 96), (44, 74, 110, 255)), "is 96×96; Teams wants 192×192"),
        ("outline.png", _png((20, 20), (255, 255, 255, 255)), "is 20×20; Teams wants 32×32"),
        ("outline.png", _png((32, 32), (44, 74, 110, 255)), "1024 pixels that are neither white"),
        ("outline.png", _png((32, 32), (255, 255, 255, 0)), "is empty"),
        ("color.png", _png((192, 192), (44, 74, 110, 255), "JPEG"), "not a PNG"),
        ("color.png", b"not an image", "is not a readable PNG"),
    ],
)
def test_a_bad_icon_is_refused(source: Path, icon: str, data: bytes, said: str) -> None:
    (source / icon).write_bytes(data)
    assert said in refusal(source)


def test_one_coloured_pixel_in_the_outline_is_refused(source: Path) -> None:
    with Image.open(source / "outline.png") as image:
        spoiled = image.convert("RGBA")
    spoiled.putpixel((0, 0), (254, 255, 255, 10))
    spoiled.save(source / "outline.png")
    assert "has 1 pixels that are neither white nor transparent" in refusal(source)


def test_a_missing_icon_is_refused(source: Path) -> None:
    (source / "color.png").unlink()
    assert "the color icon color.png is missing" in refusal(source)


# ------------------------------------------------- the committed icons and the one grammar


def test_the_committed_icons_are_what_teams_asks_for() -> None:
    with Image.open(package.SOURCE / "color.png") as color:
        assert (color.format, color.size) == ("PNG", (192, 192))
        opaque = color.convert("RGBA").getpixel((96, 20))
        assert isinstance(opaque, tuple) and opaque[3] == 255  # full colour, not transparent
    outline = (package.SOURCE / "outline.png").read_bytes()
    assert package.icon_problem(outline, (32, 32), outline=True) is None


def test_the_verbs_come_from_the_usage() -> None:
    verbs = package.grammar_verbs()
    assert verbs == (
        "domain",
        "status",
        "close",
        "extend",
        "remind",
        "audit",
        "cycle",
        "report",
        "actions",
        "setup",
        "use",
        "help",
    )
    assert package.menu_verbs() == tuple(v for v in verbs if v not in ("use", "audit"))
    example = {
        "domain": "4",
        "close": "4",
        "remind": "4",
        "audit": "4",
        "extend": "4 2d",
        "use": "this channel for participation",
    }
    for verb in verbs:
        assert not isinstance(parse_command(f"{verb} {example.get(verb, '')}"), Unrecognised)


def test_the_menu_is_exactly_the_verbs_the_readme_lists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = dict.fromkeys(re.findall(r"^\| `/assess (\w+)", readme, flags=re.MULTILINE))
    assert tuple(listed) == package.grammar_verbs()
    menu = [verb for verb in listed if verb not in package.MENU_LEFT_OUT]
    for command_list in manifest_template()["bots"][0]["commandLists"]:
        assert [c["title"] for c in command_list["commands"]] == menu
