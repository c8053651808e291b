"""The generic problem extensions the GP operators read (see :class:`evolve.problem.Problem`): what they may
write (:class:`Vocabulary`) and a parameter vector the evaluation fits (:class:`FittedParameters`). A problem
without one gets the defaults it documents (:func:`vocabulary`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from evolve.problem import Problem

PLAIN_FUNCTION_FORMS = ("insert_rational", "name_square", "square_half")
"""The generic operators that write the forms a practitioner writes first for a function of plain variables
(a rational, a named square, the doubling step): an extension whose programs are something else (fitted
parameters, a policy's observation) lists them in its ``excludes_operators``."""


@dataclass(frozen=True)
class Vocabulary:
    """Problem extension: what the GP operators may write. Without it: ``+ - * /`` and no structures.

    Attributes:
        binops: the binary operators (``+ - * / **``) the GP mutator may write.
        structures: whole programs whose constants are to be fitted (every constant a placeholder), that the GP
            operator ``write_structure`` may propose in place of a parent: the forms a practitioner would write
            first (the float32 targets' Horner polynomials and rationals of each degree), so that the search
            never loses to a form it could have written itself. An entry may be a family (a tuple of programs,
            one form at each degree): ``write_structure`` picks an entry, then a member, so a form with many
            degrees does not crowd out the rest. Their constants are fitted by the search itself; the problem
            gives at most a start the fit needs (a rational's Padé approximant, where all-zero constants are
            0 / 0).
    """

    binops: tuple[str, ...] = ("+", "-", "*", "/")
    structures: tuple[str | tuple[str, ...], ...] = ()


_DEFAULT_VOCABULARY = Vocabulary()


def vocabulary(problem: Problem) -> Vocabulary:
    """The problem's :class:`Vocabulary`, or the default one when it carries none."""
    return problem.extension(Vocabulary) or _DEFAULT_VOCABULARY


@dataclass(frozen=True)
class FittedParameters:
    """Problem extension: the entrypoint takes a vector of constants that the evaluation fits (a formula fitted to
    data, used as ``params[i]``). GP operators never use that argument as a variable, and the family's operators
    write new constants as its entries.

    Attributes:
        arg: the name of the entrypoint's argument that holds the fitted constants (e.g. ``"params"``).
        max_params: how many entries a program may use (``params[0]`` to ``params[max_params - 1]``).
    """

    arg: str
    max_params: int

    excludes_operators: ClassVar[tuple[str, ...]] = PLAIN_FUNCTION_FORMS
    """A fitted formula grows by fitted terms and factors instead (``problems/symbolic/operators.py``)."""
