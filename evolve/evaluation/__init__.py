"""The evaluator side: one task made into one record, cheapest filter first (:mod:`~evolve.evaluation.evaluator`),
and the bounds on what one record may put in the archive (:mod:`~evolve.evaluation.row_limits`)."""
