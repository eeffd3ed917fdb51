"""What a command line may ask of Hydra: choose the project's launchers and
sweepers, size them, name output folders; nothing that imports or runs code.

Hydra can call any Python callable from a config (``hydra.callbacks``,
``_target_``), import any module (``hydra.searchpath=[pkg://X]``), set
environment variables for the job (``hydra.job.env_set``), configure logging
with factories, and write its own files anywhere (``hydra.output_subdir``,
``hydra.job.name``). Command lines are copied between bureaus, so ``hydra.*``
overrides are checked against an allow-list *before* Hydra composes anything
(composing already imports ``pkg://`` search paths), and the composed
``hydra`` node is checked again afterwards (``check_composed``), which also
catches anything a config file managed to set.
"""
from __future__ import annotations

import fnmatch
import re

from sim.core.checks import TEXT, ConfigError
from sim.i18n import Translator

_ = Translator("checks")

# group choices a command line may make, with the options allowed
GROUP_CHOICES: dict[str, tuple[str, ...]] = {
    "hydra/launcher": ("local", "joblib", "ray", "submitit_local", "submitit_slurm"),
    "hydra/sweeper": ("resumable", "morris", "basic"),
    "hydra/job_logging": ("default", "disabled", "none", "stdout", "quiet"),
    "hydra/hydra_logging": ("default", "disabled", "none", "quiet"),
}
# the classes Hydra may instantiate: the project's sweepers and the launchers it pins
TARGETS = {
    "launcher": ("hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
                 "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
                 "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
                 "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"),
    "sweeper": ("hydra_plugins.cps_sweepers.sweepers.ResumableSweeper",
                "hydra_plugins.cps_sweepers.sweepers.MorrisSweeper",
                "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"),
}
# hydra.* keys a command line may set (fnmatch patterns); everything else under hydra is refused
ALLOWED_KEYS = (
    "hydra.run.dir", "hydra.sweep.dir", "hydra.job.name", "hydra.verbose",
    "hydra.job.config.override_dirname.exclude_keys",
    "hydra.job.config.override_dirname.kv_sep", "hydra.job.config.override_dirname.item_sep",
    "hydra.sweeper.trajectories", "hydra.sweeper.levels",
    "hydra.sweeper.seed", "hydra.sweeper.max_batch_size",
    # joblib (the default launcher)
    "hydra.launcher.n_jobs", "hydra.launcher.prefer", "hydra.launcher.verbose", "hydra.launcher.timeout",
    # Ray: where the cluster is and how big a task is (no runtime_env: it installs and runs code)
    "hydra.launcher.ray.init.address", "hydra.launcher.ray.init.num_cpus", "hydra.launcher.ray.init.num_gpus",
    "hydra.launcher.ray.init.object_store_memory", "hydra.launcher.ray.init.include_dashboard",
    "hydra.launcher.ray.init.namespace", "hydra.launcher.ray.init.log_to_driver",
    "hydra.launcher.ray.init.logging_level",
    "hydra.launcher.ray.remote.num_cpus", "hydra.launcher.ray.remote.num_gpus",
    "hydra.launcher.ray.remote.max_calls", "hydra.launcher.ray.remote.max_retries",
    "hydra.launcher.ray.remote.memory",
    # submitit / SLURM (no setup: it is shell commands; no submitit_folder: it is a path)
    "hydra.launcher.partition", "hydra.launcher.timeout_min", "hydra.launcher.cpus_per_task",
    "hydra.launcher.gpus_per_node", "hydra.launcher.tasks_per_node", "hydra.launcher.mem_gb",
    "hydra.launcher.nodes", "hydra.launcher.qos", "hydra.launcher.comment", "hydra.launcher.constraint",
    "hydra.launcher.exclude", "hydra.launcher.gres", "hydra.launcher.cpus_per_gpu",
    "hydra.launcher.gpus_per_task", "hydra.launcher.mem_per_gpu", "hydra.launcher.mem_per_cpu",
    "hydra.launcher.account", "hydra.launcher.array_parallelism", "hydra.launcher.max_num_timeout",
    "hydra.launcher.signal_delay_s", "hydra.launcher.stderr_to_stdout",
)
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")  # a file name part: no separators, no leading dot
NOW = re.compile(r"\$\{now:[^${}:]+\}")  # ${now:%Y-%m-%d}: the one resolver a folder name may use
CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # newlines and the like: they would break a line of a job script
LAUNCHER_TEXT = re.compile(r"^[\w .,:=+@/%\-]*$")  # what a launcher's text setting (a partition, ...) may hold
SHOWN_KEYS = ("hydra.run.dir", "hydra.sweep.dir", "hydra/launcher", "hydra/sweeper", "hydra.launcher.*",
              "hydra.sweeper.trajectories|levels|seed")


