"""Deployment policies: registered classes with a small lifecycle.

A policy decides where idle, on-duty staff go; it never touches calls or the
queue. The model asks it at three moments:

- ``setup(model)`` once, after the district and staff exist;
- ``next_leg(model, unit)`` whenever a unit is free to move (shift start, call
  cleared, previous patrol stop over): return ``(x_m, y_m, dwell_min)`` for a
  patrol stop, or ``None`` to wait at the unit's post;
- ``act(model)`` every ``replan_every_min`` minutes if set (e.g. hourly
  hot-spot lists); ``finish(model)`` at the end of the run;
- ``shift(role, shift)`` while rosters are built: a policy may move shift
  start hours (elastic policing); the default keeps them.

Policies combine: ``policy.name=hotspot+cameras`` runs both; for a free unit
the first policy with a leg for it wins. ``policy.start_day`` holds every
policy back (staff wait at posts) until that day, for before/after designs.
A new policy is one new module in this folder: a subclass of
``DeploymentPolicy`` (``sim.scenarios.policy``) filed with ``@register``; every
module here is imported below, so nothing else changes.
"""
import importlib
import pkgutil

from sim.scenarios.policy import POLICIES, DeploymentPolicy, make_policy, register  # noqa: F401  (the package's API)

for _module in pkgutil.iter_modules(__path__):  # registration: each module files its policies
    importlib.import_module(f"{__name__}.{_module.name}")
