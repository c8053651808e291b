"""Symbolic formulas fitted to data: equation discovery on scientific data sets (LLM-SR, AI Feynman, your own CSV)."""
