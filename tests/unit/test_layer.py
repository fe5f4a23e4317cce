"""The og-core layer ships only what Lambda runs, builds as SAM will (no container), and stays
under its size budget. The real build downloads ~60 MB from PyPI: CI's deploy job runs it; here
pip is replaced by a stand-in site-packages and the rules are checked on it."""

import ast
import hashlib
import json
import socket
from pathlib import Path

import pytest
import yaml

from og import layer
from og.core.errors import LayerError
from og.local.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
DOCS = layer.DISCOVERY_DOCS


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _fake_pip(docs: tuple[str, ...] = ("sheets.v4.json", "drive.v3.json", "docs.v1.json")):
    """A stand-in for pip: a site-packages as the real wheels lay it out, in miniature."""
    calls: list[tuple[Path, Path]] = []

    def install(target: Path, requirements: Path) -> None:
        calls.append((target, requirements))
        files = {
            "pydantic/__init__.py": "",
            "pydantic_core/_pydantic_core.cpython-314-aarch64-linux-gnu.so": "elf",
            "pydantic-2.14.4.dist-info/METADATA": "Name: pydantic",
            "googleapiclient/discovery.py": "",
            "bin/normalizer": "#!/usr/bin/env python",
            **{f"{DOCS}{name}": "{}" for name in (*docs, "youtube.v3.json")},
        }
        for name, text in files.items():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_text(text)

    install.calls = calls  # type: ignore[attr-defined]
    return install


