"""float32 approximations of mathematical functions, scored in ULPs (AutoNumerics-Zero setting)."""
