"""Where this program may write, and which files it may delete.

Configs and command lines are shared between bureaus, so an output folder is
checked before anything is written:

- it must name a real, specific folder: not empty, not the file-system root or
  a folder straight under it (``/etc``, ``/tmp``), not a system tree, not the
  home folder, the working folder, the project or any folder above them;
- if it already holds files, they must be an earlier output of this program
  (its ``manifest.json`` or ``sweep.json``, or only what Hydra writes when a
  run starts); anything else is refused unless the user says so
  (``sim.overwrite=true``, or ``--overwrite``);
- the only files ever deleted are this program's own temporary files, named by
  ``tmp_name`` and recognised by ``is_own_tmp``, and the ``DONE`` and
  ``summary.json`` markers of a folder that is this program's.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
import re
from pathlib import Path

from sim.core.checks import ConfigError
from sim.i18n import N_, Translator

_ = Translator("checks")

PROGRAM = "community-policing-sim"  # written into every manifest: how a folder is recognised as ours
PROJECT_ROOT = Path(__file__).resolve().parents[2]
MANIFEST = "manifest.json"
SWEEP_MANIFEST = "sweep.json"
# trees of the operating system: never an output folder (``/var/tmp`` is the one exception)
SYSTEM_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run",
                "/sbin", "/snap", "/sys", "/usr", "/var")
ALLOWED_IN_SYSTEM_TREES = ("/var/tmp",)
# what Hydra puts in a run folder before the run starts (an interrupted start leaves only these)
HYDRA_START_FILES = ("sim.log", "plan.log", "calibrate.log")
MAX_NAME_BYTES = 255  # one folder name (Linux's limit)
_TMP = re.compile(r"^\.(?P<stem>[^/]+)\.simtmp-(?P<pid>\d+)(?P<suffix>\.[\w]+)?$")


def tmp_name(path: Path) -> Path:
    """A temporary name in the same folder (same file system, so the rename is
    atomic), never one a reader would take for a result, and one nobody else
    uses: ``.NAME.simtmp-PID.SUFFIX``."""
    return path.with_name(f".{path.stem}.simtmp-{os.getpid()}{path.suffix}")


def is_own_tmp(name: str) -> bool:
    """A temporary file of this program (``tmp_name``), safe to delete."""
    return _TMP.match(name) is not None


def remove_own_tmp(folder: Path) -> int:
    """Delete this program's temporary files in ``folder`` (left by a run that
    was killed mid-write); nothing else. Returns how many went."""
    gone = 0
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.is_file() and not entry.is_symlink() and is_own_tmp(entry.name):
                entry.unlink(missing_ok=True)
                gone += 1
    return gone


def open_new(path: Path, mode: str = "w"):
    """Open a file that must not exist yet and must not be a link (a temporary
    file of ours: ``tmp_name``), so a planted link cannot redirect a write."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    if path.is_file() and not path.is_symlink() and is_own_tmp(path.name):
        path.unlink()  # our own, left by a process with the same PID
    return os.fdopen(os.open(path, flags, 0o644), mode, encoding=None if "b" in mode else "utf-8")


