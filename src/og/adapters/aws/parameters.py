"""ConfigSource on SSM Parameter Store (/og/config/<key>) and Secrets on Secrets Manager, both
through Powertools' parameters utility, which caches the values in the execution environment."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

# Read once per execution environment: a warm function does not call SSM or Secrets Manager
# again (an edited value reaches functions as their environments are replaced).
ENVIRONMENT_LIFETIME = 24 * 60 * 60


class SsmConfigSource:
    def __init__(self, path: str = "/og/config/", *, max_age: int = ENVIRONMENT_LIFETIME):
        self.path = path if path.endswith("/") else f"{path}/"
        self.max_age = max_age

    def entries(self) -> dict[str, tuple[str, str]]:
        try:
            values = parameters.get_parameters(self.path, recursive=True, max_age=self.max_age)
        except parameters.GetParameterError as err:
            raise parameters.GetParameterError(f"SSM parameters under {self.path}: {err}") from err
        return {key: (value, f"{self.path}{key}") for key, value in values.items()}


class SecretsManagerSecrets:
    def __init__(self, *, max_age: int = ENVIRONMENT_LIFETIME):
        self.max_age = max_age

    def get(self, name: str) -> str:
        try:
            value = parameters.get_secret(name, max_age=self.max_age)
        except parameters.GetParameterError as err:
            raise parameters.GetParameterError(f"Secrets Manager secret {name}: {err}") from err
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)
