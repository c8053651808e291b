"""The code base stays ruff clean (the linter is part of the test dependencies)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed")
    proc = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
CODE = ("evolve", "archive", "problems", "bench", "examples")
"""The folders held to the size limits (tests/ and the hostile corpus, which is data, are not)."""


def test_no_module_over_600_lines_and_no_function_over_80():
    import ast

    too_long = []
    for folder in CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "fault_injection/hostile" in path.as_posix():
                continue
            text = path.read_text()
            where = path.relative_to(ROOT)
            if text.count("\n") > MAX_MODULE_LINES:
                too_long.append(f"{where}: {text.count(chr(10))} lines")
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > MAX_FUNCTION_LINES:
                        too_long.append(f"{where}:{node.lineno} {node.name}: {lines} lines")
    assert not too_long, too_long
