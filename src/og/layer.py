"""Build the og-core Lambda layer (arm64, Python 3.14) on any machine, without a container or
emulation, and check its size before a deploy.

    python -m og.layer build DIR             # what `sam build` runs (src/Makefile)
    python -m og.layer check .aws-sam/build  # the size budget, before `sam deploy`

Only what Lambda runs is shipped: src/requirements.txt as pip resolves it for
manylinux2014_aarch64 / CPython 3.14 (wheels only, so nothing is compiled on the build machine),
the og package without the local engine, the CLI and the build tools, and of
googleapiclient's 600-odd discovery documents only those of the Google APIs the adapters build.
Standard library only: CI runs it before anything is installed."""

from __future__ import annotations

import argparse
import ast
import compileall
import py_compile
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from og.core.errors import LayerError

SRC = Path(__file__).resolve().parents[1]
LAYER_ID = "OgCoreLayer"  # the layer's logical id in template.yaml
PLATFORM, PYTHON_VERSION, IMPLEMENTATION = "manylinux2014_aarch64", "3.14", "cp"
MIB = 1024 * 1024
LAYER_BUDGET = 100 * MIB
# Lambda's limit for a function and all its layers, unzipped (GetAccountSettings'
# CodeSizeUnzipped: 262,144,000 bytes).
LAMBDA_UNZIPPED_LIMIT = 250 * MIB

# Never run in Lambda: the embedded local engine, its adapters, the CLI and the build tools.
NOT_SHIPPED = ("og/local/", "og/adapters/local/", "og/cli.py", "og/asl.py", "og/layer.py")
DISCOVERY_DOCS = "googleapiclient/discovery_cache/documents/"
GOOGLE_ADAPTER = "og/adapters/aws/google_workspace.py"


def google_discovery_docs(src: Path = SRC) -> frozenset[str]:
    """`<api>.<version>.json` for each Google API the adapters build: GOOGLE_APIS in the Google
    adapter, read without importing it (its dependencies are not installed where this runs)."""
    path = src / GOOGLE_ADAPTER
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "GOOGLE_APIS":
            apis = ast.literal_eval(value)
            return frozenset(f"{name}.{version}.json" for name, version in apis.items())
    raise LayerError(f"{path}: no GOOGLE_APIS = {{api: version}}; the layer needs it to ship docs")


def shipped(path: str, discovery_docs: frozenset[str]) -> bool:
    """Whether a file of the layer's python/ directory (a relative POSIX path) ships."""
    if path.startswith("bin/") or "/__pycache__/" in f"/{path}":
        return False  # console scripts; bytecode of the build machine's Python
    if path.startswith(DISCOVERY_DOCS):
        return path.removeprefix(DISCOVERY_DOCS) in discovery_docs
    return not path.startswith(NOT_SHIPPED)


def pip_install(target: Path, requirements: Path) -> None:
    """The runtime dependencies as Lambda's arm64 Python 3.14 needs them, from wheels only."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--target",
            str(target),
            "--platform",
            PLATFORM,
            "--python-version",
            PYTHON_VERSION,
            "--implementation",
            IMPLEMENTATION,
            "--only-binary=:all:",
            "--requirement",
            str(requirements),
        ],
        check=True,
    )


def build(out: Path, src: Path = SRC, install: Callable[[Path, Path], None] = pip_install) -> int:
    """Write the layer to out/python (as Lambda mounts it: /opt/python); its size in bytes."""
    python = out / "python"
    shutil.rmtree(python, ignore_errors=True)
    python.mkdir(parents=True)
    install(python, src / "requirements.txt")
    shutil.copytree(src / "og", python / "og", ignore=shutil.ignore_patterns("__pycache__"))
    docs = google_discovery_docs(src)
    missing = sorted(docs - {p.name for p in (python / DISCOVERY_DOCS).glob("*.json")})
    if missing:
        raise LayerError(f"googleapiclient ships no discovery document {', '.join(missing)}")
    for path in sorted(python.rglob("*"), reverse=True):  # children before their directory
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif not shipped(path.relative_to(python).as_posix(), docs):
            path.unlink()
    if sys.version_info[:2] == tuple(int(p) for p in PYTHON_VERSION.split(".")):
        # /opt is read-only in Lambda: without bytecode every cold start compiles what it
        # imports. Unchecked hashes: a layer's sources never change, so no stat per import.
        compileall.compile_dir(
            python,
            quiet=1,
            ddir="/opt/python",
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    else:
        print(
            f"og.layer: built with Python {sys.version_info.major}.{sys.version_info.minor}, so "
            f"no bytecode is precompiled; build with Python {PYTHON_VERSION} (as CI does) for "
            "faster cold starts",
            file=sys.stderr,
        )
    return tree_size(python)


def tree_size(root: Path) -> int:
    """Bytes of the files under root, as Lambda counts an unzipped package."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def check(build_dir: Path) -> list[str]:
    """`sam build`'s output against the budgets: one line per resource, problems first
    (each starting with 'over')."""
    layer_dir = build_dir / LAYER_ID
    if not layer_dir.is_dir():
        raise LayerError(f"{layer_dir} does not exist; run `sam build` first")
    layer = tree_size(layer_dir)
    problems: list[str] = []
    lines = [f"{LAYER_ID}: {layer / MIB:.1f} MiB unzipped (budget {LAYER_BUDGET / MIB:.0f} MiB)"]
    if layer > LAYER_BUDGET:
        problems.append(
            f"over: {LAYER_ID} is {layer / MIB:.1f} MiB unzipped, over its "
            f"{LAYER_BUDGET / MIB:.0f} MiB budget; ship less (see og/layer.py)"
        )
    for function in sorted(p for p in build_dir.iterdir() if p.is_dir() and p != layer_dir):
        total = tree_size(function) + layer
        lines.append(f"{function.name} + {LAYER_ID}: {total / MIB:.1f} MiB unzipped")
        if total > LAMBDA_UNZIPPED_LIMIT:
            problems.append(
                f"over: {function.name} with {LAYER_ID} is {total / MIB:.1f} MiB unzipped; "
                f"Lambda refuses more than {LAMBDA_UNZIPPED_LIMIT / MIB:.0f} MiB"
            )
    return problems + lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m og.layer", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build the layer into DIR/python").add_argument("dir", type=Path)
    sub.add_parser("check", help="check `sam build`'s output").add_argument("dir", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            size = build(args.dir)
            print(f"og.layer: {args.dir / 'python'} is {size / MIB:.1f} MiB unzipped")
            return 0
        lines = check(args.dir)
    except (LayerError, subprocess.CalledProcessError) as err:
        print(f"og.layer: {err}", file=sys.stderr)
        return 1
    print("\n".join(f"og.layer: {line}" for line in lines))
    return 1 if lines[0].startswith("over") else 0


if __name__ == "__main__":
    sys.exit(main())
