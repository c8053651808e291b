"""Prompts and answer parsing of the LLM mutator (pure functions, no server)."""

from __future__ import annotations

import pytest

from evolve import load_problem
from evolve.mutators.base import Parent
from evolve.mutators.llm import (
    LLMParseError,
    apply_edits,
    build_messages,
    extract_code_blocks,
    parse_answer,
    parse_edits,
)
from evolve.programs import program, static_check

PARENT = "# EVOLVE-BLOCK-START\ndef f(x):\n    y = x * 0.5\n    return 1.0 + x + y * x\n# EVOLVE-BLOCK-END\n"
FRAMED = "import_free = 1\n" + PARENT + "def helper():\n    return 2\n"


@pytest.fixture(scope="module")
def problem():
    return load_problem("exp2", points=4096)


def test_messages_hold_description_parent_inspirations_and_errors(problem):
    parent = Parent(3, PARENT, 120.0, {"max_ulp": 120, "ops": 4})
    other = Parent(4, PARENT.replace("0.5", "0.25"), 300.0)
    msgs = build_messages("diff", problem, [parent], [other], ["NameError: name 'z' is not defined"])
    assert [m["role"] for m in msgs] == ["system", "user"]
    user = msgs[1]["content"]
    assert "2**x" in user and "max_ulp=120" in user and "0.25" in user and "NameError" in user
    assert "SEARCH" in user and "EVOLVE-BLOCK" not in user  # only the block is shown
    cross = build_messages("crossover", problem, [parent, other])[1]["content"]
    assert "Parent A" in cross and "Parent B" in cross
    with pytest.raises(ValueError, match="two parents"):
        build_messages("crossover", problem, [parent])
    with pytest.raises(ValueError, match="unknown LLM mode"):
        build_messages("poem", problem, [parent])


def test_code_blocks_are_found_with_or_without_language_and_unclosed():
    text = "Sure!\n```python\ndef f(x):\n    return x\n```\nand\n``` \nprint(1)\n```\nlast:\n```py\ndef g():"
    assert extract_code_blocks(text) == ["def f(x):\n    return x", "print(1)", "def g():"]


def test_diff_applies_exactly_and_tolerantly():
    exact = "<<<<<<< SEARCH\n    y = x * 0.5\n=======\n    y = x * 0.6931472\n>>>>>>> REPLACE"
    child, how = parse_answer("diff", exact, PARENT, "f")
    assert how == "diff" and "0.6931472" in child and "0.5" not in child
    # Fenced, with the indentation lost and trailing spaces: still applies, indentation restored.
    sloppy = "```\n<<<<<<< SEARCH\ny = x * 0.5   \n=======\ny = x * (0.5 + x)\n>>>>>>> REPLACE\n```"
    child, how = parse_answer("diff", sloppy, PARENT, "f")
    assert how == "diff" and "    y = x * (0.5 + x)" in child
    static_check.check(program.parse(child))


def test_several_edits_apply_in_order():
    text = ("<<<<<<< SEARCH\n    y = x * 0.5\n=======\n    y = x * 0.7\n>>>>>>> REPLACE\n"
            "<<<<<<< SEARCH\n    return 1.0 + x + y * x\n=======\n    return 1.0 + y\n>>>>>>> REPLACE")
    assert parse_edits(text)[1].replace == "    return 1.0 + y"
    child, _ = parse_answer("diff", text, PARENT, "f")
    assert "y = x * 0.7" in child and "return 1.0 + y\n" in child


def test_diff_that_does_not_apply_falls_back_to_full_code_or_fails():
    bad = "<<<<<<< SEARCH\n    z = 3\n=======\n    z = 4\n>>>>>>> REPLACE"
    with pytest.raises(LLMParseError, match="does not apply"):
        parse_answer("diff", bad, PARENT, "f")
    with_full = bad + "\nOr the whole thing:\n```python\ndef f(x):\n    return 1.0 + x * 0.7\n```"
    child, how = parse_answer("diff", with_full, FRAMED, "f")
    assert how == "diff-fallback-full"
    assert child.startswith("import_free = 1\n# EVOLVE-BLOCK-START\ndef f(x):\n    return 1.0 + x * 0.7\n")
    assert child.endswith("# EVOLVE-BLOCK-END\ndef helper():\n    return 2\n")  # outside the block: kept


def test_full_rewrites_and_failures():
    child, how = parse_answer("full", "Here:\n```python\ndef f(x):\n    return x * x\n```\nDone.", PARENT, "f")
    assert how == "full" and "return x * x" in child and program.EVOLVE_START in child
    # A model that repeats the markers: only what is inside them is taken.
    marked = "```python\n" + PARENT.replace("0.5", "0.9") + "```"
    assert parse_answer("full", marked, PARENT, "f")[0].count(program.EVOLVE_START) == 1
    unfenced = "def f(x):\n    return x + 1.0\n"
    assert "x + 1.0" in parse_answer("full", unfenced, PARENT, "f")[0]
    with pytest.raises(LLMParseError, match="no code"):
        parse_answer("full", "I think you should use a polynomial.", PARENT, "f")
    with pytest.raises(LLMParseError, match=r"does not define f\(\)"):
        parse_answer("full", "```python\ndef g(x):\n    return x\n```", PARENT, "f")
    with pytest.raises(LLMParseError, match="empty"):
        parse_answer("crossover", "  ", PARENT, "f")


def test_apply_edits_needs_edits():
    with pytest.raises(LLMParseError, match="no SEARCH/REPLACE"):
        apply_edits(PARENT, [])
