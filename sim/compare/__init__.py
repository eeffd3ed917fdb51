"""``python -m sim.compare``: a finished sweep as one table, compared.

collect (the sweep folder -> runs table) -> statistics (intervals, paired
differences) -> figures -> report (report.md and the pipeline) -> cli.
"""
