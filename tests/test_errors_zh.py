"""A bad input's one-line error reads in Chinese with ``lang=zh`` (issue 22,
"user-facing CLI messages") and exactly as before without it: the same exit
code 2 and one line, the key and value as typed, no English left in the
explanation."""
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sim.compose.loader import command_line, load_run
from sim.core.checks import ConfigError
from sim.i18n import language
from sim.i18n.leftovers import ALLOWED, english_leftovers

ROOT = Path(__file__).resolve().parent.parent

# (command-line overrides, the English line as `python -m sim` printed it before issue 22); one per checker family
BAD = [
    (["district=atlantis"],
     "district='atlantis': unknown option; allowed: city, gis, helsinki, rural_mountain, urban_core"),
    (["sim.dayz=3"],
     "sim.dayz=3: unknown key; allowed: days, overwrite, plots, progress, record_every_min, tick_min, warmup_days, workbook"),
    (["sim.warmup_days=50"], "sim.warmup_days=50.0: must be < sim.days (28.0)"),
    (["hydra.run.dir=/"], "hydra.run.dir='/': is the file-system root or a folder straight under it; name a folder "
                          "of its own, e.g. runs/my_run"),
    (["calls_csv=/nonexistent.csv"], "calls_csv='/nonexistent.csv': cannot read the file (No such file or directory)"),
    (["exercise.file=/nonexistent/drill.yaml"], "exercise.file='/nonexistent/drill.yaml': cannot be read (No such file "
                                                "or directory); give the path of an exercise script (.yaml)"),
    (["~sim.days"], "'~sim.days': deleting a key (~) is not supported: set the value you want instead (every key has "
                    "a default)"),
    (["experiment=hot_spots"], "experiment='hot_spots': is not in the default config: write +experiment=hot_spots"),
    (["district=rural_mountain", "district.offices=2"], "district.offices=2: a rural district has exactly 1 office"),
    (["hydra.job.name=a/b"], "hydra.job.name='a/b': must be a plain name (letters, digits, _ . -), it names the log "
                             "file"),
    (["-x"], "'-x': unknown flag; allowed: -m, --multirun, -h, --help, --hydra-help, -c job, --cfg job"),
    (["calls.emergency.eligible_roles=[volunteer]"], "calls.emergency.eligible_roles=['volunteer']: volunteers and "
                                                     "grid workers are never sent to emergencies or violent calls"),
    (["dispatch.preference_lists.0=[99]"], "dispatch.preference_lists.0=[99]: the keys of dispatch.preference_lists "
                                           "are whole numbers: set the whole mapping, e.g. "
                                           "+dispatch.preference_lists={0: [1, 2]}"),
]
IDS = [" ".join(args) for args, _ in BAD]


# the rest of the inputs go through sim.__main__.main() in one fresh process: one start-up (~1 s) instead of one each
DRIVER = """
import contextlib, io, json, sys
import sim.__main__ as app
out = {}
for args in json.loads(sys.argv[1]):
    sys.argv = ["sim", "lang=zh", *args]
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            app.main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    out[" ".join(args)] = [code, err.getvalue()]
print(json.dumps(out))
"""
REAL = 1  # inputs given to `python -m sim lang=zh` itself


def _run(args: list[str]) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, "-m", "sim", "lang=zh", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    return proc.returncode, proc.stderr


def _run_rest(inputs: list[list[str]]) -> dict[str, tuple[int, str]]:
    proc = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(inputs)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return {k: tuple(v) for k, v in json.loads(proc.stdout).items()}


@pytest.fixture(scope="module")
def zh_runs() -> dict[str, tuple[int, str]]:
    """Every bad input with lang=zh: (exit code, stderr)."""
    with ThreadPoolExecutor(max_workers=REAL + 1) as pool:
        real = [pool.submit(_run, args) for args, _ in BAD[:REAL]]
        rest = pool.submit(_run_rest, [args for args, _ in BAD[REAL:]])
        runs = {IDS[i]: f.result() for i, f in enumerate(real)}
        runs.update(rest.result())
    return runs


