"""Mutators: ways of proposing a child program from parents. ``gp`` draws the GP operators declared in
``registry`` (the generic ones in ``operators``), ``llm`` prompts a language model."""
