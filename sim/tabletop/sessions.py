"""Exercise sessions shared by the seats of a training room (issue 22).

One process-wide registry (plain module globals: every browser tab of the
server sees them, unlike Solara's per-tab reactives) maps a short code to a
``Session``: one ``TabletopModel`` behind its lock, a version counter every
page polls, a snapshot of what the pages show (so a page never waits for the
model while it runs), a cache of the drawn maps, and the session's one Play
thread. A second exercise on the same server gets its own code and model.
"""
from __future__ import annotations

import base64
import io
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sim.core.outdir import write_atomic
from sim.i18n import Translator, language
from sim.tabletop.figures import LAYERS, charts_figure, fonts, kpis, map_figure, map_frame, open_calls, unit_states
from sim.tabletop.room import TabletopModel

_ = Translator("tabletop")

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud across a room
CODE_LEN = 5  # 32**5 = 33.5 million codes: not guessable by trying a few; assumption
PLAY_INTERVAL_S = 1.0  # one tick per second while Play is on; assumption (a room can follow it)
POLL_S = 0.4  # the longest a page's watcher waits before looking whether its page was closed; assumption
SCRIPT_FILE = "session_script.yaml"  # the export, in the session's own run folder


@dataclass
class Snapshot:
    """What the seats show, copied out of the model under its lock after each change."""

    version: int
    t_min: float
    finished: bool
    tick_min: float
    calls: list
    units: list
    log: list
    pending: list  # (t_min, kind, params) of the scripted injects still to come: the facilitator's only
    kpis: dict


@dataclass
class Session:
    code: str
    overrides: tuple[str, ...]
    out_dir: Path
    lang: str  # the session's language (the starting seat's): its decision log and records, Play's, the console's
    model: TabletopModel = field(init=False)
    version: int = 0
    playing: bool = False
    finishing: bool = False
    outputs: dict | None = None
    error: str = ""
    exported: Path | None = None
    pause_on_inject: bool = True  # Play stops when a scripted inject fires, so the room can react

    def __post_init__(self):
        # the session's language wins over the command line's: its records are in one language
        self.overrides = (*[a for a in self.overrides if not a.lstrip("+").startswith("lang=")], f"lang={self.lang}")
        self.model = TabletopModel(self.overrides)
        self.lang = self.model.cfg.lang
        self.lock = self.model.lock
        self._draw_lock = threading.Lock()
        self._news = threading.Condition()  # wakes every page's watcher the moment the version moves
        self._images: dict = {}
        self.snap = self._snapshot(self.version)

    # --- what pages read ------------------------------------------------------------
    def title(self, lang: str) -> str:
        """The script's title in ``lang`` (its English one when it has none in it): script text, shown as text."""
        return self.model.cfg.exercise.shown_title(lang) or ""

    def briefing(self, lang: str) -> str:
        return self.model.cfg.exercise.shown_briefing(lang) or ""

    def _snapshot(self, version: int) -> Snapshot:
        m = self.model
        with self.lock:
            return Snapshot(version, m.env.now, m.session.finished, m.tick_min, open_calls(m), unit_states(m),
                            list(m.session.log),
                            [(p.t_min, p.event.kind) for p in sorted(m.session.pending)], kpis(m))

    def changed(self) -> None:
        """Bump the version after a change: every page re-renders within a poll. The map most
        seats show (the projector's: the session's language, the first shading) is drawn here
        first, in the thread that made the change, so the re-renders find it ready; a seat in
        another language or shading draws its own on demand (once per version for all)."""
        with self.lock:
            version = self.version + 1
            snap = self._snapshot(version)
            key = ("map", self.lang, LAYERS[0])
            with self._draw_lock:
                self._images = {(version, *key): self._draw(*key)}
            self.snap = snap
            self._publish(version)
        if self.snap.finished and self.outputs is None and not self.finishing and not self.error:
            self.finish()  # the automatic end: the clock reached the horizon

    def _publish(self, version: int) -> None:
        with self._news:
            self.version = version
            self._news.notify_all()

    def wait_for_version(self, seen: int, timeout_s: float) -> int:
        """The version as soon as it is not ``seen`` (pushed, not polled: a change reaches the
        other seats without a poll's delay), or after ``timeout_s``."""
        with self._news:
            self._news.wait_for(lambda: self.version != seen, timeout_s)
            return self.version

    def image(self, what: str, lang: str, layer: str = "") -> tuple[str, tuple]:
        """(data URL of the PNG, map frame) of the map or the charts, drawn once per version and language."""
        ready = self._images.get((self.version, what, lang, layer))
        if ready is not None:  # drawn already: no waiting for a seat that is drawing another language
            return ready
        with self.lock:  # the version and the model agree while we draw
            version = self.version
            key = (version, what, lang, layer)
            with self._draw_lock:
                if key not in self._images:
                    drawn = self._draw(what, lang, layer)
                    self._images = {k: v for k, v in self._images.items() if k[0] == version}
                    self._images[key] = drawn
                return self._images[key]

    def _draw(self, what: str, lang: str, layer: str) -> tuple[str, tuple]:
        with language(lang), self.lock, fonts():
            if what == "charts":
                fig, frame = charts_figure(self.model), ()
            else:
                fig = map_figure(self.model, layer, big=what == "bigmap")
                frame = None
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=fig.dpi)
            if frame is None:
                frame = map_frame(fig, self.model)
        return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode(), frame

    # --- what the seats do -------------------------------------------------------------
    # the model's changes are made in the session's language: the decision log (and after it the
    # after-action report and decisions.parquet) reads in one language, whichever seat acted
    def step(self) -> None:
        with language(self.lang):
            self.model.step()
        self.changed()

    def jump_to(self, t_min: float) -> bool:
        """Run forward to ``t_min``; False (nothing done) when that is not ahead of the clock."""
        if t_min <= self.model.env.now:
            return False
        with language(self.lang):
            self.model.jump_to(t_min)
        self.changed()
        return True

    def set_tick(self, minutes: float) -> None:
        self.model.tick_min = float(minutes)
        self.changed()

    def fire(self, kind: str, source: str, note: str = "", **params):
        """Checked in the caller's (the seat's) language, so a refusal reads in it; fired in the session's."""
        with self.lock:
            self.model.session.check(kind, source, note=note, **params)
            with language(self.lang):
                decision = self.model.session.fire(kind, source, note=note, **params)
        self.changed()
        return decision

    def play(self, on: bool) -> None:
        """Play steps the model once per ``PLAY_INTERVAL_S`` in ONE thread per session, whoever pressed it."""
        with self.lock:
            if on and not self.playing and not self.snap.finished:
                self.playing = True
                threading.Thread(target=self._play, name=f"play-{self.code}", daemon=True).start()
            elif not on:
                self.playing = False
        self.changed()

    def _play(self) -> None:
        while self.playing and not self.finishing:
            time.sleep(PLAY_INTERVAL_S)
            if not self.playing:
                break
            with language(self.lang), self.lock:  # the pages see the step and the pause in one version
                scripted = len(self.model.session.log)
                self.model.step()
                fired = any(d.source == "script" for d in self.model.session.log[scripted:])
                if self.model.session.finished or (fired and self.pause_on_inject):
                    self.playing = False
                self.changed()

    def set_pause_on_inject(self, on: bool) -> None:
        self.pause_on_inject = bool(on)
        self.changed()

    def finish(self) -> None:
        """Play to the end and write everything, in a thread (it takes seconds; the pages say so meanwhile)."""
        with self.lock:
            if self.finishing or self.outputs is not None:
                return
            self.finishing, self.playing = True, False
        self._publish(self.version + 1)
        threading.Thread(target=self._finish, name=f"finish-{self.code}", daemon=True).start()

    def _finish(self) -> None:
        try:
            with language(self.lang):
                self.model.finish(self.out_dir)
                self.outputs = dict(self.model.outputs)
                print(_("tabletop session {code} finished: report {report}; counterfactual {counterfactual}; "
                        "decision log {decisions}").format(code=self.code, **{k: str(v) for k, v in
                                                                           self.outputs.items()}),
                      file=sys.stderr, flush=True)
        except Exception as exc:  # shown on every seat, not lost in a thread
            self.error = f"{type(exc).__name__}: {exc}"
            print(_("tabletop session {code}: finish failed: {error}").format(code=self.code, error=self.error),
                  file=sys.stderr, flush=True)
        finally:
            self.finishing = False
            self.changed()

    def export(self) -> tuple[Path, str]:
        """Today's session (injects and decisions as they happened) as a script: written into the
        session's run folder as ``session_script.yaml``; returns (path, YAML text)."""
        from sim.compose.exercise_export import session_script
        from sim.run import prepare_dir

        with self.lock:  # Finish holds it too: never half-way through writing the run
            text = session_script(self.model.session)
            if not self.out_dir.exists():  # the session's first file: claim the folder (Finish writes there too)
                prepare_dir(self.out_dir, self.model.cfg)
            # else the folder is ours already, maybe a finished run: one new file beside its files, nothing else
            path = self.out_dir / SCRIPT_FILE
            with write_atomic(path) as f:
                f.write(text)
        self.exported = path
        self.changed()
        return path, text