def _typed(english: str) -> frozenset[str]:
    """The option and key names an English message lists after "allowed:" (what one types; they stay)."""
    listed = english.split("allowed: ", 1)[1] if "allowed: " in english else ""
    return frozenset(w.lower() for w in re.findall(r"[A-Za-z]+", listed))


def _explanation(line: str, key_value: str) -> str:
    """What the line says after ``PREFIX: key=value: `` (the key and value are what the user typed)."""
    return line.split(key_value + ": ", 1)[1]


@pytest.mark.slow  # zh_runs: a python -m sim process for each bad input
@pytest.mark.parametrize("args,english", BAD, ids=IDS)
def test_a_bad_input_is_explained_in_chinese_on_one_line(zh_runs, args, english):
    code, stderr = zh_runs[" ".join(args)]
    assert code == 2, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    line = lines[0]
    key_value = english.split(": ", 1)[0]
    assert line.startswith(f"配置错误: {key_value}: "), line  # the key and value as typed, untranslated
    why = _explanation(line, key_value)
    assert any("\u4e00" <= c <= "\u9fff" for c in why), line
    assert english_leftovers(why, allowed=ALLOWED | _typed(english)) == [], line
    assert why != _explanation("config error: " + english, key_value)


@pytest.mark.parametrize("args,english", BAD, ids=IDS)
def test_without_lang_the_message_is_the_english_one(args, english):
    """In-process, as ``python -m sim`` composes (sim.__main__.main), in the default language."""
    with language("en"), pytest.raises(ConfigError) as caught:
        _flags, overrides = command_line(args)
        load_run(overrides)
    assert str(caught.value) == english


def _schema_errors():
    """(name, schema, config path, English message): several schemas' own validate() messages."""
    from sim.community.config import WindowConfig
    from sim.config import SimConfig
    from sim.core.gis_config import GisConfig
    from sim.core.space_config import DistrictConfig
    from sim.output.cost_config import CostConfig
    from sim.plan.config import PlanConfig

    return [
        ("sim", SimConfig(days=28.0, warmup_days=40.0), "sim", "sim.warmup_days=40.0: must be < sim.days (28.0)"),
        ("district", DistrictConfig(travel="network"), "district",
         "district.travel='network': network travel follows a gis district's roads: use it with district.kind=gis "
         "(district=gis or district=helsinki)"),
        ("gis", GisConfig(areas="areas.gpkg"), "district.gis",
         "district.gis.population_field=None: name the areas' population field, or give population_total"),
        ("window", WindowConfig(open_h=18.0, close_h=8.0), "community.window",
         "community.window.close_h=8.0: must be > window.open_h (18.0)"),
        ("plan", PlanConfig(shift_starts_h=[0, 10, 16]), "plan", "plan.shift_starts_h=[0, 10, 16]: needs equal "
         "shifts covering the day (24 / count hours apart), e.g. [0, 8, 16]"),
        ("cost", CostConfig(included_staff={"officer": 1.5}), "cost",
         "cost.included_staff.officer=1.5: must be a whole number of people"),
    ]


@pytest.mark.parametrize("name,schema,path,english", _schema_errors(), ids=[c[0] for c in _schema_errors()])
def test_a_schemas_own_check_reads_in_both_languages(name, schema, path, english):
    messages = {}
    for lang in ("en", "zh"):
        with language(lang), pytest.raises(ConfigError) as caught:
            schema.validate(path)
        messages[lang] = str(caught.value)
    assert messages["en"] == english
    key_value = english.split(": ", 1)[0]
    why = _explanation(messages["zh"], key_value)
    assert any("\u4e00" <= c <= "\u9fff" for c in why) and english_leftovers(why) == [], messages["zh"]