def _og_files() -> set[str]:
    return {
        p.relative_to(SRC).as_posix()
        for p in (SRC / "og").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_shipped_rules():
    docs = frozenset({"sheets.v4.json", "drive.v3.json"})
    assert layer.shipped("og/core/decide.py", docs)
    assert layer.shipped("og/adapters/aws/google_workspace.py", docs)
    assert layer.shipped("og/wiring.py", docs)
    assert layer.shipped("boto3/__init__.py", docs)
    assert layer.shipped(f"{DOCS}sheets.v4.json", docs)
    assert layer.shipped("googleapiclient/discovery_cache/__init__.py", docs)
    for not_in_lambda in (
        "og/local/stack.py",
        "og/adapters/local/store.py",
        "og/cli.py",
        "og/asl.py",
        "og/layer.py",
        f"{DOCS}docs.v1.json",
        f"{DOCS}youtube.v3.json",
        "bin/jp.py",
        "og/core/__pycache__/decide.cpython-311.pyc",
    ):
        assert not layer.shipped(not_in_lambda, docs), not_in_lambda


def test_the_layer_installs_no_local_or_dev_package():
    names = {
        line.split("==")[0].strip().lower()
        for line in (SRC / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert "boto3" in names and "google-api-python-client" in names
    assert not names & {"moto", "pyyaml", "pytest", "hypothesis", "selenium", "ruff", "mypy"}


def test_the_docs_shipped_are_those_of_the_apis_the_adapter_builds():
    from og.adapters.aws.google_workspace import GOOGLE_APIS

    assert layer.google_discovery_docs() == {f"{a}.{v}.json" for a, v in GOOGLE_APIS.items()}
    assert layer.google_discovery_docs() == {"sheets.v4.json", "drive.v3.json"}


def test_build_ships_only_what_lambda_runs(tmp_path: Path):
    src_before = _tree(SRC)
    pip = _fake_pip()
    size = layer.build(tmp_path / "artifacts", install=pip)

    python = tmp_path / "artifacts" / "python"
    assert pip.calls == [(python, SRC / "requirements.txt")]
    built = {p for p in _tree(python) if not p.endswith(".pyc")}  # bytecode only on 3.14
    og_shipped = {f for f in _og_files() if not f.startswith(layer.NOT_SHIPPED)}
    assert {f for f in built if f.startswith("og/")} == og_shipped
    assert "og/local/stack.py" not in built and "og/cli.py" not in built
    assert built - og_shipped == {
        "pydantic/__init__.py",
        "pydantic_core/_pydantic_core.cpython-314-aarch64-linux-gnu.so",
        "pydantic-2.14.4.dist-info/METADATA",
        "googleapiclient/discovery.py",
        f"{DOCS}sheets.v4.json",
        f"{DOCS}drive.v3.json",
    }
    assert not (python / "bin").exists()
    assert size == layer.tree_size(python)
    assert _tree(SRC) == src_before  # the build writes nothing into the source tree


def test_a_rebuild_starts_from_an_empty_layer(tmp_path: Path):
    layer.build(tmp_path, install=_fake_pip())
    (tmp_path / "python" / "left_over.py").write_text("")
    layer.build(tmp_path, install=_fake_pip())
    assert not (tmp_path / "python" / "left_over.py").exists()


def test_build_fails_when_the_library_drops_a_document_the_adapter_needs(tmp_path: Path):
    with pytest.raises(LayerError, match=r"no discovery document drive\.v3\.json"):
        layer.build(tmp_path, install=_fake_pip(docs=("sheets.v4.json",)))


def test_shipped_og_modules_import_only_shipped_og_modules():
    """A lazy import inside a function counts too; only the local wiring may reach og.local."""
    shipped = {f for f in _og_files() if f.endswith(".py") and layer.shipped(f, frozenset())}
    for file in sorted(shipped):
        tree = ast.parse((SRC / file).read_text(encoding="utf-8"))
        local_wiring = {
            id(n)
            for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef) and file == "og/wiring.py" and f.name == "_local"
            for n in ast.walk(f)
        }
        for node in ast.walk(tree):
            if id(node) in local_wiring or not isinstance(node, ast.ImportFrom | ast.Import):
                continue
            modules = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
            )
            for module in modules:
                if not module.startswith("og."):
                    continue
                path = module.replace(".", "/")
                assert f"{path}.py" in shipped or f"{path}/__init__.py" in shipped, (file, module)


def test_every_google_service_builds_offline_from_the_shipped_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from googleapiclient import discovery, discovery_cache
    from googleapiclient.errors import UnknownApiNameOrVersion

    from og.adapters.aws.google_workspace import GOOGLE_APIS, GoogleClients

    docs = layer.google_discovery_docs()
    installed = Path(discovery_cache.DISCOVERY_DOC_DIR)
    trimmed = tmp_path / "documents"
    trimmed.mkdir()
    for doc in installed.glob("*.json"):
        if layer.shipped(f"{DOCS}{doc.name}", docs):
            (trimmed / doc.name).write_bytes(doc.read_bytes())
    assert sorted(p.name for p in trimmed.iterdir()) == ["drive.v3.json", "sheets.v4.json"]
    monkeypatch.setattr(discovery_cache, "DISCOVERY_DOC_DIR", str(trimmed))

    def no_network(*args, **kwargs):
        raise AssertionError("building a Google service must not reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    account = {
        "type": "service_account",
        "client_email": "og@example.iam.gserviceaccount.com",
        "private_key": key.decode(),
        "private_key_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    google = GoogleClients(lambda: json.dumps(account))
    sheets = google.service("sheets").spreadsheets().values()
    request = sheets.get(spreadsheetId="s1", range="'Customers'")
    assert request.uri.startswith("https://sheets.googleapis.com/v4/spreadsheets/s1/values/")
    drive = google.service("drive").files()
    request = drive.export_media(fileId="d1", mimeType="text/plain")
    assert request.uri.startswith("https://www.googleapis.com/drive/v3/files/d1/export")
    assert set(google._services) == set(GOOGLE_APIS)
    with pytest.raises(UnknownApiNameOrVersion):  # the trimmed documents are the ones read
        discovery.build("docs", "v1", static_discovery=True, developerKey="k")


def _sized(path: Path, mib: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.truncate(int(mib * layer.MIB))  # sparse: the size without the disk


def test_check_passes_under_the_budgets(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    _sized(tmp_path / "OgCoreLayer" / "python" / "big.so", 99)
    _sized(tmp_path / "EnrollFunction" / "app.py", 0.01)
    (tmp_path / "template.yaml").write_text("")
    assert layer.main(["check", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "OgCoreLayer: 99.0 MiB unzipped (budget 100 MiB)" in out
    assert "EnrollFunction + OgCoreLayer: 99.0 MiB unzipped" in out
    assert "over" not in out


def test_check_fails_over_the_layer_budget_and_over_lambdas_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    _sized(tmp_path / "OgCoreLayer" / "python" / "big.so", 101)
    _sized(tmp_path / "GuideFunction" / "data.bin", 150)
    _sized(tmp_path / "EnrollFunction" / "app.py", 0.01)
    assert layer.main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        "og.layer: over: OgCoreLayer is 101.0 MiB unzipped, over its 100 MiB budget; "
        "ship less (see og/layer.py)",
        "og.layer: over: GuideFunction with OgCoreLayer is 251.0 MiB unzipped; "
        "Lambda refuses more than 250 MiB",
    ]
    assert not any("EnrollFunction with" in line for line in out)


def test_check_without_a_build_says_to_run_sam_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    assert layer.main(["check", str(tmp_path)]) == 1
    assert "run `sam build` first" in capsys.readouterr().err


def test_template_builds_the_layer_with_the_makefile_and_no_container():
    resource = load_yaml(ROOT / "template.yaml")["Resources"][layer.LAYER_ID]
    assert resource["Properties"]["ContentUri"] == "src/"
    assert resource["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    makefile = (SRC / "Makefile").read_text()
    assert f"build-{layer.LAYER_ID}:\n\t$(PYTHON) -m og.layer build" in makefile

    steps = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())["jobs"][
        "deploy"
    ]["steps"]
    runs = [s.get("run", "") for s in steps]
    build = next(i for i, r in enumerate(runs) if r.startswith("sam build"))
    check = next(i for i, r in enumerate(runs) if "og.layer check .aws-sam/build" in r)
    deploy = next(i for i, r in enumerate(runs) if "sam deploy" in r)
    assert "--use-container" not in runs[build]
    assert build < check < deploy


def test_function_code_dirs_hold_only_python_sources():
    """SAM builds each function's CodeUri with pip on the build machine: a requirements.txt or
    a native file there would be built for x86, not Lambda's arm64. Dependencies go in the layer."""
    template = load_yaml(ROOT / "template.yaml")
    functions = [
        r["Properties"]["CodeUri"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    ]
    assert len(functions) >= 10
    for code_uri in functions:
        files = [
            p.relative_to(ROOT / code_uri).as_posix()
            for p in (ROOT / code_uri).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        ]
        assert files and all(f.endswith(".py") for f in files), (code_uri, files)
