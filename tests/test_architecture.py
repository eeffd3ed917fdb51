"""The design, checked: one-way layers ([tool.importlinter] in pyproject.toml),
no import cycles anywhere in sim/, small modules, a model that only wires."""
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 400  # issue 18
MAX_MODEL_LINES = 250


def test_layer_contracts_hold():
    proc = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                           "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_no_import_cycles():
    graph = grimp.build_graph("sim", exclude_type_checking_imports=True, cache_dir=None)
    g = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            g.add_edge(module, imported)
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert cycles == [], f"import cycles: {cycles}"


def test_cycle_check_would_see_a_cycle():
    g = nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c")])
    assert [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1] == [["a", "b"]]


def schema_modules() -> list[str]:
    """Every config schema: ``*_config.py`` anywhere in sim/, and the packages' ``config.py``."""
    paths = [*(ROOT / "sim").rglob("*_config.py"), *(p for p in (ROOT / "sim").rglob("config.py") if p.parent.name != "sim")]
    return sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for p in paths)


def test_schemas_import_only_shared_vocabulary():
    """A schema imports sim.core (roles, units, checks), other schemas (a
    vocabulary such as the service-time distributions), sim.i18n (its error
    messages in the user's language) and the standard library or numpy; never
    feature code, Hydra or OmegaConf."""
    graph = grimp.build_graph("sim", "hydra", "omegaconf", exclude_type_checking_imports=True, cache_dir=None)
    schemas = schema_modules()
    assert len(schemas) >= 12 and "sim.policing.calls_config" in schemas and "sim.plan.config" in schemas
    bad = {s: sorted(i for i in graph.find_modules_directly_imported_by(s)
                     if not i.startswith(("sim.core.", "sim.i18n")) and i not in schemas)
           for s in schemas}
    assert {s: i for s, i in bad.items() if i} == {}


def test_modules_are_small_and_the_model_only_wires():
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines())
             for p in (ROOT / "sim").rglob("*.py")}
    too_big = {p: n for p, n in sizes.items() if n > MAX_MODULE_LINES}
    assert too_big == {}, f"modules over {MAX_MODULE_LINES} lines: {too_big}"
    assert sizes["sim/model.py"] < MAX_MODEL_LINES
