import pytest

from og.core.errors import OwnerCommandError
from og.core.models import OwnerAction
from og.core.owner_command import OwnerCommand, parse_owner_command


def test_pause_takes_the_rest_of_the_line_as_its_note():
    assert parse_owner_command("pause hh-1003 on holiday  until March") == OwnerCommand(
        OwnerAction.PAUSE, "hh-1003", "on holiday until March"
    )
    assert parse_owner_command("  Pause hh-1003 ") == OwnerCommand(OwnerAction.PAUSE, "hh-1003")
    assert parse_owner_command("resume hh-1003") == OwnerCommand(OwnerAction.RESUME, "hh-1003")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", ""),
        ("help", ""),
        ("stop hh-1003", "I don't know 'stop'; I know pause and resume."),
        ("pause", "'pause' needs the customer id of the onboarding list."),
        ("resume ", "'resume' needs the customer id of the onboarding list."),
    ],
)
def test_anything_else_says_what_is_wrong(text: str, problem: str):
    with pytest.raises(OwnerCommandError) as err:
        parse_owner_command(text)
    assert str(err.value) == problem
