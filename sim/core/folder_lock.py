"""One invocation per output folder at a time.

Two copies of the same sweep or calibration command would each run the same
work into the same files. The first takes an exclusive ``flock`` on a lock
file in the folder and writes its PID, host and start time there; a second
one is refused with one line naming that PID. The kernel drops the lock when
its holder dies (even by SIGKILL), so a lock left by a dead process is simply
taken over; the file itself stays (its content says who held it last).
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from sim.core.checks import ConfigError, os_reason
from sim.i18n import Translator

_ = Translator("checks")


class FolderLock:
    """``busy`` is the refusal's reason in the caller's words, a translated
    template filled with the holder's pid ({value}), host ({value2}) and
    start time ({value3})."""

    def __init__(self, folder: Path, file: str, key: str, busy: str):
        self.path = Path(folder) / file
        self.key, self.busy = key, busy
        self._fd: int | None = None

    def acquire(self) -> "FolderLock":
        """Take the lock or raise a ConfigError naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:  # never through a link: the lock record would overwrite whatever it points at
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            raise ConfigError(self.key, str(self.path.parent),
                              _("cannot hold its lock file ({value})").format(value=os_reason(exc))) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = self._holder(fd)
            os.close(fd)
            raise ConfigError(self.key, str(self.path.parent),
                              self.busy.format(value=holder.get("pid", "?"), value2=holder.get("host", "?"),
                                               value3=holder.get("started_utc", "?"))) from None
        record = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started_utc": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
        self._fd = fd
        return self

    @staticmethod
    def _holder(fd: int) -> dict:
        try:
            data = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError, UnicodeDecodeError):
            return {}

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
