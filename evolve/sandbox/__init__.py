"""What stands between a candidate and the machine besides the static check: the confined process candidates run
in and the evaluator actor that proxies to it (:mod:`~evolve.sandbox.runner`), Landlock and seccomp
(:mod:`~evolve.sandbox.confine`), the evaluator's environment, CPU and memory limits
(:mod:`~evolve.sandbox.limits`) and its memory watchdog process (:mod:`~evolve.sandbox.memory_watch`).
docs/threat-model.md says what each layer stops."""
