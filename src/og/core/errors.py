"""The project's errors, in one module. Every error the guide raises on purpose subclasses
OnboardingError, and its message says what is wrong and how to fix it (which file, line and
field; which setting; which command). Some also subclass a builtin that callers or libraries
rely on: a pydantic validator must raise ValueError, `og` reports any ValueError or
LookupError as a usage problem.

What each error becomes:
- in a task Lambda it is raised as is: the class name is the error Step Functions records
  (asl-fragments catch States.ALL, so renaming one changes only what the owner's flag shows);
- in a Function URL handler og.adapters.aws.answers maps it to an HTTP answer, in one table;
- in `og` (og.cli) it is printed and the command exits 2 (75 for HomeBusy).

Bare ValueError stays where it is a contract with the calling code rather than a report: a
parser handed to config_doc's `setting` raises it (config_doc turns it into a Problem), and so
does a function given a naive datetime, an unknown doc name or a report with no recipient."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class OnboardingError(Exception):
    """Base of every error the guide raises on purpose; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Problem:
    source: str  # file name or parameter name, e.g. "rules.txt" or "/og/config/timezone"
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f" line {self.line}"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"


# --- the owner's documents and setup ---------------------------------------------------------
class DocumentError(OnboardingError):
    """One or more problems in a rules, voice or config document; the tick must not run."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class TemplateError(OnboardingError):
    """A message template could not be rendered; nothing is sent. The message names the doc,
    line and template, e.g. "voice.txt line 12 (template 'step: welcome'): unknown variable"."""

    def __init__(self, template: str, message: str, variable: str | None = None):
        self.template = template
        self.variable = variable
        super().__init__(message)


class ListLayoutError(OnboardingError, ValueError):
    """The list's header cannot take what is asked (no header, a missing column)."""


class SetupError(OnboardingError, ValueError):
    """The checkout, the environment, a secret or the og home is not set up as the guide needs
    (a variable not set, a construct the local engine does not run); the message says what
    to set or change."""


class UsageError(OnboardingError, ValueError):
    """An `og` command was given what it cannot act on; the message says what to give it."""


# --- customers' links, the owner's Slack, signups ----------------------------------------------
class InvalidDoneToken(OnboardingError):
    """A link token that must not be honoured; `reason` says why (for logs, not users)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class LinkKeyError(OnboardingError, ValueError):
    """The secret's value is not a key list the guide can use; the message says how to fix it."""


class UnverifiedRequest(OnboardingError):
    """A request claiming to come from Slack could not be verified (signature, timestamp,
    body): answered 401 and counted as a signature failure."""


class MalformedRequest(OnboardingError):
    """A verified Slack request that is not an interaction this app sends (or names a flag or
    proposal that does not exist): answered 400."""


class UnknownFlag(OnboardingError, LookupError):
    """No flag or owner task with that key (or none with a recorded answer)."""


class UnknownProposal(OnboardingError, LookupError):
    """No customer proposal with that key."""


class StepNotInRules(OnboardingError, LookupError):
    """A move's plan or step is no longer in the rules doc (edited since the tick planned it)."""


class NoTemplate(OnboardingError, KeyError):
    """The voice doc has no template for a message the guide must send; the message names the
    section to add."""


class OwnerCommandError(OnboardingError, ValueError):
    """What is wrong with the command's text; empty when the owner asked for help."""


class IntakeError(OnboardingError, ValueError):
    """The file is not an email the guide can read; the message names the file and why."""


class RowProblems(OnboardingError, ValueError):
    """Raised inside Signup's validation (pydantic needs a ValueError): the values' problems,
    (body field, message) each."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))


class InvalidSignup(OnboardingError, ValueError):
    """A signup the guide cannot add; `errors` names each invalid body field."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors  # [{"field": ..., "message": ...}], one per problem
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


class SignupConflict(OnboardingError):
    """A signup_id already enrolled with other details, or being enrolled by another request
    right now (`retry_after` seconds then); the message says what to do."""

    def __init__(self, message: str, retry_after: int | None = None):
        self.retry_after = retry_after
        super().__init__(message)


# --- sending and the outside services ----------------------------------------------------------
class SendRejected(OnboardingError):
    """The provider refused the message for certain: nothing was sent, a retry may send."""


class SendInDoubt(OnboardingError):
    """An earlier attempt claimed this message and never confirmed it went out. Sending again
    could send it twice, so the owner is asked to check instead."""


class BedrockError(OnboardingError, RuntimeError):
    """The model answered, but not with what the tool asks for."""


class GoogleFileError(OnboardingError):
    """Google refused a file: usually it is not shared with the service account, or the id in
    the config is wrong."""


class StoreContention(OnboardingError, RuntimeError):
    """A store write could not be made: the item kept changing under it, DynamoDB cancelled
    it, or left items unprocessed after every retry. Retrying later is safe."""


class _Mirrored(Protocol):
    @property
    def target(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def told(self) -> bool: ...


class DriveSyncFailed(OnboardingError):
    """drive-sync could not mirror some files, or kept some out without telling the owner
    (after mirroring the others); the message names each, `results` holds every file's
    outcome."""

    def __init__(self, results: Sequence[_Mirrored]):
        self.results = results
        failed = [r for r in results if r.outcome == "failed" or not r.told]
        super().__init__("; ".join(f"{r.target}: {r.detail}" for r in failed))


# --- the local stack and packaging --------------------------------------------------------------
class HomeBusy(OnboardingError):
    """Another og command is writing to the home."""


class FunctionError(OnboardingError, RuntimeError):
    """A handler raised (the Lambda runtime's error, as `invoke` reports it), or answered the
    local stack's own request with other than 200."""


class LayerError(OnboardingError):
    """The layer cannot be built, or is over its budget."""
