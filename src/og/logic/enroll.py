"""enroll: a signup POSTed by the business's app becomes a row of the onboarding list, once.

The body's values are checked exactly as the tick checks a row of the list
(og.core.customer_list.check_row), so a signup enroll accepts is never skipped later. A retried
POST with the same signup_id gets the first answer back and adds nothing (powertools
idempotency on the og-idempotency table); the sheet is also searched for the id before a row is
added, for a retry that comes after the idempotency record has expired."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from og.adapters.ports import OnboardingSheet, Secrets
from og.core.config_doc import parse_config
from og.core.customer_list import check_row
from og.core.errors import InvalidSignup, RowProblems, SignupConflict
from og.core.list_rows import utc_text
from og.core.models import Rules
from og.core.rules_doc import parse_rules
from og.logic.documents import GuideFiles

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer

WEBHOOK_HEADER = "x-og-webhook-secret"
# How long a signup_id is remembered: longer than any webhook sender keeps retrying.
REMEMBER_SIGNUPS_FOR_S = 7 * 24 * 60 * 60

# The body's names for the list's columns (the list also accepts signup_id as a header).
_BODY_FIELD = {"customer_id": "signup_id"}


@dataclass(frozen=True)
class SignupCheck:
    """What a signup is checked against; the validation context of Signup."""

    rules: Rules
    now: datetime
    business_tz: str


class Signup(BaseModel):
    """The JSON body of a signup. Pydantic checks its shape (each value a string); the values
    are then checked as a row of the list (RowProblems, which parse_signup turns into one error
    per field, under the body's name for it)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)  # built by the first signup

    signup_id: str = ""
    name: str = ""
    email: str = ""
    plan: str = ""
    signup_at: str = ""
    timezone: str | None = None
    owner: str | None = None

    _normalized: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _checked_as_a_list_row(self, info: ValidationInfo) -> Signup:
        check = info.context
        if not isinstance(check, SignupCheck):
            raise TypeError("validate a Signup with context=SignupCheck(...)")
        row = {
            "customer_id": self.signup_id,
            "name": self.name,
            "email": self.email,
            "plan": self.plan,
            "signup_at": self.signup_at,
            "timezone": self.timezone or "",
            "owner": self.owner or "",
        }
        customer, problems = check_row(
            row, check.rules, check.now, check.business_tz, source="signup"
        )
        if customer is None:
            raise RowProblems([(_BODY_FIELD.get(p.field, p.field), p.message) for p in problems])
        self._normalized = {
            "signup_id": customer.customer_id,
            "name": customer.name,
            "email": customer.email.lower(),
            "plan": check.rules.plans[customer.plan].name,  # as the rules doc writes it
            "signup_at": utc_text(customer.signup_at),
            "timezone": customer.timezone or "",
            "owner": customer.owner or "",
        }
        return self

    @property
    def normalized(self) -> dict[str, str]:
        """Trimmed, email lower-case, plan as the rules doc writes it, signup_at in UTC."""
        return dict(self._normalized)


def authorized(secrets: Secrets, secret_name: str, presented: str | None) -> bool:
    """The shared-secret header, compared in constant time."""
    expected = secrets.get(secret_name)
    if not expected or presented is None:
        return False
    return hmac.compare_digest(presented.encode(), expected.encode())


def signup_check(files: GuideFiles, clock: Callable[[], datetime]) -> SignupCheck:
    """The plans from the mirrored rules doc and the business timezone (for a signup_at without
    an offset), as the tick will read them. Raises DocumentError if either has problems."""
    s = files.at
    rules = parse_rules(files.documents.read_text(s.rules_bucket, s.rules_key), s.rules_key)
    config = parse_config(files.config.entries())
    return SignupCheck(rules=rules, now=clock(), business_tz=config.timezone)


def parse_signup(body: str | None, check: SignupCheck) -> Signup:
    """Raises InvalidSignup naming every invalid field (`body` when it is not a JSON object)."""
    try:
        return Signup.model_validate_json(body or "", context=check)
    except ValidationError as err:
        errors: list[dict[str, str]] = []
        for e in err.errors(include_url=False):
            found = e.get("ctx", {}).get("error")
            if isinstance(found, RowProblems):
                errors += [{"field": f, "message": m} for f, m in found.problems]
            else:
                field = ".".join(str(part) for part in e["loc"]) or "body"
                errors.append({"field": field, "message": e["msg"]})
        raise InvalidSignup(errors) from None


def enroll(
    sheet: OnboardingSheet,
    idempotency: BasePersistenceLayer,
    signup: Signup,
    lambda_context: LambdaContext | None = None,
) -> dict[str, str]:
    """Add the signup to the onboarding list once per signup_id. Raises SignupConflict when
    the signup_id was enrolled with other details, or while another request for it is being
    handled."""
    # Powertools idempotency, not the Once port: a retried signup must get the first answer back.
    # Imported here, on the one path that uses it: the package imports boto3, which a request
    # that is refused (413, 415, 401, 400) never needs.
    from aws_lambda_powertools.utilities.idempotency import (
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="signup_id",
        payload_validation_jmespath="[name, email, plan, signup_at, timezone, owner]",
        expires_after_seconds=REMEMBER_SIGNUPS_FOR_S,
        raise_on_no_idempotency_key=True,
    )
    if lambda_context is not None:
        # Lets a record left "in progress" by a timed-out invocation expire with it.
        config.register_lambda_context(lambda_context)
    add = idempotent_function(
        data_keyword_argument="signup", persistence_store=idempotency, config=config
    )(_add_to_list)
    signup_id = signup.normalized["signup_id"]
    try:
        result: dict[str, str] = add(sheet, signup=signup.normalized)
    except IdempotencyValidationError:
        raise SignupConflict(
            f"'{signup_id}' was already enrolled with other details; change the row in the "
            "onboarding sheet instead"
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise SignupConflict(f"'{signup_id}' is being enrolled", retry_after=2) from None
    return result


def _add_to_list(sheet: OnboardingSheet, *, signup: dict[str, str]) -> dict[str, str]:
    row = {"customer_id" if k == "signup_id" else k: v for k, v in signup.items()}
    added = sheet.append_customer(row)
    return {
        "signup_id": signup["signup_id"],
        "status": "enrolled" if added else "already_on_the_list",
    }
