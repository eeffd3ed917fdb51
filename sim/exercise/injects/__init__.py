"""Tabletop injects: what the facilitator throws at the room.

Each module here files one ``Inject`` subclass (``sim.exercise.kinds``) with
``@register("name")``: its parameters, defaults, ranges, checks and effect.
Every module in this folder is imported below, so a new inject is one new
file and nothing else changes (README, Design: "Adding an inject").
"""
import importlib
import pkgutil

from sim.exercise.kinds import INJECTS, Inject, register  # noqa: F401  (the package's API)

for _module in pkgutil.iter_modules(__path__):  # registration: each module files its kind
    importlib.import_module(f"{__name__}.{_module.name}")
