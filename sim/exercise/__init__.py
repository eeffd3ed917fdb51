"""Tabletop exercises: timed injects, trainee decisions, their log and the
after-action report (issue 8).

- ``schema``: the exercise config (``+exercise=NAME`` loads
  ``sim/scenarios/exercises/NAME.yaml``) and its checks; no model code;
- ``controls``: what injects and decisions do to a running model (duty,
  tasks, the dispatcher's degraded mode, extra demand);
- ``session``: plays a timeline on a model and keeps the decision log;
- ``report``: the after-action report, side by side with the counterfactual;
- ``run``: the headless pipeline behind ``python -m sim +exercise=NAME``.
The browser app is ``sim.tabletop``.
"""
