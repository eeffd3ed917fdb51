"""Sweeps that survive crashes: what Hydra multirun lacks for long studies.

Hydra names job folders by job number and time, writes results only when a
job ends, has no resume, and reports failures only when the whole sweep is
over. Here:

- the sweep folder is derived from the command (``default_sweep_dir``) and each
  job's folder from its own overrides (Hydra's ``override_dirname``), so running
  the same command again finds the same folders;
- a job writes its files atomically and a ``DONE`` marker last; a job whose
  ``DONE`` names the same config hash is skipped, anything else is run again, so
  a sweep killed half-way loses only the jobs that were running;
- a failing job writes ``FAILED`` (with the traceback) instead of raising, so
  the other jobs carry on; a monitor thread in the launching process watches
  the markers, drives a progress bar and prints each failure as it appears,
  whatever launcher (joblib, Ray, submitit) runs the jobs;
- ``sweep.json`` at the sweep root records the command, every job's overrides
  and root seed, package versions and the git commit of each invocation;
- the console shows the progress bar (with its ETA), failures and the tally:
  Hydra's launcher prints only its warnings and errors (``QUIET_LOGGING``,
  conf/hydra/hydra_logging/quiet.yaml) and each job logs its ``#N : overrides``
  line, its outcome and any traceback to its own ``sim.log``
  (conf/hydra/job_logging/quiet.yaml). ``hydra/hydra_logging=default
  hydra/job_logging=default`` on the command line brings Hydra's lines back.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timezone
from pathlib import Path

from sim.compose.loader import is_hydra_override
from sim.config import Config, ConfigError
from sim.core.orphans import watch_parent
from sim.core.outdir import is_own_folder, remove_own_tmp
from sim.i18n import Translator
from sim.output.provenance import DONE, config_hash, git_commit, package_versions, write_json_atomic
from sim.compose.sweep_plan import MANIFEST_FILE, job_dirname

_ = Translator("reports")

FAILED = "FAILED"
SWEEPS_ROOT = Path("runs") / "sweeps"
# the logging a sweep gets unless its command chooses its own (sim/__main__.py run_sweep): Hydra's
# per-job INFO lines off the console, each job's log in its folder (conf/hydra/*_logging/quiet.yaml)
QUIET_LOGGING = {"hydra/hydra_logging": "quiet", "hydra/job_logging": "quiet"}

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def shown(path: Path) -> str:
    """A path as the user would type it: relative when under the working folder."""
    rel = os.path.relpath(path)
    return path.as_posix() if rel.startswith("..") else rel


def default_sweep_dir(overrides: list[str]) -> Path:
    """``runs/sweeps/<experiment>-<hash>``: the same study command always maps
    to the same folder (so re-running it resumes), whichever launcher runs it.
    Sweeper settings count (they change the jobs); launcher settings and the
    language (it changes no result: a sweep re-run in Chinese is the same study) do not."""
    user = sorted(o for o in overrides if (not is_hydra_override(o)
                  or o.lstrip("+~").startswith(("hydra.sweeper.", "hydra/sweeper=")))
                  and not o.lstrip("+~").startswith("lang="))
    label = "sweep"
    for o in user:
        key, _eq, value = o.lstrip("+").partition("=")
        if key == "experiment":
            label = value
    digest = hashlib.sha256("\n".join(user).encode()).hexdigest()[:8]
    return SWEEPS_ROOT / f"{label}-{digest}"


def job_status(job_dir: Path, cfg_hash: str) -> str:
    """done (DONE names this config) | failed | unfinished (no folder, killed
    before DONE, or DONE from another config)."""
    done = job_dir / DONE
    if done.is_file():
        try:
            return "done" if json.loads(done.read_text()).get("config_hash") == cfg_hash else "unfinished"
        except (OSError, ValueError):
            return "unfinished"
    return "failed" if (job_dir / FAILED).is_file() else "unfinished"


def quiet_logging(overrides: list[str]) -> list[str]:
    """The ``QUIET_LOGGING`` choices a sweep command leaves to us: none of a
    group the command chose itself (``hydra/hydra_logging=default`` ...)."""
    chosen = {o.lstrip("+~").partition("=")[0] for o in overrides}
    return [f"{group}={option}" for group, option in QUIET_LOGGING.items() if group not in chosen]


def run_job(cfg: Config, out_dir: str | Path, overrides: list[str], job_num: int | None = None) -> str:
    """One sweep job: skip it if finished with this config, else run it and
    record the outcome; never raise, so one failure does not stop the sweep.
    What Hydra's launcher would print for the job goes to the job's log."""
    from sim.run_any import run_any  # the model: imported in the worker only

    watch_parent()  # a worker process ends with the sweep that launched it
    out = Path(out_dir)
    log.info("#%s : %s", "?" if job_num is None else job_num, " ".join(overrides))  # Hydra's launcher line
    digest = config_hash(cfg)
    if job_status(out, digest) == "done":
        log.info("skipped: already done with config %s", digest)
        return "skipped"
    (out / FAILED).unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        run_any(cfg, out, overrides, progress=False)  # a plain run or an exercise
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, none stops the sweep
        log.exception("failed after %.1f s", time.perf_counter() - started)
        remove_own_tmp(out)
        write_json_atomic(out / FAILED, {
            "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(),
            "overrides": list(overrides), "failed_utc": _now()})
        return "failed"
    log.info("done in %.1f s", time.perf_counter() - started)
    return "done"


@dataclass
class Sweep:
    """The jobs of one sweep command and where their folders are."""

    root: Path
    jobs: list[list[str]]
    configs: list[Config]
    dirname: dict = field(default_factory=dict)  # Hydra's override_dirname settings
    dirnames: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.dirnames = [job_dirname(j, **self.dirname) for j in self.jobs]
        seen: set[str] = set()
        for name in self.dirnames:
            if name in seen:
                raise ConfigError("sweep", name or "(empty)", _("two jobs would share this folder; sweep each "
                                                                "value once and keep swept keys out of "
                                                                "exclude_keys"))
            if not name:
                raise ConfigError("sweep", "(empty)", _("a job needs at least one override that names its folder"))
            if len(name.encode()) > 255:
                raise ConfigError("sweep", name[:60] + "...", _("folder name of {value} bytes (limit 255): move "
                                                                "fixed overrides into an experiment file")
                                                              .format(value=len(name.encode())))
            seen.add(name)

    @cached_property
    def hashes(self) -> list[str]:
        return [config_hash(c) for c in self.configs]

    def earlier_invocations(self) -> list[dict]:
        """The invocations recorded in sweep.json (none if there is no file); a
        damaged record is a one-line error, not something to write over."""
        path = self.root / MANIFEST_FILE
        if not path.is_file():
            return []
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError, UnicodeDecodeError):
            data = None
        invocations = data.get("invocations", []) if isinstance(data, dict) else None
        if not isinstance(invocations, list) or not all(isinstance(i, dict) for i in invocations):
            raise ConfigError("hydra.sweep.dir", str(self.root), _("its sweep.json is damaged; move it away or "
                                                                   "choose another hydra.sweep.dir"))
        return invocations

    def check_folders(self, overwrite: bool = False) -> None:
        """sweep.json is readable, and every job folder that exists already
        holds only this program's files."""
        self.earlier_invocations()
        for name in self.dirnames:
            folder = self.root / name
            if folder.is_dir() and not overwrite and not is_own_folder(folder):
                raise ConfigError("hydra.sweep.dir", str(folder), _("a job folder holds files this program did "
                                                                    "not write; choose another hydra.sweep.dir, "
                                                                    "or add sim.overwrite=true"))

    def statuses(self) -> list[str]:
        return [job_status(self.root / d, h) for d, h in zip(self.dirnames, self.hashes)]

    def write_manifest(self, argv: list[str], launcher: str, sweeper: str, to_run: list[str]) -> None:
        """Record this invocation in ``sweep.json`` (earlier ones are kept,
        with their command, versions and commit), with the jobs it must run:
        the sweeper launches only those."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / MANIFEST_FILE
        previous = self.earlier_invocations()
        for earlier in previous:  # killed (SIGKILL, power loss): its end is recorded by the next invocation
            if "finished_utc" not in earlier and "ended" not in earlier:
                earlier["ended"] = "killed: no end record; found by the next invocation"
                earlier["found_utc"] = _now()
        manifest = {
            "sweep_dir": str(self.root),
            "jobs_total": len(self.jobs),
            "jobs": [{"dir": d, "overrides": j, "replicate": c.replicate, "root_seed": c.root_seed,
                      "config_hash": h} for d, j, c, h in zip(self.dirnames, self.jobs, self.configs, self.hashes)],
            "invocations": previous + [{
                "started_utc": _now(), "command": ["python", "-m", "sim", *argv], "launcher": launcher,
                "sweeper": sweeper, "git_commit": git_commit(), "python": platform.python_version(),
                "packages": package_versions(), "to_run": to_run}],
        }
        write_json_atomic(path, manifest)

    def close_manifest(self, counts: dict[str, int], ended: str = "finished") -> None:
        """Record how this invocation ended: finished, interrupted (Ctrl-C,
        SIGTERM) or failed (the launcher raised), with the job counts."""
        path = self.root / MANIFEST_FILE
        manifest = json.loads(path.read_text())
        manifest["invocations"][-1].update(finished_utc=_now(), ended=ended, **counts)
        write_json_atomic(path, manifest)


# tqdm's default bar with its "elapsed<remaining" spelled out (the fields are tqdm's)
BAR_FORMAT = "{{l_bar}}{{bar}}| {{n_fmt}}/{{total_fmt}} [{eta}, {{rate_fmt}}]"
BAR_SIZE_DEFAULT = (80, 24)  # columns, rows when a (pseudo-)terminal reports 0: the classic terminal, convention


def bar_size(stream) -> tuple[int, int] | None:
    """None: the bar follows the terminal's size (tqdm's dynamic_ncols); a
    terminal reporting 0 columns or rows (a pseudo-terminal nobody sized: tqdm
    then printed nothing at all, issue 23) gets BAR_SIZE_DEFAULT."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):  # not a terminal, or no file descriptor
        return None
    return None if size.columns > 0 and size.lines > 0 else BAR_SIZE_DEFAULT


