"""The staffing-gap planner (``python -m sim.plan``): the cheapest staffing per
office and shift that meets the targets, and how far today's falls short.

analytic.py (Erlang C, square-root law, workload) -> demand.py (what each
office and shift faces) -> search.py (analytic start, refined by simulation)
with runner.py / evaluate.py (replications and verdicts) -> pipeline.py
(headcount, gap, cost: costs.py; who reached calls: tiers.py) -> report.py
(plan.md, charts).

The office is planned given the station's backup (``response.*``). With
``plan.tier=station`` the station's patrol cars are planned instead, the office
as configured: station.py (bisection over cars) -> station_pipeline.py ->
station_report.py.
"""
