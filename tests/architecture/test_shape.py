"""The shape of the code (issue 10): small modules and functions, a core that speaks no chat
platform, one command parser, and the import-linter contracts.

Each check has an allow-list of today's offenders (KNOWN_OFFENDERS). A check fails on any offender
not in its list, and also on a listed one that no longer offends, so the lists can only shrink:
when a module is split or a string moved to its adapter, delete its line here.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKED_PACKAGES = ("bot", "handlers", "storage")
EXCLUDED = ("storage/migrations/",)
COMPOSITION_ROOT = "bot/composition.py"
COMMAND_PARSER = "bot/commands.py"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

# Platform markup and platform words that the core must leave to its adapters.
PLATFORM_PATTERNS: dict[str, re.Pattern[str]] = {
    "mention <@": re.compile(r"<@"),
    "channel <#": re.compile(r"<#"),
    "special <!": re.compile(r"<!"),
    "mrkdwn *bold*": re.compile(r"(?<![*\w])\*(?=[^\s*])[^*\n]*?(?<=[^\s*])\*(?![*\w])"),
    "command /assess": re.compile(r"/assess\b"),
    "word Slack": re.compile(r"(?i)\bslack"),
}
PARSER_FUNCTION = re.compile(r"^parse_\w*command\w*$")
GRAMMAR_NAME = re.compile(r"(?i)(grammar|command_(re|regex|pattern)s?$|^commands?$)")

# --------------------------------------------------------------------- today's offenders
# Emptied by the lead as the restructure lands; a stale line fails the test (see above).

KNOWN_OFFENDERS: dict[str, frozenset[str]] = {
    "module_lines": frozenset(),
    "function_lines": frozenset(),
    "platform_strings": frozenset(),
    "command_parsers": frozenset(),
}

# ---------------------------------------------------------------------------- reading


def source_files() -> Iterator[Path]:
    for package in CHECKED_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if not any(part in relative(path) for part in EXCLUDED):
                yield path


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, ast.AST]]:
    """Every function and method with its qualified name (Class.method, outer.inner)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{prefix}{node.name}"
            yield name, node
            yield from functions(node, f"{name}.")
        elif isinstance(node, ast.ClassDef):
            yield from functions(node, f"{prefix}{node.name}.")
        else:
            yield from functions(node, prefix)


def docstring_nodes(tree: ast.Module) -> set[int]:
    """The ids of the docstring constants (module, class and function), which are not checked."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                found.add(id(body[0].value))
    return found


def string_literals(tree: ast.Module) -> Iterator[str]:
    """Every string literal but docstrings; an f-string is read with {} for each placeholder."""
    skip = docstring_nodes(tree)
    inside_fstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts: list[str] = []
            for value in node.values:
                inside_fstrings.add(id(value))
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append(value.value)
                else:
                    parts.append("{}")
            yield "".join(parts)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and id(node) not in inside_fstrings
        ):
            yield node.value


# ----------------------------------------------------------------------------- checks


def long_modules() -> set[str]:
    return {
        relative(path)
        for path in source_files()
        if len(path.read_text(encoding="utf-8").splitlines()) > MAX_MODULE_LINES
    }


def long_functions() -> set[str]:
    found: set[str] = set()
    for path in source_files():
        for name, node in functions(parse(path)):
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            end = node.end_lineno or node.lineno
            if end - node.lineno + 1 > MAX_FUNCTION_LINES:
                found.add(f"{relative(path)}::{name}")
    return found


def platform_strings() -> set[str]:
    found: set[str] = set()
    for path in source_files():
        name = relative(path)
        if not name.startswith("bot/") or name == COMPOSITION_ROOT:
            continue
        for literal in string_literals(parse(path)):
            for rule, pattern in PLATFORM_PATTERNS.items():
                if pattern.search(literal):
                    found.add(f"{name}: {rule}")
    return found


def command_parsers() -> set[str]:
    found: set[str] = set()
    for path in source_files():
        name = relative(path)
        if not name.startswith("bot/") or name == COMMAND_PARSER:
            continue
        tree = parse(path)
        for qualname, _ in functions(tree):
            if PARSER_FUNCTION.match(qualname.rsplit(".", 1)[-1]):
                found.add(f"{name}::{qualname}")
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and GRAMMAR_NAME.search(target.id):
                    found.add(f"{name}::{target.id}")
    return found


CHECKS = {
    "module_lines": long_modules,
    "function_lines": long_functions,
    "platform_strings": platform_strings,
    "command_parsers": command_parsers,
}


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_offenders_only_shrink(check: str) -> None:
    offenders = CHECKS[check]()
    known = KNOWN_OFFENDERS[check]
    new = sorted(offenders - known)
    fixed = sorted(known - offenders)
    assert not new, f"{check}: new offenders {new}"
    assert not fixed, f"{check}: these no longer offend; delete them from KNOWN_OFFENDERS: {fixed}"


# ------------------------------------------------------------------ the checks themselves


def test_platform_patterns_read_literals_not_docstrings() -> None:
    tree = ast.parse(
        '"""Slack docstring: *not checked*."""\n'
        "def f(who: str) -> str:\n"
        '    """Posts to Slack."""\n'
        '    return f"<@{who}> said *{who}* in /assess"\n'
    )
    literals = list(string_literals(tree))
    assert literals == ["<@{}> said *{}* in /assess"]
    hits = {rule for rule, p in PLATFORM_PATTERNS.items() if p.search(literals[0])}
    assert hits == {"mention <@", "mrkdwn *bold*", "command /assess"}
    assert not PLATFORM_PATTERNS["mrkdwn *bold*"].search("2 * 3 * 4, **kwargs, *.py")


def test_functions_are_named_by_class_and_nesting() -> None:
    tree = ast.parse("class A:\n    def m(self):\n        def inner(): pass\ndef g(): pass\n")
    assert [name for name, _ in functions(tree)] == ["A.m", "A.m.inner", "g"]


# ------------------------------------------------------------------------ import-linter


def test_import_linter_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    command = str(lint_imports) if lint_imports.exists() else shutil.which("lint-imports")
    if command is None:
        pytest.skip("lint-imports is not installed")
    result = subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
