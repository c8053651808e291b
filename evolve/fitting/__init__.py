"""Fitting a program's constants: tuning by the problem's :class:`~evolve.fitting.tuning.ConstantFit`
(:mod:`~evolve.fitting.tuning`), small optimisers written on ``jax.lax`` (:mod:`~evolve.fitting.optimize`), and
the minimax fit with float32-aware rounding (:mod:`~evolve.fitting.minimax`)."""
