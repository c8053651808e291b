"""Agents: policy programs evolved in gymnax environments."""
