"""Mutators: ways of proposing a child program from parents (GP operators now, LLMs later)."""

from evolve.mutators.base import Mutator, NotApplicable, Parent, Proposal
from evolve.mutators.gp import OPERATORS, GPMutator, tune_constants

__all__ = ["GPMutator", "Mutator", "NotApplicable", "OPERATORS", "Parent", "Proposal", "tune_constants"]
