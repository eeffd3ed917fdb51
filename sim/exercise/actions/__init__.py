"""Trainee actions: what the room decides (move a unit, set its task, switch
the policy, call staff in).

Each module here files one ``Action`` subclass (``sim.exercise.kinds``) with
``@register("name")``: its parameters, defaults, ranges, checks and effect.
Every module in this folder is imported below, so a new action is one new
file and nothing else changes.
"""
import importlib
import pkgutil

from sim.exercise.kinds import ACTIONS, Action, register  # noqa: F401  (the package's API)

for _module in pkgutil.iter_modules(__path__):  # registration: each module files its kind
    importlib.import_module(f"{__name__}.{_module.name}")
