"""What every tabletop event kind is made of, and the two registries.

A kind is one class in one file, like a deployment policy: an ``Inject``
(what the facilitator throws at the room, ``sim/exercise/injects/``) or an
``Action`` (what the trainees decide, ``sim/exercise/actions/``), filed with
``@register("name")``. The class holds everything about the kind:

- ``params``: parameter name -> ``Param`` (default, range or allowed words,
  a check against the district); the names are fields of the wire format
  (``sim.exercise.event.ExerciseEvent``), which registration checks;
- ``check_values`` / ``check_config``: its own rules beyond one parameter
  (optional);
- ``apply(**values)``: its effect on the running model, through the session's
  controls (``self.controls``); returns one line for the decision log.

Kinds are listed (on the page, in "allowed:" messages) by ``menu_order``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, ClassVar, Sequence

from sim.core.checks import ConfigError, _choice, _range
from sim.core.registry import registrar
from sim.exercise.event import WIRE_PARAMS
from sim.i18n import Translator

_ = Translator("exercise")

REQUIRED = object()  # a parameter's default when the event must give it


@dataclass(frozen=True)
class Param:
    """One parameter of a kind."""

    default: Any = REQUIRED  # a value, REQUIRED, or a function giving a fresh value (a dict) per event
    lo: float | None = None  # a number's allowed range [lo, hi]; None = open
    hi: float | None = None
    choices: tuple[str, ...] = ()  # a word's allowed values
    # a check against the rest of the config: (cfg, value, key, units or None) -> None, raises ConfigError
    within: Callable[[Any, Any, str, int | None], None] | None = None
    menu: Callable[[], Sequence[str]] | None = None  # words the page offers when they are not ``choices``
    on_page: bool = True  # False: the page leaves it at its default (a crowd's call mix)

    def with_default(self, default: Any) -> "Param":
        return replace(self, default=default)

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default

    def options(self) -> tuple[str, ...]:
        """The words the page offers (empty: a free text field)."""
        return self.choices or (tuple(self.menu()) if self.menu is not None else ())

    def check_range(self, key: str, value: Any) -> None:
        if self.lo is not None or self.hi is not None:
            _range(key, value, self.lo, self.hi)

    def check_choice(self, key: str, value: Any) -> None:
        if self.choices:
            _choice(key, value, self.choices)


class EventKind:
    name: ClassVar[str] = ""  # set by @register
    category: ClassVar[str] = ""  # "inject" | "action" (decisions.parquet)
    params: ClassVar[dict[str, Param]] = {}
    menu_order: ClassVar[int] = 100  # place on the page and in "allowed:" lists (bundled kinds: 1-9; new ones come after)

    def __init__(self, controls):
        self.controls = controls  # one instance per session: the model's levers (sim.exercise.controls)

    def apply(self, **values) -> str:
        """Act now; return one line saying what happened (for the decision log)."""
        raise NotImplementedError

    # --- the kind's own rules (override when it has any) ---------------------------------------
    @classmethod
    def check_values(cls, values: dict[str, Any], path: str) -> None:
        """Rules beyond one parameter's range or words (``values``: defaults filled in, no None)."""

    @classmethod
    def check_config(cls, cfg, values: dict[str, Any], where: str) -> None:
        """Rules against the rest of the config (call types, policies)."""

    # --- the same for every kind ---------------------------------------------------------------
    @classmethod
    def values(cls, event) -> dict[str, Any]:
        """The event's parameters with the defaults filled in (call after ``check``)."""
        out = {}
        for name, param in cls.params.items():
            value = getattr(event, name)
            if value is None:
                value = param.default_value()
            out[name] = dict(value) if isinstance(value, dict) else value
        return out

    @classmethod
    def check(cls, event, path: str) -> None:
        """The event on its own: only this kind's parameters, the required ones
        given, each in its range or words, then the kind's own rules."""
        for name in WIRE_PARAMS:
            value = getattr(event, name)
            if value is not None and name not in cls.params:
                raise ConfigError(f"{path}.{name}", value,
                                  _("is not a parameter of {name}; it takes: {value}")
                                  .format(name=cls.name, value=', '.join(cls.params) or 'nothing'))
        for name, param in cls.params.items():
            if param.default is REQUIRED and getattr(event, name) is None:
                raise ConfigError(f"{path}.{name}", None, _("{name} needs {name2}").format(name=cls.name, name2=name))
        _range(f"{path}.at_h", event.at_h, 0)
        values = {k: v for k, v in cls.values(event).items() if v is not None}
        named = [n for n in WIRE_PARAMS if n in values]
        for name in named:  # numbers first, then words (the order the messages always came in)
            cls.params[name].check_range(f"{path}.{name}", values[name])
        for name in named:
            cls.params[name].check_choice(f"{path}.{name}", values[name])
        cls.check_values(values, path)

    @classmethod
    def check_in(cls, cfg, event, where: str, units: int | None = None) -> None:
        """The event against the district, offices, units (when the model is
        built), then the kind's own rules against the config."""
        values = cls.values(event)
        for name in WIRE_PARAMS:
            param = cls.params.get(name)
            if param is not None and param.within is not None and values[name] is not None:
                param.within(cfg, values[name], f"{where}.{name}", units)
        cls.check_config(cfg, values, where)


class Inject(EventKind):
    """Something the facilitator throws at the room (sim/exercise/injects/)."""

    category = "inject"


class Action(EventKind):
    """Something the trainees decide (sim/exercise/actions/)."""

    category = "action"


INJECTS: dict[str, type[Inject]] = {}  # filled by importing sim.exercise.injects
ACTIONS: dict[str, type[Action]] = {}  # filled by importing sim.exercise.actions
_file_inject, _file_action = registrar(INJECTS), registrar(ACTIONS)


def register(name: str):
    """``@register("name")``: file an Inject or Action subclass under ``name``."""
    def deco(cls):
        if not issubclass(cls, (Inject, Action)):
            raise TypeError(f"{cls.__name__}: an event kind subclasses Inject or Action")
        registry, file = (INJECTS, _file_inject) if issubclass(cls, Inject) else (ACTIONS, _file_action)
        if name in INJECTS or name in ACTIONS:
            raise TypeError(f"{cls.__name__}: the kind name {name!r} is taken")
        unknown = [p for p in cls.params if p not in WIRE_PARAMS]
        if unknown:
            raise TypeError(f"{cls.__name__}: {', '.join(unknown)} not in ExerciseEvent (sim/exercise/event.py): "
                            "add the field there (Optional, default None)")
        file(name)(cls)
        ordered = sorted(registry.items(), key=lambda item: item[1].menu_order)  # stable: ties keep filing order
        registry.clear()
        registry.update(ordered)
        return cls
    return deco

