"""One invocation per sweep folder at a time (sim.core.folder_lock): a second
copy of the same sweep command would run every unfinished job again."""
from __future__ import annotations

from pathlib import Path

from sim.core.folder_lock import FolderLock
from sim.i18n import Translator

_ = Translator("reports")

LOCK_FILE = "sweep.lock"


class SweepLock(FolderLock):
    def __init__(self, folder: Path):
        super().__init__(folder, LOCK_FILE, "hydra.sweep.dir",
                         _("is in use by another sweep (process {value} on {value2}, since {value3}); wait "
                           "for it to end or stop it, then run the command again"))
