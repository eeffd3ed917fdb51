"""``python -m sim.tabletop [overrides] [--port N]``: the tabletop page on
http://127.0.0.1:N/ (default 8765).

The overrides are those of ``python -m sim`` (``+exercise=festival_night``,
``district=...``); ``hydra.run.dir=DIR`` says where "Finish" writes (default
runs/tabletop/DATE/TIME). They are checked first: a bad one fails in one line
with exit code 2 and no server. The server listens on 127.0.0.1 only.
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
from sim.tabletop.app import OVERRIDES_ENV
from sim.tabletop.room import OUT_ENV

DEFAULT_PORT = 8765  # Solara's own default


def split_args(args: list[str]) -> tuple[list[str], int]:
    """(overrides, port); a bad flag or port is a ConfigError."""
    overrides, port = [], DEFAULT_PORT
    it = iter(args)
    for a in it:
        if a == "--port" or a.startswith("--port="):
            text = a.split("=", 1)[1] if "=" in a else next(it, "")
            if not re.fullmatch(r"[0-9]{1,5}", text) or not 1024 <= int(text) <= 65535:
                raise ConfigError("--port", text, "must be a port number from 1024 to 65535")
            port = int(text)
        elif a.startswith("-"):
            raise ConfigError(a, TEXT, "unknown flag; allowed: --port N")
        else:
            overrides.append(a)
    return overrides, port


def check_port_free(port: int) -> None:
    """The page's port is free on 127.0.0.1 (else one line now, not a server error later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise ConfigError("--port", port, f"cannot be used on 127.0.0.1 ({exc.strerror or exc}); "
                              "choose another with --port N") from None


def main() -> None:
    try:
        overrides, port = split_args(sys.argv[1:])
        if not any(a.lstrip("+").startswith("hydra.run.dir=") for a in overrides):
            overrides.append("hydra.run.dir=runs/tabletop/${now:%Y-%m-%d}/${now:%H-%M-%S}")
        config, out = load_run(overrides)  # where Finish writes: checked now, written only then
        if config.exercise.replay is not None:
            raise ConfigError("exercise.replay", config.exercise.replay, "plays a session's log headless: "
                              "python -m sim +exercise=NAME exercise.replay=FILE (the room makes its own decisions)")
        check_port_free(port)
    except ConfigError as exc:
        cli.fail(exc)
    if config.exercise.actions:
        print(f"note: the script's {len(config.exercise.actions)} worked-answer actions are not played here: "
              "the room decides", file=sys.stderr)
    overrides = [a for a in overrides if not a.lstrip("+").startswith("hydra.")]
    env = {**os.environ, OVERRIDES_ENV: json.dumps(overrides), OUT_ENV: str(out),
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    app = Path(__file__).resolve().with_name("app.py")
    print(f"tabletop on http://127.0.0.1:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    os.execve(sys.executable, [sys.executable, "-m", "solara", "run", str(app), "--host", "127.0.0.1",
                               "--port", str(port), "--production", "--no-open", "--no-check-version"], env)


if __name__ == "__main__":
    main()
