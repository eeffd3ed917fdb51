"""Tabletop exercises: timed injects, trainee decisions, their log and the
after-action report (issue 8).

- ``event``: the wire format of one event (scripts, decisions.parquet);
- ``kinds``: what an event kind is (parameters, checks, effect) and the
  registries; ``injects/`` and ``actions/``: one kind per module, each filed
  with ``@register`` (a new kind is one new file); ``params``: parameters
  several kinds share;
- ``schema``: the exercise config (``+exercise=NAME`` loads
  ``sim/scenarios/exercises/NAME.yaml``) and its checks (``event_checks``,
  ``replay`` for a session's log); no model code;
- ``controls``: the model's levers the kinds pull (duty, orders, streams);
- ``session``: plays a timeline on a model and keeps the decision log;
- ``report``: the after-action report, side by side with the counterfactual,
  in the run's language (``lang``; the script's own words as written);
- ``gallery``: the built-in scripts with their titles and briefings in both
  languages; ``export``: a session as a script for next week, which
  ``exercise.file=PATH`` loads back (read and checked as hostile input by
  ``sim.compose.script_file``);
- the headless pipeline behind ``python -m sim +exercise=NAME`` is ``sim.run_exercise`` (a pipeline, above the model).
The browser app is ``sim.tabletop``.
"""
