"""``python -m sim.validate``: the published results the simulator must reproduce.

cases (VALIDATION.md's cases and their theory) -> runner (replications of the
real model) -> judge (pass rules) -> report (report.md, report.png) -> cli.
"""
