"""The page's parameter fields -> an event's parameters.

Every parameter a kind shows on the page (``Param.on_page``) gets one field,
pre-filled with its default (blank = the default); numbers are parsed by the
type the wire format declares (``sim.exercise.event``). What cannot be parsed
raises ConfigError naming the field, like a bad config.
"""
from __future__ import annotations

from sim.core.checks import ConfigError
from sim.exercise.event import param_type
from sim.exercise.event_checks import kind_of
from sim.exercise.kinds import REQUIRED


def form_fields(kind: str) -> list[tuple[str, str]]:
    """(parameter, default shown in the field) for a kind, in the kind's order."""
    out = []
    for name, param in kind_of(kind).params.items():
        if not param.on_page:
            continue
        default = param.default_value()
        shown = "" if default is REQUIRED or default is None else f"{default:g}" if isinstance(default, float) \
            else str(default)
        out.append((name, shown))
    return out


def choices(kind: str, name: str) -> tuple[str, ...]:
    """The words a parameter's field offers (empty: a free text field)."""
    return kind_of(kind).params[name].options()


def parse(kind: str, texts: dict[str, str]) -> dict:
    """Typed parameters from the fields' texts (blank fields left out: defaults)."""
    out = {}
    for name, _ in form_fields(kind):
        text = (texts.get(name) or "").strip()
        if not text:
            continue
        base = param_type(name)
        try:
            out[name] = int(text) if base is int else float(text) if base is float else text
        except ValueError:
            raise ConfigError(name, text, f"must be {'a whole number' if base is int else 'a number'}") from None
    return out
