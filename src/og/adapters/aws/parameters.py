"""ConfigSource on SSM Parameter Store (/og/config/<key>) and Secrets on Secrets Manager, both
through Powertools' parameters providers, which cache the values in the execution environment."""

from __future__ import annotations

import boto3
from aws_lambda_powertools.utilities import parameters

# Read once per execution environment: a warm function does not call SSM or Secrets Manager
# again (an edited value reaches functions as their environments are replaced).
ENVIRONMENT_LIFETIME = 24 * 60 * 60

# Each provider is built on first use with a client of boto3's default session, the one every
# other adapter uses. Powertools' own default providers each open a new session, and a new
# session's first client reads botocore's endpoint and model files again: about 0.15 s of a
# cold start apiece (docs/benchmark.md, section 6).


class SsmConfigSource:
    def __init__(self, path: str = "/og/config/", *, max_age: int = ENVIRONMENT_LIFETIME):
        self.path = path if path.endswith("/") else f"{path}/"
        self.max_age = max_age
        self._provider: parameters.SSMProvider | None = None

    def entries(self) -> dict[str, tuple[str, str]]:
        if self._provider is None:
            self._provider = parameters.SSMProvider(boto3_client=boto3.client("ssm"))
        try:
            values = self._provider.get_multiple(self.path, max_age=self.max_age, recursive=True)
        except parameters.GetParameterError as err:
            raise parameters.GetParameterError(f"SSM parameters under {self.path}: {err}") from err
        return {key: (str(value), f"{self.path}{key}") for key, value in values.items()}


class SecretsManagerSecrets:
    def __init__(self, *, max_age: int = ENVIRONMENT_LIFETIME):
        self.max_age = max_age
        self._provider: parameters.SecretsProvider | None = None

    def get(self, name: str) -> str:
        if self._provider is None:
            self._provider = parameters.SecretsProvider(boto3_client=boto3.client("secretsmanager"))
        try:
            value = self._provider.get(name, max_age=self.max_age)
        except parameters.GetParameterError as err:
            raise parameters.GetParameterError(f"Secrets Manager secret {name}: {err}") from err
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)