class Monitor:
    """Watches the job folders from the launching process: a progress bar of
    jobs done / total, and each failure printed the moment its marker appears."""

    def __init__(self, sweep: Sweep, poll_s: float = 0.5, stream=None):
        self.sweep, self.poll_s = sweep, poll_s
        self.stream = stream or sys.stderr
        self.before = sweep.statuses()
        self.started = time.time()
        self.reported: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="sweep-monitor", daemon=True)

    def __enter__(self) -> "Monitor":
        from tqdm import tqdm

        resumed = self.before.count("done")
        ncols, nrows = bar_size(self.stream) or (None, None)
        self.bar = tqdm(total=len(self.sweep.jobs), initial=resumed, unit=_("job"), desc=_("sweep"),
                        file=self.stream, ncols=ncols, nrows=nrows, dynamic_ncols=ncols is None,
                        bar_format=BAR_FORMAT.format(
                            eta=_("{elapsed} elapsed, ETA {remaining}")))
        if resumed:
            self.bar.write(_("resuming: {done} of {n} jobs already done, skipped").format(
                done=resumed, n=len(self.sweep.jobs)), file=self.stream)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._poll()
        self.bar.close()

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_s):
            self._poll()

    def _poll(self) -> None:
        statuses = self.sweep.statuses()
        if statuses.count("done") != self.bar.n:
            self.bar.update(statuses.count("done") - self.bar.n)
        for name, status in zip(self.sweep.dirnames, statuses):
            if status == "failed" and name not in self.reported and self._failed_now(name):
                self.reported.add(name)
                self.bar.write(failure_line(self.sweep.root / name), file=self.stream)

    def _failed_now(self, name: str) -> bool:
        """A FAILED marker written by this run, not left by an earlier one."""
        try:
            return (self.sweep.root / name / FAILED).stat().st_mtime >= self.started - 1.0
        except OSError:
            return False

    def report(self) -> dict[str, int]:
        """Final tally printed after the launcher returns; failures listed again."""
        statuses = self.sweep.statuses()
        counts = {
            "done": statuses.count("done"),
            "done_before": sum(s == b == "done" for s, b in zip(statuses, self.before)),
            "failed": statuses.count("failed"),
            "unfinished": statuses.count("unfinished"),
        }
        out = self.stream
        print(_("sweep {folder}: {done} of {n} jobs done ({now} this run, {before} before), {failed} failed, "
                "{unfinished} unfinished").format(
                    folder=shown(self.sweep.root), done=counts["done"], n=len(statuses),
                    now=counts["done"] - counts["done_before"], before=counts["done_before"],
                    failed=counts["failed"], unfinished=counts["unfinished"]), file=out)
        for name, status in zip(self.sweep.dirnames, statuses):
            if status == "failed":
                print("  " + failure_line(self.sweep.root / name), file=out)
        if counts["failed"] or counts["unfinished"]:
            print("  " + _("run the same command again to retry the jobs not done"), file=out)
        return counts


def failure_line(job_dir: Path) -> str:
    """A failed job on one line: its folder, its error and where its log (or, without one, its traceback) is."""
    logs = sorted(job_dir.glob("*.log"))
    return _("FAILED {job}: {error} (log: {log})").format(job=job_dir.name, error=failure_message(job_dir),
                                                          log=shown(logs[0] if logs else job_dir / FAILED))


def failure_message(job_dir: Path) -> str:
    try:
        return json.loads((job_dir / FAILED).read_text())["error"]
    except (OSError, ValueError, KeyError):
        return "unknown error"