def is_hydra_override(text: str) -> bool:
    return text.lstrip("+~").startswith(("hydra.", "hydra/", "hydra=", "hydra@"))


def _allowed_text() -> str:
    return _("allowed: {items} (README, Safety)").format(items=", ".join(SHOWN_KEYS))


def check_overrides(texts: list[str]) -> None:
    """Refuse any ``hydra`` override outside the allow-list, before Hydra sees it."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    groups: set[str] = set()
    for text in texts:
        key_text, _eq, value_text = text.partition("=")
        if "@" in key_text:
            raise ConfigError(key_text, value_text, _("package overrides (@) are not allowed"))
        try:
            o = OverridesParser.create().parse_overrides([text])[0]
        except Exception as exc:  # noqa: BLE001 - Hydra's grammar errors are long and nested
            raise ConfigError(text, TEXT, _("cannot parse override: {value}")
                                          .format(value=str(exc).splitlines()[0])) from None
        key = o.key_or_group
        value = o.value() if not o.is_delete() else None
        if o.is_delete():
            raise ConfigError(key, value_text, _("cannot be deleted (~); set a value instead"))
        if "/" in key:
            allowed = GROUP_CHOICES.get(key)
            if allowed is None:
                choices = ", ".join(f"{g}={'|'.join(v)}" for g, v in GROUP_CHOICES.items())
                raise ConfigError(key, value_text, _("cannot be chosen on the command line; choices: {items}")
                                                   .format(items=choices))
            if o.is_sweep_override() or value not in allowed:
                raise ConfigError(key, value_text, _("unknown option; allowed: {items}")
                                                   .format(items=", ".join(allowed)))
            if key in groups:
                raise ConfigError(key, value_text, _("is chosen twice; choose one"))
            groups.add(key)
            continue
        if not any(fnmatch.fnmatchcase(key, pattern) for pattern in ALLOWED_KEYS) or "_target_" in key:
            raise ConfigError(key, value_text, _("cannot be set from a command line: it could run code or write "
                                                 "outside the run folder; {value}").format(value=_allowed_text()))
        if key == "hydra.sweeper.params" or key.startswith("hydra.sweeper.params."):
            raise ConfigError(key, value_text, _("on the command line a sweep is written key=a,b (or range(), "
                                                 "glob()); hydra.sweeper.params belongs in an experiment file "
                                                 "(conf/experiment/)"))
        if "${" in NOW.sub("", value_text):
            raise ConfigError(key, value_text, _("interpolations (${...}) are not allowed in hydra settings, "
                                                 "except ${now:FORMAT} in a folder name"))
        if CONTROL.search(value_text):
            raise ConfigError(key, value_text, _("must not contain control characters (newlines, tabs)"))
        if not _plain_value(value, key):
            raise ConfigError(key, value_text, _("must be a plain value (a number, a word, a list of them)"))
        if key.startswith("hydra.launcher.") and isinstance(value, str) and not LAUNCHER_TEXT.match(value):
            raise ConfigError(key, value_text, _("may hold letters, digits and _ .,:=+@/%- only"))
        if key == "hydra.job.name" and not NAME.match(str(value)):
            raise ConfigError(key, value_text, _("must be a plain name (letters, digits, _ . -), it names the "
                                                 "log file"))
        if key.endswith(("kv_sep", "item_sep")) and (not isinstance(value, str) or not value
                                                     or re.search(r"[/\\\x00]|\.\.", value)):
            raise ConfigError(key, value_text, _("must be a non-empty separator without / \\ or .."))


def _plain_value(value, key: str) -> bool:
    """Scalars, or lists of them."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return True
    if isinstance(value, list):
        return all(_plain_value(v, key) and not isinstance(v, (list, dict)) for v in value)
    return False


