"""Every subcommand, option and argument of `og` says what it is for in `og ... --help`,
including those added later: the test walks the parser `og` itself builds."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from og import cli


class _Built(Exception):
    def __init__(self, parser: argparse.ArgumentParser):
        self.parser = parser


def _og_parser(monkeypatch: pytest.MonkeyPatch) -> argparse.ArgumentParser:
    """The parser `og` builds, taken as main() is about to parse its arguments."""

    def capture(self: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        raise _Built(self)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    with pytest.raises(_Built) as built:
        cli.main(["init"])
    return built.value.parser


def _without_help(parser: argparse.ArgumentParser, path: str) -> Iterator[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helped = {a.dest: a.help for a in action._get_subactions()}
            for name, subparser in action.choices.items():
                if not helped.get(name):
                    yield f"{path} {name} (the subcommand itself)"
                yield from _without_help(subparser, f"{path} {name}")
        elif action.help in (None, "", argparse.SUPPRESS):
            yield f"{path} {'/'.join(action.option_strings) or action.dest}"


def test_every_subcommand_option_and_argument_has_help(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = _og_parser(monkeypatch)
    assert len(parser._subparsers._group_actions[0].choices) >= 15  # type: ignore[union-attr]
    assert list(_without_help(parser, "og")) == []


def test_every_command_og_runs_is_one_it_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command body without its subcommand (or a subcommand with no body) is caught here, not
    by an owner meeting "invalid choice" (two helpers of one name once hid digest and summary)."""
    parser = _og_parser(monkeypatch)
    parsed = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert parsed == set(cli._COMMANDS)


def test_the_walk_finds_an_option_without_help(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: an option added without help= is named, with its subcommand."""
    real = cli._add_home_and_day_commands

    def with_a_bare_option(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        real(sub)
        sub.choices["tick"].add_argument("--bare")
        sub.add_parser("bare-command").add_argument("thing", help="a thing")

    monkeypatch.setattr(cli, "_add_home_and_day_commands", with_a_bare_option)
    assert list(_without_help(_og_parser(monkeypatch), "og")) == [
        "og tick --bare",
        "og bare-command (the subcommand itself)",
    ]