@contextmanager
def write_atomic(path: Path, mode: str = "w"):
    """Write ``path`` all or nothing, the one way this program writes a file:
    into its own temporary name (``open_new``: created new, never through a
    link), renamed into place when the block ends; removed if it fails."""
    tmp = tmp_name(path)
    try:
        with open_new(tmp, mode) as f:
            yield f
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def is_own_manifest(path: Path) -> bool:
    """A manifest this program wrote (older runs: one with a config hash and root seed)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and (data.get("program") == PROGRAM
                                       or {"config_hash", "root_seed"} <= set(data)
                                       or {"sweep_dir", "jobs"} <= set(data))


def is_own_folder(folder: Path, depth: int = 1) -> bool:
    """Empty, or holding an earlier output of this program (its manifest), or
    only what a start of this program leaves behind (Hydra's ``.hydra`` and
    log, a FAILED marker, a sweep's lock, job folders that are ours in turn)."""
    entries = list(folder.iterdir())
    if not entries:
        return True
    if any(is_own_manifest(folder / name) for name in (MANIFEST, SWEEP_MANIFEST)):
        return True
    return all(e.name in HYDRA_START_FILES + ("FAILED", "sweep.lock", "calibration.lock")
               or (e.name == ".hydra" and e.is_dir() and not e.is_symlink())
               or (depth > 0 and e.is_dir() and not e.is_symlink() and is_own_folder(e, depth - 1))
               for e in entries)


def symlink_inside(folder: Path, depth: int = 2) -> Path | None:
    """A symbolic link among the folder's entries (and theirs, ``depth`` levels
    down): writing through one would land outside the folder."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return None
    for e in entries:
        if e.is_symlink():
            return e
        if depth > 1 and e.is_dir():
            found = symlink_inside(e, depth - 1)
            if found is not None:
                return found
    return None


def _inside(path: Path, tree: Path) -> bool:
    return path == tree or tree in path.parents


def resolve_out_dir(text: str | os.PathLike, key: str) -> Path:
    """The absolute folder a user named (``~`` expanded), or a ConfigError if
    it is empty or could not be an output folder of its own."""
    raw = str(text).strip()
    if not raw or raw in (".", "./"):
        raise ConfigError(key, str(text), _("must name an output folder of its own, e.g. runs/my_run"))
    if "\\" in raw or "${" in raw or re.search(r"[\x00-\x1f\x7f]", raw):
        raise ConfigError(key, str(text), _("an output folder's name must not contain \\, ${ or control characters"))
    path = Path(os.path.expanduser(raw)).resolve()  # symlinks followed: a link cannot smuggle a folder past the rules
    if any(len(part.encode()) > MAX_NAME_BYTES for part in path.parts):
        raise ConfigError(key, str(text), _("has a folder name longer than {max_name_bytes} bytes")
                                          .format(max_name_bytes=MAX_NAME_BYTES))
    home = Path(os.path.expanduser("~")).resolve()
    protected = {Path.cwd().resolve(): _("the working folder"), PROJECT_ROOT: _("the project folder"),
                 home: _("the home folder")}
    if len(path.parts) <= 2:
        raise ConfigError(key, str(text), _("is the file-system root or a folder straight under it; name a "
                                            "folder of its own, e.g. runs/my_run"))
    for place, label in protected.items():
        if _inside(place, path):
            raise ConfigError(key, str(text), _("is {label} or a folder above it; name a folder of its own, e.g. "
                                                "runs/my_run").format(label=label))
    if str(path) in ALLOWED_IN_SYSTEM_TREES:  # /var/tmp itself is shared by everyone: only a folder under it
        raise ConfigError(key, str(text), _("is a shared temporary folder; name a folder of its own under it, "
                                            "e.g. {path}/my_run").format(path=path))
    for tree in SYSTEM_TREES:
        if _inside(path, Path(tree)) and not any(_inside(path, Path(ok)) for ok in ALLOWED_IN_SYSTEM_TREES):
            raise ConfigError(key, str(text), _("lies in the system folder {tree}; write results elsewhere")
                                              .format(tree=tree))
    return path


# what marks each kind of output of ours, for folders whose manifest does not say (older outputs)
KIND_MARKERS = (("sweep", SWEEP_MANIFEST), ("run", "DONE"), ("run", "calls.parquet"), ("plan", "plan.json"),
                ("compare", "runs.parquet"), ("validate", "report.json"),
                ("calibration", "calibration.json"), ("calibration", "study.journal"))
# the kinds as a message names them (translated where shown)
KIND_WORDS = {"sweep": N_("sweep"), "run": N_("run"), "plan": N_("plan"), "compare": N_("compare"),
              "validate": N_("validate"), "calibration": N_("calibration")}


def output_kind(folder: Path) -> str | None:
    """What an output folder of ours holds (a run, a sweep, a comparison, a
    plan, a validation): its manifest's ``kind``, else its files; None if
    nothing says."""
    if (folder / SWEEP_MANIFEST).is_file():
        return "sweep"
    try:
        data = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("kind"), str):
        return data["kind"]
    return next((kind for kind, name in KIND_MARKERS if (folder / name).is_file()), None)


def check_out_dir(text: str | os.PathLike, key: str, overwrite: bool = False,
                  overwrite_key: str = "sim.overwrite=true", kind: str | None = None) -> Path:
    """``resolve_out_dir``, and if the folder exists, it must be a folder that
    holds nothing but this program's outputs (or the user said overwrite),
    and not another kind of output than ``kind`` (a comparison written over a
    finished run would delete its results)."""
    path = resolve_out_dir(text, key)
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("/"))
    if not existing.is_dir():
        raise ConfigError(key, str(text), _("is a file, not a folder") if existing == path
                                          else _("lies under a file, not a folder"))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(key, str(text), _("cannot be written: no permission in {existing}").format(existing=existing))
    if path.is_dir():
        link = symlink_inside(path)
        if link is not None:  # even with overwrite: the writes would follow it out of the folder
            raise ConfigError(key, str(text), _("holds a symbolic link ({value}); an output folder may not: "
                                                "choose another folder").format(value=link.relative_to(path)))
        if not overwrite and not is_own_folder(path):
            raise ConfigError(key, str(text), _("holds files this program did not write (no manifest.json); "
                                                "choose a new folder, or add {overwrite_key} to write into it "
                                                "anyway").format(overwrite_key=overwrite_key))
        held = output_kind(path) if kind is not None else None
        if held is not None and held != kind and not overwrite:
            raise ConfigError(key, str(text), _("holds a {held} of this program, not a {kind}: choose another "
                                                "folder (or add {overwrite_key} to replace it)")
                                              .format(held=_(KIND_WORDS[held]) if held in KIND_WORDS else held,
                                                      kind=_(KIND_WORDS[kind]) if kind in KIND_WORDS else kind,
                                                      overwrite_key=overwrite_key))
    return path


def unmark(folder: Path) -> None:
    """A folder about to be (re)written: no DONE or summary of an earlier run
    of ours stays to make it look finished, and our stale temporary files go
    (only in a folder with this program's manifest)."""
    for name in ("DONE", "summary.json", "summary.xlsx"):
        (folder / name).unlink(missing_ok=True)
    if is_own_manifest(folder / MANIFEST):
        remove_own_tmp(folder)
        for table in folder.glob("*.parquet"):  # a table's CSV copy (sim.output.run_workbook) would outlive
            copy = table.with_suffix(".csv")   # the table it copied if this run writes none (sim.workbook=false)
            if copy.is_file() and not copy.is_symlink():
                copy.unlink()
