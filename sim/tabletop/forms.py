"""The page's parameter fields -> an event's parameters.

Every parameter of a kind gets one text field, pre-filled with its default
(blank = the default); numbers are parsed by the type the schema declares.
What cannot be parsed raises ConfigError naming the field, like a bad config.
"""
from __future__ import annotations

import typing
from sim.config import ConfigError
from sim.exercise.schema import ACTION_KINDS, INJECT_KINDS, REQUIRED, ExerciseEvent

HINTS = typing.get_type_hints(ExerciseEvent)
SKIPPED = ("call_mix",)  # left at the default on the page (a crowd's call mix)


def form_fields(kind: str) -> list[tuple[str, str]]:
    """(parameter, default shown in the field) for a kind, in the schema's order."""
    spec = {**INJECT_KINDS, **ACTION_KINDS}[kind]
    out = []
    for name, default in spec.items():
        if name in SKIPPED:
            continue
        shown = "" if default is REQUIRED or default is None else f"{default:g}" if isinstance(default, float) \
            else str(default)
        out.append((name, shown))
    return out


def parse(kind: str, texts: dict[str, str]) -> dict:
    """Typed parameters from the fields' texts (blank fields left out: defaults)."""
    out = {}
    for name, _ in form_fields(kind):
        text = (texts.get(name) or "").strip()
        if not text:
            continue
        base = typing.get_args(HINTS[name])[0]  # Optional[X] -> X
        try:
            out[name] = int(text) if base is int else float(text) if base is float else text
        except ValueError:
            raise ConfigError(name, text, f"must be {'a whole number' if base is int else 'a number'}") from None
    return out
