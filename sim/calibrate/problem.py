"""A calibration problem read from a targets file (``targets=NAME`` for
conf/targets/NAME.yaml, or a path to a bureau's own YAML file): the
parameters to fit, with bounds and priors, and the targets, each a statistic
of runs with a published (or locally observed) value, its uncertainty and its
source. Plain data, checked field by field: a wrong key, type or range is a
one-line ``ConfigError`` naming ``targets.NAME.FIELD``. Nothing in the file
is executed; YAML tags are refused (safe loader)."""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from sim.calibrate.records import observed_rate
from sim.compose.conf_files import CONF_DIR, OPTION
from sim.core.checks import TEXT, ConfigError
from sim.i18n import Translator

_ = Translator("checks")

TARGETS_DIR = CONF_DIR / "targets"
MAX_BYTES = 1_000_000
STATISTICS = ("value", "difference", "ratio", "relative_change")  # two-arm ones compare treatment with baseline
PRIORS = ("uniform", "log_uniform", "normal")
Z95 = 1.959963984540054  # a 95% interval is value +- Z95 sd
KEY = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
NAME = re.compile(r"^[^\W\d][\w-]{0,59}$")  # letters of any script (目标名 too), digits, _ and -
# measures computed from a run's tables rather than read from summary.json (sim.calibrate.measures)
TABLE_MEASURES = {
    "knox_ratio": {"type": "burglary", "near_m": 200.0, "soon_days": 14.0},  # Johnson et al. 2007
    "calls_per_year": {"types": []},  # every type when empty
    "crimes_per_month": {},
}


@dataclass(frozen=True)
class Measure:
    """What one run gives a target: a summary.json key (optionally weighted
    by another, e.g. a share by the number of stops it is a share of), or a
    table measure with its arguments."""

    kind: str  # "summary" or a TABLE_MEASURES name
    key: str = ""
    weight_by: str = ""
    args: tuple = ()

    @property
    def id(self) -> str:
        return json.dumps([self.kind, self.key, self.weight_by, list(self.args)])


@dataclass
class Parameter:
    key: str
    low: float
    high: float
    prior: str = "uniform"
    mean: float | None = None  # normal prior
    sd: float | None = None
    integer: bool = False
    source: str = "assumption"

    def prior_density(self, x: float) -> float:
        """Up to a constant, over the bounds (the samplers' proposal is uniform
        in x, or in log x for a log-uniform prior)."""
        if self.prior == "normal":
            return math.exp(-0.5 * ((x - self.mean) / self.sd) ** 2)
        return 1.0


@dataclass
class Target:
    name: str
    statistic: str
    measure: Measure
    runs: list[str]
    baseline: list[str]
    treatment: list[str]
    value: float
    sd: float
    band: tuple[float, float]
    source: str
    claim: bool = False  # a reported claim, not a finding: shown, never fitted
    weight: float = 1.0
    observed: dict = field(default_factory=dict)  # local records the value was computed from

    @property
    def arms(self) -> dict[str, list[str]]:
        """The runs of this target: one arm for a value, two otherwise."""
        if self.statistic == "value":
            return {"run": self.runs + self.baseline}
        return {"baseline": self.runs + self.baseline, "treatment": self.runs + self.treatment}


@dataclass
class Problem:
    name: str
    path: str
    description: str
    parameters: list[Parameter]
    targets: list[Target]
    setup: dict = field(default_factory=dict)  # what else fixes the runs (base overrides, preset, seeds, design)

    @property
    def fitted(self) -> list[Target]:
        return [t for t in self.targets if not t.claim]

    def fingerprint(self) -> str:
        data = {"parameters": [asdict(p) for p in self.parameters],
                "targets": [{**asdict(t), "measure": asdict(t.measure)} for t in self.targets], "setup": self.setup}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def resolve(text: str) -> Path:
    """``NAME`` -> conf/targets/NAME.yaml; anything with a / or a .yaml ending is a file path."""
    if not text:
        raise ConfigError("targets", text, _("name a targets file: targets=literature (conf/targets/), or "
                                             "targets=path/to/file.yaml"))
    if OPTION.match(text) and not text.endswith((".yaml", ".yml")):
        path = TARGETS_DIR / f"{text}.yaml"
        if not path.is_file():
            known = sorted(p.stem for p in TARGETS_DIR.glob("*.yaml"))
            raise ConfigError("targets", text, _("unknown targets file; shipped: {items} (or give a path to a "
                                                 ".yaml file)").format(items=", ".join(known)))
        return path
    path = Path(text).expanduser()
    if path.suffix not in (".yaml", ".yml"):
        raise ConfigError("targets", text, _("must be a shipped name or a .yaml/.yml file"))
    if not path.is_file():
        raise ConfigError("targets", text, _("no such file"))
    return path.resolve()


