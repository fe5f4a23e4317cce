"""Fixtures for the end-to-end tests: a fresh og home per test (see support.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from og.local.stack import init_home

from .support import CSV_HEADER, ROOT, Home


@pytest.fixture
def make_home(tmp_path: Path) -> Callable[..., Home]:
    """make_home(rows, voice=edit) -> a home from examples/ whose onboarding.csv has `rows`
    (CSV lines under the standard header); `voice` may rewrite voice.txt."""

    def make(rows: list[str], *, voice: Callable[[str], str] | None = None) -> Home:
        path = tmp_path / "home"
        init_home(path, ROOT)
        (path / "onboarding.csv").write_text("\n".join([CSV_HEADER, *rows]) + "\n")
        if voice is not None:
            text = (path / "voice.txt").read_text(encoding="utf-8")
            (path / "voice.txt").write_text(voice(text), encoding="utf-8")
        return Home(path)

    return make


@pytest.fixture
def metrics_counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the CloudWatch metrics the handlers add, in order (e.g. each rejection)."""
    names: list[str] = []
    add_metric = Metrics.add_metric

    def recording(self: Metrics, name: str, *args: Any, **kwargs: Any) -> None:
        names.append(name)
        add_metric(self, name, *args, **kwargs)

    monkeypatch.setattr(Metrics, "add_metric", recording)
    return names


@pytest.fixture
def start_attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Every StartExecution that reaches moto's Step Functions backend: (name, outcome)."""
    attempts: list[tuple[str, str]] = []
    original = StepFunctionsParserBackend.start_execution

    def start_execution(self: Any, state_machine_arn: str, name: str, *args: Any, **kw: Any) -> Any:
        try:
            execution = original(self, state_machine_arn, name, *args, **kw)
        except Exception as exc:
            attempts.append((name, type(exc).__name__))
            raise
        attempts.append((name, "started"))
        return execution

    monkeypatch.setattr(StepFunctionsParserBackend, "start_execution", start_execution)
    yield attempts
