"""The page's parameter fields -> an event's parameters.

Every parameter a kind shows on the page (``Param.on_page``) gets one field,
pre-filled with its default (blank = the default; a list of words starts on
its first word, so a form can be sent as it opens); numbers are parsed by the
type the wire format declares (``sim.exercise.event``). What cannot be parsed
raises FormError: one sentence in the current language naming the field by
its label, as the page shows it.
"""
from __future__ import annotations

import math
import re

from sim.exercise.event import param_type
from sim.exercise.event_checks import kind_of
from sim.exercise.kinds import REQUIRED
from sim.i18n import N_, Translator

_ = Translator("tabletop")

# the forms' field labels (a parameter's name is the key)
PARAM_LABELS = {
    "x_m": N_("x (m)"), "y_m": N_("y (m)"), "units": N_("units needed"), "on_scene_min": N_("time on scene (min)"),
    "radius_m": N_("radius (m)"), "duration_h": N_("duration (h)"), "calls_per_hour": N_("extra calls per hour"),
    "role": N_("role"), "count": N_("people"), "office": N_("office (blank: every office)"),
    "relay_min": N_("relay delay (min)"), "speed_factor": N_("speed factor"), "rate_factor": N_("rate factor"),
    "unit": N_("unit"), "task": N_("task"), "policy": N_("policy"), "hours": N_("hours"),
}
ON_THE_MAP = ("x_m", "y_m")  # fields a click on the map fills


class FormError(ValueError):
    """A field of the page's form cannot be used (the message is the page's sentence)."""


def param_label(name: str) -> str:
    return _(PARAM_LABELS[name]) if name in PARAM_LABELS else name.replace("_", " ")


def form_fields(kind: str) -> list[tuple[str, str]]:
    """(parameter, value shown in the field at first) for a kind, in the kind's order."""
    out = []
    for name, param in kind_of(kind).params.items():
        if not param.on_page:
            continue
        default = param.default_value()
        shown = "" if default is REQUIRED or default is None else f"{default:g}" if isinstance(default, float) \
            else str(default)
        if not shown and default is REQUIRED and param.options():
            shown = param.options()[0]  # a required choice starts on its first word: the form works as it opens
        out.append((name, shown))
    return out


def choices(kind: str, name: str) -> tuple[str, ...]:
    """The words a parameter's field offers (empty: a free text field)."""
    return kind_of(kind).params[name].options()


def parse(kind: str, texts: dict[str, str]) -> dict:
    """Typed parameters from the fields' texts (blank fields left out: defaults; a blank
    required field is a FormError)."""
    out = {}
    params = kind_of(kind).params
    for name, _shown in form_fields(kind):
        text = (texts.get(name) or "").strip()
        if not text:
            if params[name].default_value() is REQUIRED:
                if name in ON_THE_MAP:
                    raise FormError(_("click on the map or type {field}").format(field=param_label(name)))
                if name == "unit":
                    raise FormError(_("choose a unit from the list or click its marker on the map"))
                raise FormError(_("{field} is needed").format(field=param_label(name)))
            continue
        base = param_type(name)
        try:
            out[name] = int(text) if base is int else float(text) if base is float else text
        except ValueError:
            raise FormError((_("{field}: {text} is not a whole number") if base is int else
                             _("{field}: {text} is not a number")).format(field=param_label(name),
                                                                          text=text)) from None
    return out


def parse_hour(text: str) -> float | None:
    """'21.5' or '21:30' (an hour on the run's clock; 30 or 30:00 is day 2 06:00) as hours; None if neither."""
    text = text.strip().replace("：", ":")
    m = re.fullmatch(r"([0-9]{1,3}):([0-5][0-9])", text)
    if m:
        return int(m.group(1)) + int(m.group(2)) / 60
    try:
        hour = float(text)
    except ValueError:
        return None
    return hour if math.isfinite(hour) and hour >= 0 else None
