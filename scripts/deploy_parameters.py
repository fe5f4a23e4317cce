"""The main stack's parameter overrides for `sam deploy`, from samconfig.toml and the GitHub
repository variables (the deploy workflow runs it; so can you, by hand).

    python3 scripts/deploy_parameters.py check
        Every required repository variable is set, or exit 1 naming each one missing.
    python3 scripts/deploy_parameters.py overrides [--concurrency-quota N] > overrides.txt
        One `Key="value"` line per main-stack parameter (exit 1 naming any missing), for
        `mapfile -t p < overrides.txt && sam deploy --parameter-overrides "${p[@]}"`.

Why: `sam deploy --parameter-overrides` on the command line replaces samconfig.toml's
parameter_overrides list instead of adding to it, so the workflow would silently drop
HolidayCalendar and MapMaxConcurrency. This prints samconfig's list with the variables on top.
Each value is quoted because sam splits an unquoted value at its first space ("Your Company"
would deploy as "Your").

The public Function URLs' brake (ReservedConcurrencyBrake) is set from the account's Lambda
concurrency quota: Lambda keeps 100 of it unreserved, so a new account's quota of 10 cannot
reserve any; the brake is 0 there (with a warning saying how to raise the quota) and BRAKE once
the quota allows it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# variable -> (the main stack's parameter, or None for a variable used elsewhere; what it is)
REQUIRED: dict[str, tuple[str | None, str]] = {
    "OG_DEPLOY_ROLE_ARN": (None, "the ARN of the og-deploy role GitHub assumes (README step 2)"),
    "OG_SENDER_IDENTITY": ("SenderIdentity", "the SES-verified domain you send from"),
    "OG_SENDER_ADDRESS": ("SenderAddress", 'the From of step emails, "Name <hello@domain>"'),
    "OG_BUSINESS_NAME": ("BusinessName", "your business's name, as customers know it"),
    "OG_OWNER_SLACK_ID": ("OwnerSlackId", "the owner's Slack member id, e.g. U0123ABCD"),
    "OG_INTAKE_RECIPIENT": (None, "the intake address on the MX subdomain (README step 6)"),
}
OPTIONAL: dict[str, str] = {
    "OG_ALARM_EMAIL": "AlarmEmail",
    "OG_BUSINESS_TIMEZONE": "BusinessTimezone",
}
BRAKE = 5  # each public Function URL runs at most this many at once
UNRESERVED_MINIMUM = 100  # what Lambda keeps unreserved in every account
WHERE = "GitHub: Settings > Secrets and variables > Actions > Variables"


class DeployError(Exception):
    pass


def missing(env: Mapping[str, str], *, main_stack_only: bool = False) -> list[str]:
    return [
        f"repository variable {name} is not set: set it to {what} ({WHERE})"
        for name, (parameter, what) in REQUIRED.items()
        if not env.get(name, "").strip() and (parameter or not main_stack_only)
    ]


def samconfig_overrides(path: Path) -> dict[str, str]:
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    listed = config["default"]["deploy"]["parameters"].get("parameter_overrides", [])
    found = {}
    for entry in [listed] if isinstance(listed, str) else listed:
        key, sep, value = entry.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z0-9]+", key):
            raise DeployError(f"{path.name}: parameter_overrides entry {entry!r} is not Key=Value")
        found[key] = value.strip('"')
    return found


def overrides(
    env: Mapping[str, str], samconfig: Path, concurrency_quota: int | None = None
) -> tuple[dict[str, str], list[str]]:
    """The parameters to deploy with, and warnings for the log."""
    problems = missing(env, main_stack_only=True)
    if problems:
        raise DeployError("\n".join(problems))
    params = samconfig_overrides(samconfig)
    for name, (parameter, _) in REQUIRED.items():
        if parameter:
            params[parameter] = env[name].strip()
    for name, parameter in OPTIONAL.items():
        if env.get(name, "").strip():
            params[parameter] = env[name].strip()
    warnings = []
    if concurrency_quota is not None:
        if concurrency_quota >= UNRESERVED_MINIMUM + 2 * BRAKE:
            params["ReservedConcurrencyBrake"] = str(BRAKE)
        else:
            params["ReservedConcurrencyBrake"] = "0"
            warnings.append(
                f"Lambda's concurrency quota in this account is {concurrency_quota}: too low to "
                "reserve any, so enroll and done-handler run without their brake and a flood on "
                "them can hold up the tick's senders. Ask for 1000 (Service Quotas > AWS Lambda "
                "> Concurrent executions, free); the next deploy sets the brake."
            )
    for key, value in params.items():
        if "\\" in value or "\n" in value:
            raise DeployError(f"{key}: a backslash or line break cannot pass through sam deploy")
    return params, warnings


def quoted(params: Mapping[str, str]) -> list[str]:
    return [f'{key}="{value.replace(chr(34), chr(92) + chr(34))}"' for key, value in params.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["check", "overrides"])
    parser.add_argument("--concurrency-quota", type=int, default=None)
    parser.add_argument("--samconfig", type=Path, default=ROOT / "samconfig.toml")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            problems = missing(os.environ)
            if problems:
                raise DeployError("\n".join(problems))
            return 0
        params, warnings = overrides(os.environ, args.samconfig, args.concurrency_quota)
    except DeployError as err:
        for line in str(err).splitlines():
            print(f"::error::{line}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"::warning::{warning}", file=sys.stderr)
    print("\n".join(quoted(params)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
