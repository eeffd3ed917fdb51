"""What the Hydra command lines (``python -m sim``, ``sim.plan``,
``sim.tabletop``) share: the flags they accept, and the checked output folder
handed to Hydra as a literal, so the folder that was checked is the folder
that is written."""
from __future__ import annotations

import argparse
import sys

from sim.core.checks import TEXT, ConfigError
from sim.i18n import LANGUAGES, Translator, set_language

_ = Translator("checks")

# Hydra's own flags that read nothing from elsewhere and run nothing: --multirun, --help, --cfg job.
# The rest (--config-path, --config-dir, --config-name, --experimental-rerun (a pickle), --shell-completion,
# --info, --package, --resolve) are refused: they load configs or code from outside the project.
ALLOWED_FLAGS = {"-m": None, "--multirun": None, "-h": None, "--help": None, "--hydra-help": None,
                 "-c": ("job",), "--cfg": ("job",)}


def split_args(args: list[str], allowed: dict = ALLOWED_FLAGS) -> tuple[list[str], list[str]]:
    """(flags with their values, overrides); an unknown flag is a ConfigError."""
    flags, overrides = [], []
    use_language(args)
    it = iter(args)
    for a in it:
        if not a.startswith("-"):
            overrides.append(calibration_choice(a))
            continue
        name, eq, value = a.partition("=")
        if name not in allowed:
            flags_text = ", ".join(f"{f} {'|'.join(v)}" if v else f for f, v in allowed.items())
            raise ConfigError(a, TEXT, _("unknown flag; allowed: {items}").format(items=flags_text))
        choices = allowed[name]
        if choices is None:
            if eq:
                raise ConfigError(a, TEXT, _("{name} takes no value").format(name=name))
            flags.append(name)
            continue
        value = value if eq else next(it, "")
        if value not in choices:
            raise ConfigError(name, value, _("allowed: {items}").format(items=", ".join(choices)))
        flags += [name, value]
    return flags, overrides


def use_language(args: list[str]) -> None:
    """``lang=zh`` on the command line: messages in Chinese from here on, so the
    config checks' own errors read in it too (a bad value is the config's error)."""
    for a in args:
        key, eq, value = a.lstrip("+").partition("=")
        if key == "lang" and eq and value in LANGUAGES:
            set_language(value)


def calibration_choice(text: str) -> str:
    """``+calibration=NAME`` as ``calibration=NAME``: the default config already
    chooses a calibration (``literature``), and Hydra refuses to add a group twice."""
    return text[1:] if text.startswith("+calibration=") else text


def literal(value: str, key: str) -> str:
    """``value`` quoted for Hydra's override grammar (taken as it is, no
    interpolation, commas and spaces kept)."""
    if "\\" in value or "${" in value or "\x00" in value:
        raise ConfigError(key, value, _("an output folder must not contain \\ or ${"))
    return "'" + value.replace("'", "\\'") + "'"


def pin(argv: list[str], key: str, value: str) -> list[str]:
    """``argv`` with every ``key=...`` replaced by ``key=<value, quoted>``."""
    kept = [a for a in argv if not a.lstrip("+").startswith(key + "=")]
    return kept + [f"{key}={literal(value, key)}"]


def fail(exc: ConfigError, prefix: str | None = None) -> None:
    print(f"{prefix or _('config error')}: {exc}", file=sys.stderr)
    sys.exit(2)


class OneLineParser(argparse.ArgumentParser):
    """argparse for the project's plain CLIs (sim.compare.cli, sim.validate.cli): a
    usage error is one line and exit code 2, like every other bad input."""

    def error(self, message: str):
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        sys.exit(2)
