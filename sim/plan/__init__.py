"""The staffing-gap planner (``python -m sim.plan``): the cheapest staffing per
office and shift that meets the targets, and how far today's falls short.

analytic.py (Erlang C, square-root law, workload) -> demand.py (what each
office and shift faces) -> search.py (analytic start, refined by simulation)
with runner.py / evaluate.py (replications and verdicts) -> pipeline.py
(headcount, gap, cost: costs.py; who reached calls: tiers.py) -> report.py
(plan.md, charts) and plan_workbook.py (plan.xlsx); headline.py says what
the first line says (targets met city-wide and in every office and shift, one
replication count); progress.py draws the progress bar.

Issue 23: ``plan.budget_kyuan_per_year`` caps the yearly cost (budget.py:
the best staffing within it); ``python -m sim.plan -m`` runs several plans
and compare.py puts plans side by side (``python -m sim.plan compare``).

The office is planned given the station's backup (``response.*``). With
``plan.tier=station`` the station's patrol cars are planned instead, the office
as configured: station.py (bisection over cars) -> station_pipeline.py ->
station_report.py.
"""