# --- what a session plays ---------------------------------------------------------------------
EXERCISE_KEYS = ("+exercise=", "exercise=", "exercise.file=", "+exercise.file=")  # what picks a script
KEPT_FOR_GALLERY = ("lang=", "seed=")  # a gallery script runs as written, in the room's language and seed


def gallery_scripts() -> list:
    """The built-in scripts (sim.compose.exercise_gallery), by name."""
    from sim.compose.exercise_gallery import gallery

    return list(gallery())


def script_overrides(script, command_line: tuple[str, ...]) -> tuple[str, ...]:
    """A gallery script as written, with the command line's language and seed (not its district or
    staffing, which were meant for the command line's script)."""
    return (*[a for a in command_line if a.startswith(KEPT_FOR_GALLERY)], f"+exercise={script.name}")


# --- the registry ----------------------------------------------------------------------------
SESSIONS: dict[str, Session] = {}
_REGISTRY = threading.Lock()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LEN))


def normalise(code: str | None) -> str:
    return "".join(c for c in (code or "").upper() if c in CODE_ALPHABET)[:CODE_LEN]


def create(overrides: tuple[str, ...], base_out: Path, lang: str) -> Session:
    """A new session with its own code; it writes into ``base_out/CODE``."""
    with _REGISTRY:
        code = new_code()
        while code in SESSIONS:
            code = new_code()
        SESSIONS[code] = None  # reserved while the model is built (seconds), outside the lock below
    try:
        session = Session(code, tuple(overrides), Path(base_out) / code, lang)
    except BaseException:
        SESSIONS.pop(code, None)
        raise
    SESSIONS[code] = session
    print(_("tabletop session {code} started").format(code=code), file=sys.stderr, flush=True)
    return session


def get(code: str | None) -> Session | None:
    return SESSIONS.get(normalise(code))
