"""Provenance of a run folder: the config hash, the git commit, the DONE
marker, atomic writes. Light (no model imports): the process that launches a
sweep uses it to tell finished jobs from the rest."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
from importlib import metadata
from pathlib import Path

DONE = "DONE"  # marker written last: the run finished and every output is in place
PACKAGES = ("mesa", "simpy", "numpy", "scipy", "pyarrow", "pandas", "matplotlib", "hydra-core", "omegaconf",
            "SALib", "hydra-joblib-launcher", "hydra-ray-launcher", "ray", "hydra-submitit-launcher")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def config_hash(cfg) -> str:
    """Identifies a run's configuration (a sweep skips a job whose DONE names it)."""
    text = json.dumps(dataclasses.asdict(cfg), sort_keys=True, default=str)
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


def tmp_name(path: Path) -> Path:
    """A temporary name in the same folder (same file system, so the rename is
    atomic), never one a reader would take for a result."""
    return path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")


def write_json_atomic(path: Path, data: dict) -> None:
    tmp = tmp_name(path)
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)