def interpolation_problem(text: str) -> str | None:
    """Why an override value's interpolation is refused: resolver calls (``${oc.env:...}``,
    nested ``${${x}:...}``) read the environment or build nodes; plain references are fine."""
    rest = NOW.sub("", text)
    start = rest.find("${")
    while start != -1:
        depth, k = 0, start
        while k < len(rest):
            if rest.startswith("${", k):
                depth += 1
                k += 2
                continue
            if rest[k] == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        inner = rest[start + 2:k]
        if ":" in inner or "${" in inner:
            return _("resolver interpolations (${name:...}) are not allowed")
        start = rest.find("${", k)
    return None


LOGGING_CLASSES = ("logging.StreamHandler", "logging.FileHandler", "logging.NullHandler", "logging.Formatter")


def check_composed(hcfg) -> None:
    """The composed ``hydra`` node runs nothing and writes only where it should,
    whatever set it (command line, experiment file or preset)."""
    from omegaconf import OmegaConf

    checks = (
        ("hydra.callbacks", not hcfg.get("callbacks"), _("must be empty: callbacks run arbitrary code")),
        ("hydra.searchpath", not hcfg.get("searchpath"), _("must be empty: search paths import modules")),
        ("hydra.job.env_set", not hcfg.job.get("env_set"), _("must be empty: it changes the environment of jobs")),
        ("hydra.output_subdir", hcfg.get("output_subdir") == ".hydra", _("must stay .hydra")),
        ("hydra.job.chdir", not hcfg.job.get("chdir"), _("must stay false")),
    )
    for key, ok, why in checks:
        if not ok:
            raise ConfigError(key, OmegaConf.to_container(hcfg, resolve=False).get(key.split(".")[1]), why)
    choices = hcfg.runtime.choices
    for group, option in choices.items():
        allowed = GROUP_CHOICES.get(group, (None,) if group == "hydra/callbacks" else ("default",))
        if group.startswith("hydra/") and option not in allowed:
            raise ConfigError(group, option, _("allowed: {items}").format(items=", ".join(str(a) for a in allowed)))
    for part, allowed in TARGETS.items():
        target = OmegaConf.select(hcfg, f"{part}._target_")
        if target not in allowed:
            raise ConfigError(f"hydra.{part}._target_", target, _("allowed: {items}").format(items=", ".join(allowed)))
        try:  # Hydra instantiates these nodes recursively: nothing below the top may name code
            node = OmegaConf.to_container(hcfg[part], resolve=True)
        except Exception as exc:  # noqa: BLE001 - an interpolation that does not resolve
            raise ConfigError(f"hydra.{part}", "...", _("cannot be resolved ({value})")
                                                      .format(value=' '.join(str(exc).split())[:100])) from None
        for where, key, value in _walk(node, f"hydra.{part}"):
            if key in ("_target_", "_args_", "_partial_", "_recursive_", "_convert_") and where != f"hydra.{part}._target_":
                raise ConfigError(where, value, _("configs may not name Python code to run"))
    for part in ("job_logging", "hydra_logging"):  # logging.config.dictConfig: "()" and "class" import code
        node = OmegaConf.to_container(hcfg[part], resolve=False)
        for where, key, value in _walk(node, f"hydra.{part}"):
            if key == "()" or (key == "class" and value not in LOGGING_CLASSES):
                raise ConfigError(where, value, _("logging may use only {items}")
                                                .format(items=", ".join(LOGGING_CLASSES)))
            if key == "filename" and value != "${hydra.runtime.output_dir}/${hydra.job.name}.log":
                raise ConfigError(where, value, _("the log file is the run folder's JOB.log"))
    if not NAME.match(str(hcfg.job.name)):
        raise ConfigError("hydra.job.name", str(hcfg.job.name), _("must be a plain name (letters, digits, _ . -)"))


def _walk(node, where: str):
    """(dotted key, key, value) of every entry below ``node`` (dicts and lists)."""
    if isinstance(node, dict):
        for k, v in node.items():
            path = f"{where}.{k}"
            yield path, k, v
            yield from _walk(v, path)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{where}[{i}]")
