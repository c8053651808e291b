"""Paths shared by tests."""

from pathlib import Path

TESTS = Path(__file__).parent
PROBLEMS = TESTS / "problems"
