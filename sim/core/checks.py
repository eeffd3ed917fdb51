"""Config errors and the small checkers every schema uses: one line naming
the key, the value and what is allowed (the *_config schema modules, sim.config,
sim.exercise.schema)."""
from __future__ import annotations

import errno
import math
import re
from typing import Any

from sim.i18n import N_, Translator

_ = Translator("checks")  # the checkers' words and the bespoke config messages (sim.i18n.DOMAINS["checks"])

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(text: str) -> str:
    """A message on one line: control characters (a file's newlines, NULs) shown escaped, never acted on."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


TEXT = object()  # ConfigError(text, TEXT, why): the input could not even be split into key and value


class ConfigError(ValueError):
    """A config value is wrong: names the key, the value and what is allowed."""

    def __init__(self, key: str, value: Any, allowed: str):
        self.key, self.value, self.allowed = key, value, allowed
        text = f"{key!r}: {allowed}" if value is TEXT else f"{key}={value!r}: {allowed}"
        super().__init__(_one_line(text))

    def __reduce__(self):  # picklable across worker processes
        return (type(self), (self.key, self.value, self.allowed))


# the C library's reasons for the OS errors a user meets (a file that is missing or unreadable), translatable
OS_REASONS = {errno.ENOENT: N_("No such file or directory"), errno.EACCES: N_("Permission denied"),
              errno.EISDIR: N_("Is a directory"), errno.ENOTDIR: N_("Not a directory"),
              errno.EPERM: N_("Operation not permitted"), errno.ENAMETOOLONG: N_("File name too long"),
              errno.ELOOP: N_("Too many levels of symbolic links"), errno.ECONNREFUSED: N_("Connection refused")}


def os_reason(exc: BaseException) -> str:
    """An OS error's reason (``strerror``) in the current language; the text as it is otherwise."""
    text = getattr(exc, "strerror", None) or str(exc)
    code = getattr(exc, "errno", None)
    return _(text) if OS_REASONS.get(code) == text else text


# --- small checkers -------------------------------------------------------

def _range(path: str, value: float, lo: float | None = None, hi: float | None = None,
           lo_open: bool = False) -> None:
    if not math.isfinite(value):
        raise ConfigError(path, value, _("must be a finite number"))
    bad = (lo is not None and (value <= lo if lo_open else value < lo)) or (
        hi is not None and value > hi)
    if bad:
        low = None if lo is None else (f"> {_fmt(lo)}" if lo_open else f">= {_fmt(lo)}")
        high = None if hi is None else f"<= {_fmt(hi)}"
        if low and high:
            raise ConfigError(path, value, _("must be {low} and {high}").format(low=low, high=high))
        raise ConfigError(path, value, _("must be {bound}").format(bound=low or high))


def _fmt(v: float) -> str:
    """A bound as people write it: 36600, 0.0416667, 4611686018427387904."""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _choice(path: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(path, value, _("allowed: {choices}").format(choices=", ".join(allowed)))


def check_bounds(schema: Any, path: str) -> None:
    """Range-check every field named in ``schema.BOUNDS``: (lowest, highest, lowest excluded).
    One table per schema keeps a long list of plain ranges readable."""
    for name, (low, high, low_open) in schema.BOUNDS.items():
        _range(f"{path}.{name}", getattr(schema, name), low, high, lo_open=low_open)
