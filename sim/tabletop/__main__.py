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
import sys
from pathlib import Path

from sim.compose import load_config, or_exit
from sim.tabletop.app import OVERRIDES_ENV
from sim.tabletop.room import OUT_ENV

DEFAULT_PORT = 8765  # Solara's own default


def split_args(args: list[str]) -> tuple[list[str], int, str | None]:
    overrides, port, out = [], DEFAULT_PORT, None
    it = iter(args)
    for a in it:
        if a == "--port" or a.startswith("--port="):
            text = a.split("=", 1)[1] if "=" in a else next(it, "")
            if not text.isdigit() or not 0 < int(text) < 65536:
                print(f"config error: --port={text!r}: must be a port number 1-65535", file=sys.stderr)
                sys.exit(2)
            port = int(text)
        elif a.startswith("hydra.run.dir="):
            out = a.split("=", 1)[1]
        elif a.startswith("-"):
            print(f"config error: {a}: unknown flag; allowed: --port N", file=sys.stderr)
            sys.exit(2)
        else:
            overrides.append(a)
    return overrides, port, out


def main() -> None:
    overrides, port, out = split_args(sys.argv[1:])
    or_exit(load_config, overrides)
    env = {**os.environ, OVERRIDES_ENV: json.dumps(overrides), "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    if out:
        env[OUT_ENV] = str(Path(out).resolve())
    app = Path(__file__).resolve().with_name("app.py")
    print(f"tabletop on http://127.0.0.1:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    os.execve(sys.executable, [sys.executable, "-m", "solara", "run", str(app), "--host", "127.0.0.1",
                               "--port", str(port), "--production", "--no-open", "--no-check-version"], env)


if __name__ == "__main__":
    main()
