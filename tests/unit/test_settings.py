"""og.wiring.Settings read from the OG_* variables template.yaml sets: typed as its fields, and a
missing or unreadable one named with how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from og.core.errors import SetupError
from og.wiring import Settings


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("OG_HOME", "OG_BACKEND", "OG_SEND_TIMEOUT_SECONDS", "OG_SES_CONFIGURATION_SET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OG_LIST_BUCKET", "og-list-source")
    monkeypatch.setenv("OG_RULES_BUCKET", "og-rules-source")
    return monkeypatch


def test_the_variables_become_typed_settings(env: pytest.MonkeyPatch) -> None:
    env.setenv("OG_BACKEND", "local")
    env.setenv("OG_HOME", "/srv/og-home")
    env.setenv("OG_SEND_TIMEOUT_SECONDS", "45")
    env.setenv("OG_SENDS_TABLE", "og-sends-prod")
    env.setenv("OG_NOT_A_SETTING", "ignored")
    s = Settings.from_env()
    assert (s.backend, s.home, s.send_timeout_seconds) == ("local", Path("/srv/og-home"), 45)
    assert (s.sends_table, s.state_table, s.ses_configuration_set) == (
        "og-sends-prod",
        "og-state",
        None,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("OG_RULES_BUCKET", None, "OG_RULES_BUCKET must be set"),
        ("OG_BACKEND", "gcp", "OG_BACKEND is 'gcp'; use aws or local"),
        ("OG_SEND_TIMEOUT_SECONDS", "45s", "OG_SEND_TIMEOUT_SECONDS is '45s'; write a whole"),
    ],
)
def test_a_missing_or_unreadable_variable_is_named(
    env: pytest.MonkeyPatch, name: str, value: str | None, message: str
) -> None:
    if value is None:
        env.delenv(name)
    else:
        env.setenv(name, value)
    with pytest.raises(SetupError, match=message):
        Settings.from_env()
