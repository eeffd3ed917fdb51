"""Provenance of a run folder: the config hash, the git commit, the DONE
marker, the manifest that claims the folder, atomic writes. Light (no model imports): the process that launches a
sweep uses it to tell finished jobs from the rest."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from sim.core.checks import ConfigError
from sim.core.outdir import MANIFEST, PROGRAM, is_own_folder, symlink_inside, unmark, write_atomic
from sim.i18n import Translator

_ = Translator("reports")

DONE = "DONE"  # marker written last: the run finished and every output is in place
PACKAGES = ("mesa", "simpy", "numpy", "scipy", "pyarrow", "pandas", "matplotlib", "hydra-core", "omegaconf",
            "SALib", "hydra-joblib-launcher", "hydra-ray-launcher", "ray", "hydra-submitit-launcher",
            "geopandas", "pyogrio", "shapely", "pyproj", "pyrosm")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


PRESENTATION_KEYS = ("lang",)  # change what people read, never a result: not part of a configuration's identity


def config_hash(cfg) -> str:
    """Identifies a run's configuration (a sweep skips a job whose DONE names it;
    the language it was written in does not count)."""
    values = {k: v for k, v in dataclasses.asdict(cfg).items() if k not in PRESENTATION_KEYS}
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "") if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def package_versions() -> dict[str, str | None]:
    """Versions of the packages results depend on (None: not installed)."""
    out = {}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = None
    return out


def write_json_atomic(path: Path, data: dict) -> None:
    with write_atomic(path) as f:
        f.write(json.dumps(data, indent=2) + "\n")


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def prepare_dir(out_dir: str | Path, cfg=None, overwrite: bool | None = None, kind: str = "run") -> Path:
    """Make an output folder and claim it: it must be empty or this program's
    (sim.core.outdir; ``sim.overwrite`` lifts that), no DONE or summary of an
    earlier run stays, our stale temporary files go, and a manifest saying
    "running" marks the folder as ours from the first moment."""
    out = Path(out_dir)
    if overwrite is None:
        overwrite = cfg is not None and cfg.sim.overwrite
    if out.is_dir() and symlink_inside(out) is not None:
        raise ConfigError("hydra.run.dir", str(out), _("holds a symbolic link ({name}); an output folder may "
                                                       "not: choose another folder")
                                                     .format(name=symlink_inside(out).name))
    if out.is_dir() and not overwrite and not is_own_folder(out):
        raise ConfigError("hydra.run.dir", str(out), _("holds files this program did not write (no "
                                                       "manifest.json); choose a new folder, or add "
                                                       "sim.overwrite=true to write into it anyway"))
    out.mkdir(parents=True, exist_ok=True)
    unmark(out)
    claim = {"program": PROGRAM, "kind": kind, "status": "running", "started_utc": now_utc()}
    if cfg is not None:
        claim.update(config_hash=config_hash(cfg), root_seed=cfg.root_seed)
    write_json_atomic(out / MANIFEST, claim)
    return out


def finish_manifest(out: Path, **extra) -> None:
    """Mark a claimed folder's manifest finished (outputs that write no manifest of their own)."""
    path = out / MANIFEST
    data = json.loads(path.read_text()) if path.is_file() else {"program": PROGRAM}
    data.update(status="finished", finished_utc=now_utc(), **extra)
    write_json_atomic(path, data)
