"""template.yaml is what SAM deploys: AWS's own linter must accept it."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cfn_lint_is_clean():
    result = subprocess.run(
        [
            shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or "cfn-lint",
            str(ROOT / "template.yaml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
