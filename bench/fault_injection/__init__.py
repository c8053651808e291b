"""Faults caused for real, shared by the tests (which assert on what happened) and bench/faults.py (which counts
it): a campaign SIGKILLed and resumed (``runs``, ``crash_driver``), the hostile-candidate corpus (``hostile/``,
run as the extra seeds of ``hostile_host``), code past the static check attacking the OS layer
(``os_breakout``), evaluators killed from outside, and faulty LLM endpoints (``llm_faults`` against the scripted
server ``llm_server``). The tests import from here; nothing here imports from ``tests/``."""
