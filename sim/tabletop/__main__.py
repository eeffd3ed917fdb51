"""``python -m sim.tabletop [overrides] [--port N]``: the tabletop on
http://127.0.0.1:N/ (default 8765): start a session there, then open its seats
(/facilitator, /trainee, /projector ?session=CODE).

The overrides are those of ``python -m sim`` (``+exercise=festival_night``,
``exercise.file=PATH``, ``district=...``, ``lang=zh``: the pages' and the
console's default language); ``hydra.run.dir=DIR`` says where sessions write
(``DIR/CODE`` per session; default runs/tabletop/DATE/TIME). They are checked
first: a bad one fails in one line with exit code 2 and no server. The server
listens on 127.0.0.1 only.
"""
from __future__ import annotations

import json
import os
import re
import socket
import sys
from pathlib import Path

from sim.compose import cli
from sim.compose.loader import load_run
from sim.core.checks import TEXT
from sim.config import ConfigError
from sim.i18n import N_, Translator, set_language
from sim.tabletop.room import LANG_ENV, OUT_ENV, OVERRIDES_ENV

_ = Translator("tabletop")

DEFAULT_PORT = 8765  # Solara's own default
USAGE = N_("usage: python -m sim.tabletop [overrides] [--port N]\n"
           "  the tabletop on http://127.0.0.1:N/ (default {port}), on this machine only;\n"
           "  overrides as for python -m sim: +exercise=NAME, exercise.file=PATH, district=NAME, lang=zh|en,\n"
           "  hydra.run.dir=DIR (sessions write into DIR/CODE)")


def split_args(args: list[str]) -> tuple[list[str], int]:
    """(overrides, port); a bad flag or port is a ConfigError."""
    overrides, port = [], DEFAULT_PORT
    it = iter(args)
    for a in it:
        if a == "--port" or a.startswith("--port="):
            text = a.split("=", 1)[1] if "=" in a else next(it, "")
            if not re.fullmatch(r"[0-9]{1,5}", text) or not 1024 <= int(text) <= 65535:
                raise ConfigError("--port", text, _("must be a port number from 1024 to 65535"))
            port = int(text)
        elif a.startswith("-"):
            raise ConfigError(a, TEXT, _("unknown flag; allowed: --port N, -h/--help"))
        else:
            overrides.append(a)
    return overrides, port


def check_port_free(port: int) -> None:
    """The page's port is free on 127.0.0.1 (else one line now, not a server error later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise ConfigError("--port", port, _("cannot be used on 127.0.0.1 ({reason}); choose another with "
                                                "--port N").format(reason=exc.strerror or exc)) from None


def main() -> None:
    args = sys.argv[1:]
    cli.use_language(args)  # lang=zh: the checks' errors, the usage and the messages below in Chinese
    if {"-h", "--help"} & set(args):
        print(_(USAGE).format(port=DEFAULT_PORT))
        sys.exit(0)
    try:
        overrides, port = split_args(args)
        if not any(a.lstrip("+").startswith("hydra.run.dir=") for a in overrides):
            overrides.append("hydra.run.dir=runs/tabletop/${now:%Y-%m-%d}/${now:%H-%M-%S}")
        config, out = load_run(overrides)  # where Finish writes: checked now, written only then
        if config.exercise.replay is not None:
            raise ConfigError("exercise.replay", config.exercise.replay, _(
                "plays a session's log headless: python -m sim +exercise=NAME exercise.replay=FILE (the room makes "
                "its own decisions)"))
        check_port_free(port)
    except ConfigError as exc:
        cli.fail(exc)
    set_language(config.lang)
    if config.exercise.actions:
        print(_("note: the script's {n} worked-answer actions are not played here: the room decides").format(
            n=len(config.exercise.actions)), file=sys.stderr, flush=True)
    overrides = [a for a in overrides if not a.lstrip("+").startswith("hydra.")]
    env = {**os.environ, OVERRIDES_ENV: json.dumps(overrides), OUT_ENV: str(out), LANG_ENV: config.lang,
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_THEME_SHOW_BANNER": "False",
           "SOLARA_THEME_TITLE": "社区警务推演 / Community policing tabletop"}  # the tab's title while loading
    app = Path(__file__).resolve().with_name("app.py")
    print(_("tabletop on http://127.0.0.1:{port}/ : start a session there; sessions write into {out}/CODE "
            "(Ctrl-C to stop)").format(port=port, out=out), file=sys.stderr, flush=True)
    os.execve(sys.executable, [sys.executable, "-m", "solara", "run", str(app), "--host", "127.0.0.1",
                               "--port", str(port), "--production", "--no-open", "--no-check-version"], env)


if __name__ == "__main__":
    main()
