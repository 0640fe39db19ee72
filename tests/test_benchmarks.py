import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("asv") is None and not (Path(sys.executable).parent / "asv").exists(),
                    reason="asv not installed")
def test_asv_suite_is_discoverable():
    asv = shutil.which("asv") or str(Path(sys.executable).parent / "asv")
    result = subprocess.run([asv, "check", "-E", f"existing:{sys.executable}"], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
