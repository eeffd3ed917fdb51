"""Worker processes end when the process that launched them dies.

A sweep, a plan or a validation hands its jobs to worker processes (joblib's
loky workers, a local Ray cluster, a process pool). If the launching process
is killed (SIGKILL gives it no chance to clean up), those workers would carry
on, finish their jobs, and race a re-run for the same folders. So the
launcher names itself in an environment variable (``mark_parent``), which the
workers inherit, and each worker watches it (``watch_parent``): a daemon
thread checks twice a second that the same process (same PID *and* the same
start time, so a recycled PID does not fool it) is still alive, and ends the
worker at once if not. Jobs write atomically with ``DONE`` last, so a job cut
short leaves nothing that looks finished. Workers on other hosts (a Ray
cluster) are left alone: their cluster manages them.

Some processes a launcher starts run none of our code (a local Ray cluster's
agents, joblib's resource trackers): a guardian process (``start_guardian``)
notes them while the launcher lives and kills what is left when it dies.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

PARENT_ENV = "SIM_LAUNCHER_PROCESS"  # "pid:start_ticks:host" of the launching process
POLL_S = 0.5  # how often a worker checks; assumption (a killed sweep's workers end within about a second)
ORPHAN_EXIT_CODE = 70
_watching = False


def start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat field
    22), or None if there is no such process (or no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # after the command name, which may hold spaces
    if len(fields) < 20 or fields[0] == "Z":  # a zombie has died already
        return None
    return fields[19]


def mark_parent() -> None:
    """Name this process as the launcher of the workers it starts from now on."""
    ticks = start_ticks(os.getpid())
    if ticks is not None:
        os.environ[PARENT_ENV] = f"{os.getpid()}:{ticks}:{socket.gethostname()}"


def watch_parent() -> None:
    """In a worker: end this process as soon as its launcher is gone (once per
    process; a no-op in the launcher itself and on other hosts)."""
    global _watching
    text = os.environ.get(PARENT_ENV, "")
    try:
        pid_text, ticks, host = text.split(":", 2)
        pid = int(pid_text)
    except ValueError:
        return
    if _watching or pid == os.getpid() or host != socket.gethostname():
        return
    if start_ticks(pid) != ticks:  # gone already: do not start the job at all
        os._exit(ORPHAN_EXIT_CODE)
    _watching = True
    threading.Thread(target=_watch, args=(pid, ticks), name="watch-launcher", daemon=True).start()


def _watch(pid: int, ticks: str) -> None:
    stop = threading.Event()
    while start_ticks(pid) == ticks:
        stop.wait(POLL_S)
    os._exit(ORPHAN_EXIT_CODE)


# --- the guardian: for processes the launcher starts that are not ours to patch ---------------
def start_guardian() -> subprocess.Popen | None:
    """Start a small process that watches this one and, when it dies (even by
    SIGKILL), kills every process it had started (a local Ray cluster's agents,
    submitit's job processes, joblib's resource trackers) that is still alive.
    It notes them twice a second, by PID and start time, while this process
    lives, so a later process that reuses a PID is never touched."""
    if start_ticks(os.getpid()) is None:
        return None  # no /proc: nothing to watch with
    return subprocess.Popen([sys.executable, "-m", "sim.core.orphans", str(os.getpid()), start_ticks(os.getpid())],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # not in the launcher's process group: Ctrl-C is the launcher's


def descendants(pid: int) -> dict[int, str]:
    """{pid: start ticks} of every process below ``pid``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read().decode(errors="replace")
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2:].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = {}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            ticks = start_ticks(child)
            if ticks is not None:
                out[child] = ticks
                todo.append(child)
    return out


def guard(pid: int, ticks: str) -> None:
    """The guardian's loop (``python -m sim.core.orphans PID TICKS``)."""
    me, seen = os.getpid(), {}
    while start_ticks(pid) == ticks:
        seen.update(descendants(pid))
        seen = {p: t for p, t in seen.items() if start_ticks(p) == t}
        time.sleep(POLL_S)
    for p, t in seen.items():
        if p != me and start_ticks(p) == t:
            try:
                os.kill(p, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


if __name__ == "__main__":
    guard(int(sys.argv[1]), sys.argv[2])
