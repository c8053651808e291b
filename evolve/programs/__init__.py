"""Candidate programs as source: parsing, EVOLVE blocks, the restricted namespace, compilation and the code hash
(:mod:`~evolve.programs.program`); the static check (:mod:`~evolve.programs.static_check`); literals lifted into
a parameter vector and back (:mod:`~evolve.programs.constants`); the functional hash
(:mod:`~evolve.programs.fhash`); programs as data for one compiled interpreter (:mod:`~evolve.programs.interpreter`)."""
