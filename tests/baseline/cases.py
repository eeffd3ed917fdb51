"""The baseline configurations: short runs of every preset and a few policies.

``./dev baseline`` writes one ``<case>.json`` per entry (the run's summary and
the hashes of its tables, whole files and column by column); the baseline test
re-runs them and names whatever moved. A refactor that changes no behaviour
leaves every file byte-identical; a deliberate change re-writes the baseline
and says why in its commit.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
COMMON = ("sim.progress=false", "sim.plots=false", "sim.days=5")

CASES: dict[str, tuple[str, ...]] = {
    # district presets (conf/district/)
    "urban_core": (),
    "city": ("district=city", "sim.days=2"),
    "rural_mountain": ("district=rural_mountain",),
    # staffing presets (conf/staffing/)
    "staffing_koban": ("staffing=koban",),
    "staffing_ministry_norm": ("staffing=ministry_norm",),
    "staffing_seed004_rural": ("district=rural_mountain", "staffing=seed004_rural"),
    "staffing_seed004_urban": ("staffing=seed004_urban",),
    "staffing_standard_station": ("staffing=standard_station",),
    # deployment policies (conf/policy/), dispatch rules, crime, levers
    "policy_hotspot": ("policy=hotspot", "sim.warmup_days=1"),
    "policy_beat_team": ("policy=beat", "dispatch=team"),
    "policy_cameras": ("policy=cameras",),
    "policy_elastic": ("policy=elastic",),
    "policy_home_visits": ("policy=home_visits", "district=rural_mountain"),
    "policy_joint_patrol": ("policy=joint_patrol", "dispatch=beat_first"),
    "policy_random_patrol": ("policy=random_patrol", "crime=mobile"),
    "policy_volunteer_night_patrol": ("policy=volunteer_night_patrol",),
    "lever_visits_volunteers": ("lever=visits_volunteers",),
    # the degenerate queueing set-up (VALIDATION.md) and a tabletop exercise
    "queueing_check": ("+experiment=queueing_check", "sim.days=3", "sim.warmup_days=1"),
    "exercise_festival_night": ("+exercise=festival_night",),
}

# written by the clock or the machine, not by the model
VOLATILE_FILES = {"manifest.json", "DONE", "sim.log"}
VOLATILE_KEYS = {"wall_seconds"}
VOLATILE_PROVENANCE = {"git_commit"}  # a workbook's provenance row naming the commit that wrote it


def overrides(case: str) -> list[str]:
    return [*COMMON, *CASES[case]]


def _column_hashes(path: Path) -> dict[str, str]:
    table = pq.read_table(path)
    out = {}
    for name in table.column_names:
        sink = io.BytesIO()
        with pa.ipc.new_stream(sink, table.select([name]).schema) as writer:
            writer.write_table(table.select([name]))
        out[name] = hashlib.sha256(sink.getvalue()).hexdigest()[:16]
    return out


def _sheet_hashes(path: Path) -> dict[str, str]:
    """A workbook's cell values, sheet by sheet (the bytes name the commit
    that wrote them, on the provenance sheet; that row is left out)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    out = {}
    for ws in book.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        if ws.title == "provenance":
            rows = [r for r in rows if not r or r[0] not in VOLATILE_PROVENANCE]
        out[ws.title] = hashlib.sha256(json.dumps(rows, default=str, ensure_ascii=False).encode()).hexdigest()[:16]
    book.close()
    return out


def _scrub(value):
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def fingerprint(out: Path) -> dict:
    """What a run wrote, minus the clock and the commit: JSON files as values,
    Parquet tables as file and column hashes, workbooks as sheet hashes,
    anything else as a file hash."""
    files: dict = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        if path.name in VOLATILE_FILES or rel.startswith(".hydra/"):
            continue
        entry = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest()[:16]}
        if path.suffix == ".json":
            entry = {"value": _scrub(json.loads(path.read_text()))}
        elif path.suffix == ".xlsx":
            entry = {"sheets": _sheet_hashes(path)}
        elif path.suffix == ".parquet":
            entry["rows"] = pq.ParquetFile(path).metadata.num_rows
            entry["columns"] = _column_hashes(path)
        files[rel] = entry
    return files


def run_case(case: str) -> dict:
    from sim.compose.loader import load_config
    from sim.output.provenance import config_hash
    from sim.run_any import run_any

    cfg = load_config(overrides(case))
    with tempfile.TemporaryDirectory(prefix="baseline-") as tmp:
        out = Path(tmp) / case
        run_any(cfg, out, overrides(case), progress=False)
        return {"overrides": overrides(case), "config_hash": config_hash(cfg),
                "config": json.loads(json.dumps(dataclasses.asdict(cfg))), "files": fingerprint(out)}


def differences(old, new, path: str = "") -> list[str]:
    """Every place where ``new`` differs from ``old``, one line each, what a
    reader looks at first first: summary values, then config keys, then the
    tables' hashes."""
    return sorted(_differences(old, new, path), key=_reading_order)


def _reading_order(line: str) -> int:
    if ".json.value." in line:
        return 0
    return 1 if line.startswith(("config.", "config_hash", "overrides")) else 2


def _differences(old, new, path: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in new:
                out.append(f"{where}: gone (was {old[key]!r:.80})")
            elif key not in old:
                out.append(f"{where}: new ({new[key]!r:.80})")
            else:
                out.extend(_differences(old[key], new[key], where))
        return out
    if old != new:
        return [f"{path}: {old!r:.80} -> {new!r:.80}"]
    return []