def load_problem(text: str, base_cfg, config_keys) -> Problem:
    """Read and check a targets file against the run config ``base_cfg``.
    ``config_keys(key)``: "int"/"float" if a dotted key names a number of the
    run config (parameters must), else None."""
    path = resolve(text)
    if path.stat().st_size > MAX_BYTES:
        raise ConfigError("targets", str(path), _("is over {value} kB; a targets file is a short YAML list")
                                                .format(value=MAX_BYTES // 1000))
    try:
        data = _plain_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError("targets", str(path), _("is not plain YAML (UTF-8, no tags): {value}")
                                                .format(value=" ".join(str(exc).split())[:160])) from None
    if not isinstance(data, dict):
        raise ConfigError("targets", str(path), _("must be a mapping with parameters: and targets:"))
    _keys(data, "targets file", {"name", "description", "parameters", "targets"})
    params = data.get("parameters") or {}
    targets = data.get("targets") or {}
    if not isinstance(params, dict) or not params:
        raise ConfigError("parameters", params, _("must be a non-empty mapping: config key -> {low, high, prior}"))
    if not isinstance(targets, dict) or not targets:
        raise ConfigError("targets", str(path), _("targets: must be a non-empty mapping: name -> {statistic, ...}"))
    parameters = [_parameter(str(k), v, config_keys) for k, v in params.items()]
    parsed = [_target(str(k), v, path.parent, base_cfg) for k, v in targets.items()]
    for t in parsed:
        _check_types(t, base_cfg)
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            raise ConfigError(key, data[key], _("must be text"))
    if all(t.claim for t in parsed):
        raise ConfigError("targets", str(path), _("every target is a claim: at least one must be fitted (claim: "
                                                  "false)"))
    return Problem(name=one_line(data.get("name") or path.stem), path=str(path),
                   description=one_line(data.get("description") or ""), parameters=parameters, targets=parsed)


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML, and no anchors or aliases (a kilobyte of nested aliases expands
    to gigabytes) and no key twice in a mapping (the first would vanish unseen)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent) or getattr(self.peek_event(), "anchor", None):
            raise yaml.YAMLError("anchors and aliases (&, *) are not allowed")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.YAMLError(f"the key {key!r} appears twice in one mapping")
            seen.add(key)
        return super().construct_mapping(node, deep)


def _plain_yaml(text: str):
    return yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - a SafeLoader subclass


def one_line(text) -> str:
    """Text from a targets file as it may appear in a report, a table or a
    preset's comment: one line, no control characters, no table pipes."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", str(text)).split()).replace("|", "/")


def _check_types(t: Target, cfg) -> None:
    """Call types a measure names must be the run config's."""
    args = dict(t.measure.args)
    named = [args["type"]] if t.measure.kind == "knox_ratio" else list(args.get("types", ()))
    for name in named:
        if name not in cfg.calls:
            raise ConfigError(f"targets.{t.name}.measure.{t.measure.kind}", name,
                              _("not a call type of the run config; known: {items}")
                              .format(items=", ".join(sorted(cfg.calls))))


def _keys(node: dict, where: str, allowed: set) -> None:
    for key in node:
        if key not in allowed:
            raise ConfigError(f"{where}.{key}", node[key], _("unknown key; allowed: {items}")
                                                           .format(items=", ".join(sorted(allowed))))


def _number(where: str, value, lo: float = -math.inf, hi: float = math.inf) -> float:
    if isinstance(value, str):  # YAML 1.1 reads 1e-3 (no decimal point) as text
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(where, value, _("must be a finite number")) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(where, value, _("must be a finite number"))
    if not lo <= value <= hi:
        raise ConfigError(where, value, _("must be between {lo:g} and {hi:g}").format(lo=lo, hi=hi))
    return float(value)


def _overrides(where: str, value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(where, value, _("must be a list of overrides, e.g. [+experiment=hot_spots, sim.days=56]"))
    for v in value:
        if v != v.strip() or re.search(r"[\x00-\x1f\x7f]", v):
            raise ConfigError(where, one_line(v), _("an override has no surrounding spaces or control characters"))
        if v.lstrip("+").startswith("hydra") or v.startswith("~") or "=" not in v:
            raise ConfigError(where, v, _("must be key=value overrides of the run config (no hydra.*, no ~)"))
        if v.lstrip("+").startswith(("replicate=", "calibration=", "seed=")):
            raise ConfigError(where, v, _("is set by the calibration itself (replicates, candidates, seed)"))
        if v.lstrip("+").startswith(("calibrate.", "plan.", "target.")):
            raise ConfigError(where, v, _("sets the calibration's or the planner's own settings, not the runs'"))
    return value


def _parameter(key: str, spec, config_keys) -> Parameter:
    where = f"parameters.{key}"
    if not KEY.match(key):
        raise ConfigError(where, key, _("must be a dotted config key, e.g. crime.deterrence_per_guardian"))
    if not isinstance(spec, dict):
        raise ConfigError(where, spec, _("must be a mapping {low, high, prior, source}"))
    _keys(spec, where, {"low", "high", "prior", "mean", "sd", "integer", "source"})
    kind = config_keys(key)
    if kind is None:
        raise ConfigError(where, key, _("is not a number in the run config (see python -m sim --cfg job)"))
    if key.startswith(("calibrate.", "plan.", "target.", "sim.", "hydra.", "exercise.")) or key in ("seed", "replicate"):
        raise ConfigError(where, key, _("is not a model parameter (sim.*, plan.*, calibrate.* are run settings)"))
    low, high = _number(f"{where}.low", spec.get("low")), _number(f"{where}.high", spec.get("high"))
    if not low < high:
        raise ConfigError(f"{where}.high", high, _("must be above low ({low:g})").format(low=low))
    prior = spec.get("prior", "uniform")
    if prior not in PRIORS:
        raise ConfigError(f"{where}.prior", prior, _("allowed: {items}").format(items=", ".join(PRIORS)))
    if prior == "log_uniform" and low <= 0:
        raise ConfigError(f"{where}.low", low, _("must be above 0 for a log_uniform prior"))
    mean = sd = None
    if prior == "normal":
        mean = _number(f"{where}.mean", spec.get("mean"), low, high)
        sd = _number(f"{where}.sd", spec.get("sd"), 0)
        if sd <= 0:
            raise ConfigError(f"{where}.sd", sd, _("must be above 0"))
    integer = spec.get("integer", kind == "int")
    if not isinstance(integer, bool):
        raise ConfigError(f"{where}.integer", integer, _("must be true or false"))
    if kind == "int" and not integer:
        raise ConfigError(f"{where}.integer", integer, _("the config key holds a whole number: integer: true"))
    if integer and (low != int(low) or high != int(high)):
        raise ConfigError(f"{where}.low", low, _("an integer parameter has whole-number bounds"))
    return Parameter(key, low, high, prior, mean, sd, integer, one_line(spec.get("source", "assumption")))


def _measure(where: str, spec, weight_by) -> Measure:
    if weight_by is not None and (not isinstance(weight_by, str) or not NAME.match(weight_by)):
        raise ConfigError(f"{where}.weight_by", weight_by, _("must be a summary.json key"))
    if isinstance(spec, str):
        if spec in TABLE_MEASURES:
            spec = {spec: {}}
        else:
            if not NAME.match(spec):
                raise ConfigError(f"{where}.measure", spec, _("must be a summary.json key or one of {items}")
                                                            .format(items=", ".join(TABLE_MEASURES)))
            return Measure("summary", spec, weight_by or "")
    if not isinstance(spec, dict) or len(spec) != 1:
        raise ConfigError(f"{where}.measure", spec, _("must be a summary.json key, or {{NAME: {{args}}}} with "
                                                      "NAME one of {items}").format(items=", ".join(TABLE_MEASURES)))
    (kind, args), = spec.items()
    if kind not in TABLE_MEASURES:
        raise ConfigError(f"{where}.measure", kind, _("unknown measure; allowed: a summary.json key, {items}")
                                                    .format(items=", ".join(TABLE_MEASURES)))
    if weight_by:
        raise ConfigError(f"{where}.weight_by", weight_by, _("applies to summary keys only ({kind} weighs itself)")
                                                           .format(kind=kind))
    args = dict(args or {})
    _keys(args, f"{where}.measure.{kind}", set(TABLE_MEASURES[kind]))
    merged = {**TABLE_MEASURES[kind], **args}
    if kind == "knox_ratio":
        if not isinstance(merged["type"], str) or not merged["type"]:
            raise ConfigError(f"{where}.measure.knox_ratio.type", merged["type"], _("must be a call type name"))
        _number(f"{where}.measure.knox_ratio.near_m", merged["near_m"], 1, 100_000)
        _number(f"{where}.measure.knox_ratio.soon_days", merged["soon_days"], 0.01, 3650)
    if kind == "calls_per_year":
        types = merged["types"]
        types = [types] if isinstance(types, str) else types
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise ConfigError(f"{where}.measure.calls_per_year.types", merged["types"],
                              _("must be a list of call types"))
        merged["types"] = tuple(types)
    return Measure(kind, "", "", tuple(sorted(merged.items())))


def _target(name: str, spec, folder: Path, base_cfg) -> Target:
    where = f"targets.{name}"
    if not NAME.match(name):
        raise ConfigError(where, name, _("a target's name is letters, digits, _ and - (at most 60)"))
    if not isinstance(spec, dict):
        raise ConfigError(where, spec, _("must be a mapping {statistic, measure, value, sd|interval, source}"))
    _keys(spec, where, {"statistic", "measure", "weight_by", "runs", "baseline", "treatment", "value", "sd",
                        "interval", "source", "claim", "weight", "observed"})
    statistic = spec.get("statistic", "value")
    if statistic not in STATISTICS:
        raise ConfigError(f"{where}.statistic", statistic, _("allowed: {items}").format(items=", ".join(STATISTICS)))
    if "measure" not in spec:
        raise ConfigError(f"{where}.measure", TEXT, _("missing: a summary.json key (e.g. crimes_treated) or "
                                                      "{items}").format(items=", ".join(TABLE_MEASURES)))
    measure = _measure(where, spec["measure"], spec.get("weight_by"))
    runs = _overrides(f"{where}.runs", spec.get("runs"))
    baseline = _overrides(f"{where}.baseline", spec.get("baseline"))
    treatment = _overrides(f"{where}.treatment", spec.get("treatment"))
    if statistic == "value" and treatment:
        raise ConfigError(f"{where}.treatment", treatment, _("a value target has one arm: put its overrides in runs"))
    if statistic != "value" and not treatment:
        raise ConfigError(f"{where}.treatment", TEXT, _("missing: a {statistic} compares a treatment arm with "
                                                        "the baseline arm (overrides of each)")
                                                      .format(statistic=statistic))
    source = spec.get("source")
    if not isinstance(source, str) or not one_line(source):
        raise ConfigError(f"{where}.source", source, _("missing: where the value comes from (a paper, a seed "
                                                       "document, local records)"))
    observed = {}
    if "observed" in spec:
        if "value" in spec:
            raise ConfigError(f"{where}.value", spec["value"], _("give value or observed (local records), not both"))
        value, sd, observed = observed_rate(f"{where}.observed", spec["observed"], measure, folder, base_cfg)
    else:
        value = _number(f"{where}.value", spec.get("value"))
        sd = None
    if "interval" in spec:
        interval = spec["interval"]
        if not isinstance(interval, list) or len(interval) != 2:
            raise ConfigError(f"{where}.interval", interval, _("must be [low, high] (a 95% interval)"))
        lo, hi = (_number(f"{where}.interval", v) for v in interval)
        if not lo < hi or not lo <= value <= hi:
            raise ConfigError(f"{where}.interval", interval, _("must be [low, high] with low < high around the "
                                                               "value {value:g}").format(value=value))
        if "sd" in spec:
            raise ConfigError(f"{where}.sd", spec["sd"], _("give sd or interval, not both"))
        sd = (hi - lo) / (2 * Z95)
    elif "sd" in spec:
        sd = _number(f"{where}.sd", spec["sd"], 0)
        if sd <= 0:
            raise ConfigError(f"{where}.sd", sd, _("must be above 0"))
        lo, hi = value - Z95 * sd, value + Z95 * sd
    elif sd is not None:  # observed: Poisson counting error
        lo, hi = value - Z95 * sd, value + Z95 * sd
    else:
        raise ConfigError(f"{where}.sd", TEXT, _("missing: the target's uncertainty, sd: or interval: [low, high]"))
    claim = spec.get("claim", False)
    if not isinstance(claim, bool):
        raise ConfigError(f"{where}.claim", claim, _("must be true or false"))
    weight = _number(f"{where}.weight", spec.get("weight", 1.0), 0, 1000)
    return Target(name, statistic, measure, runs, baseline, treatment, value, sd, (lo, hi), one_line(source),
                  claim, weight, observed)
