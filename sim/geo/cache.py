"""The built-district cache: one ``<key>.npz`` per (files' contents, keys,
build version), in ``$SIM_CACHE_DIR`` or ``~/.cache/community-policing-sim/gis``.

Written atomically (a temporary file renamed), read without pickles; a
cache that cannot be written is skipped (the build is only slower), and a
file that does not load is rebuilt. Nothing else in the folder is touched.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from sim.geo import sources as S

BUILD_VERSION = 2  # bump when what a build holds or how it is made changes
_HASHES: dict[tuple, str] = {}  # (path, size, mtime) -> sha256: a process hashes a file once


def cache_dir() -> Path:
    env = os.environ.get("SIM_CACHE_DIR")
    if env:
        return Path(env).expanduser() / "gis"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "community-policing-sim" / "gis"


def _file_hash(path: Path) -> str:
    st = path.stat()
    memo = (str(path), st.st_size, st.st_mtime_ns)
    if memo not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _HASHES[memo] = h.hexdigest()
    return _HASHES[memo]


def cache_key(gis) -> str:
    """sha256 of the build version, every key of ``gis`` and the contents of every file it reads."""
    h = hashlib.sha256(f"v{BUILD_VERSION}".encode())
    h.update(json.dumps(dataclasses.asdict(gis), sort_keys=True, default=str).encode())
    for key in ("areas", "roads", "offices", "beats"):
        text = getattr(gis, key)
        if text is None:
            continue
        for path in S.input_files(S.resolve(f"district.gis.{key}", text)):
            h.update(path.name.encode())
            h.update(_file_hash(path).encode())
    return h.hexdigest()[:32]


def save(key: str, built) -> None:
    folder = cache_dir()
    arrays = {"info": np.array(json.dumps(built.info)), "offices": np.array(built.offices, dtype=np.int64),
              "residents": built.residents, "land_use": built.land_use}
    f = built.frame
    arrays["frame"] = np.array(json.dumps({k: getattr(f, k) for k in ("metric_crs", "source_crs", "x0", "y0",
                                                                      "cell_m", "width", "height")}))
    arrays["outline_wkb"] = np.frombuffer(f.outline_wkb, dtype=np.uint8)
    arrays["roads_wkb"] = np.frombuffer(f.roads_wkb, dtype=np.uint8)
    for name in ("node_xy", "edge_u", "edge_v", "edge_weight", "edge_length", "cell_node", "access_m", "beat_file"):
        value = getattr(built, name)
        if value is not None:
            arrays[name] = value
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".npz")
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)
        os.replace(tmp, folder / f"{key}.npz")
    except OSError:
        return  # no cache: the next run reads the files again


def load(key: str, build_cls, frame_cls):
    path = cache_dir() / f"{key}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["frame"]))
            frame = frame_cls(outline_wkb=z["outline_wkb"].tobytes(), roads_wkb=z["roads_wkb"].tobytes(), **meta)
            net = {name: (z[name] if name in z.files else None) for name in
                   ("node_xy", "edge_u", "edge_v", "edge_weight", "edge_length", "cell_node", "access_m",
                    "beat_file")}
            return build_cls(frame=frame, residents=z["residents"], land_use=z["land_use"],
                             offices=[tuple(int(v) for v in p) for p in z["offices"]], info=json.loads(str(z["info"])),
                             **net)
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        return None  # damaged, unreadable or from another version: built again
