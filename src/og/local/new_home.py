"""`og init DIR --blank`: a home of the owner's own business instead of the bundled bakery.

It has the settings the owner gave, an onboarding list with only its header, a rules doc with
one example plan whose every line says what it means, and a voice doc with a message for each of
its steps. `og validate` accepts it and `og tick` runs on it (with no customers, nothing is
sent) before the owner changes a word."""

from __future__ import annotations

from email.headerregistry import Address
from importlib import resources
from pathlib import Path
from string import Template

import holidays as holiday_calendars

from og.core.config_doc import read_config_entries, timezone_problem
from og.core.customer_list import COLUMNS
from og.core.errors import DocumentError, UsageError
from og.local.stack import HOME_FILES, write_local_secrets
from og.logic.documents import parse_docs

__all__ = ["init_blank_home"]

_CONFIG = Template("""\
# $business — onboarding guide settings
# One setting per line: "key: value". Lines starting with # are notes.

business_name: $business
timezone: $timezone

# When no email goes out: quiet hours (on the customer's clock), your weekend, the public
# holidays of a country (a code like PT or GB, a region like US-CA, or none), and any other
# days you are closed.
quiet_hours: 20:00-08:00
weekend: Saturday, Sunday
holidays: $holidays
# closed_dates: 2026-12-24, 2026-12-31

# Who the emails come from (change it to an address of yours before you deploy), and your Slack
# member ID (Slack: your profile, the ⋮ menu, Copy member ID), to send your flags to you.
sender: $sender
owner_slack_id: $owner_slack_id

# Where customers click "done": `og serve` answers here on this computer.
done_link_base: http://localhost:8765/done
""")

_RULES = Template("""\
# $business — onboarding rules
#
# A plan is the list of steps a customer goes through; the "plan" column of onboarding.csv says
# which plan each customer is on. Below is one plan to start from: change its words, add steps,
# or add a plan of your own under it. Each step has:
#   Step:        a short name for it (letters, digits and -), kept once customers have it
#   Title:       what the customer is asked to do, as you would say it
#   Day:         how many days after they sign up it is sent (0: the day they sign up)
#   Nudge after: days without a "done" click before a friendly reminder (or: never)
#   Flag after:  days without a "done" click before you are told in Slack (or: never)
# Every step needs a message in voice.txt, under "=== step: <its short name> ===".

Plan: Standard

Step: welcome
Title: Welcome — set up your account
Day: 0
Nudge after: 2 days
Flag after: 5 days

Step: first-order
Title: Place your first order
Day: 3
Nudge after: 3 days
Flag after: 7 days
""")

_VOICE = """\
# How your onboarding emails sound. Each message starts with a line like
# "=== step: welcome ===", then "Subject: ...", then the text. {{ first_name }},
# {{ business_name }}, {{ done_link }} and the others are filled in for each customer.
# "=== nudge ===" is the reminder, "=== flag ===" what you get in Slack when someone is stuck.

=== step: welcome ===
Subject: Welcome to {{ business_name }}, {{ first_name }}!

Hi {{ first_name }},

Thank you for choosing {{ business_name }}. First things first: set up your account, so
everything is ready when you need it.

{% if done_link %}All set? Let us know with one click: {{ done_link }}
{% endif %}
Best wishes,
The {{ business_name }} team

=== step: first-order ===
Subject: Ready for your first order, {{ first_name }}?

Hi {{ first_name }},

Your account is ready. Whenever you like, place your first order; reply to this email if
anything is unclear and we will help.

{% if done_link %}Done it? Tell us here: {{ done_link }}
{% endif %}
Best wishes,
The {{ business_name }} team

=== nudge ===
Subject: A gentle reminder: {{ step_title }}

Hi {{ first_name }},

Just checking in on "{{ step_title }}". If anything is in the way, reply to this email and
we will help.

{% if done_link %}Already done? Tell us here: {{ done_link }}
{% endif %}
The {{ business_name }} team

=== flag ===
Subject: {{ name }} is stuck on "{{ step_title }}"

{{ name }} ({{ customer_id }}, {{ plan }} plan, {{ email }}) has not finished "{{ step_title }}".
Why you're seeing this: {{ reason }}

=== problems ===
Subject: {{ problem_count }} rows of the onboarding list were skipped

{{ problem_count }} rows of {{ list_name }} could not be used, so those customers get no
messages until they are fixed:

{{ problems }}

Everyone else is going ahead as normal.
"""


def init_blank_home(
    home: Path,
    *,
    business: str,
    timezone: str,
    holidays: str | None = None,
    sender: str | None = None,
    owner_slack_id: str = "U0123ABCD",
) -> list[Path]:
    """Write the home's files; nothing is written when a setting is refused or the folder
    already holds a home's documents. Returns the files written."""
    taken = [name for name in HOME_FILES if (home / name).exists()]
    if taken:
        raise UsageError(
            f"{home} already has {', '.join(taken)}; og init --blank starts a home in a new "
            "or empty folder (or delete those files first)"
        )
    problem = timezone_problem(timezone)
    if problem:
        raise UsageError(f"--timezone: {problem}")
    fields = {
        "business": " ".join(business.split()),
        "timezone": timezone,
        "holidays": holidays or _country_of(timezone) or "none",
        "sender": sender or str(Address(" ".join(business.split()), addr_spec="hello@example.com")),
        "owner_slack_id": owner_slack_id,
    }
    texts = {
        "config.txt": _CONFIG.substitute(fields),
        "rules.txt": _RULES.substitute(fields),
        "voice.txt": _VOICE,
        "onboarding.csv": ",".join(COLUMNS) + "\n",
    }
    try:
        parse_docs(
            read_config_entries(texts["config.txt"], "config.txt"),
            ("rules.txt", texts["rules.txt"]),
            ("voice.txt", texts["voice.txt"]),
        )
    except DocumentError as err:
        raise UsageError(f"the home was not started; fix the option of:\n{err}") from None
    home.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in texts.items():
        (home / name).write_text(text, encoding="utf-8")
        written.append(home / name)
    return written + write_local_secrets(home)


def _country_of(timezone: str) -> str | None:
    """The country whose timezone this is, from the tz database's zone.tab (the tzdata
    package), when the holidays library knows its holidays: Europe/Lisbon -> PT."""
    known = holiday_calendars.list_supported_countries()
    table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    for line in table.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and not line.startswith("#") and fields[2] == timezone:
            return fields[0] if fields[0] in known else None
    return None
