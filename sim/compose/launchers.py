"""The launchers' own settings, checked before a sweep starts any job.

Hydra's launchers check their settings only when they launch, after the sweep
folder exists, and report a mistake as a traceback (``n_jobs=0`` in joblib,
an unreachable Ray address after a long wait). Here the settings a user may
give (sim.compose.hydra_guard) are checked in one line each, and a Ray cluster
address is tried with a short TCP connection first.

The Ray launcher also needs one fix: it always passes ``object_store_memory``
to ``ray.init`` (75 MB, for a local cluster), which Ray refuses when
connecting to an existing cluster. With an address given, the setting is
passed as null unless the user set it (``extra_overrides``).
"""
from __future__ import annotations

import os
import shutil
import socket

from omegaconf import OmegaConf

from sim.core.checks import ConfigError, _range, os_reason
from sim.i18n import Translator

_ = Translator("checks")

RAY_CONNECT_TIMEOUT_S = 5.0  # a cluster head that does not answer a TCP connection in this time is unreachable
MAX_WORKERS = 256  # joblib workers on one machine; assumption (far above any machine these sweeps run on)


def check(hcfg) -> None:
    launcher = str(OmegaConf.select(hcfg, "launcher._target_"))
    node = hcfg.launcher
    if launcher.endswith("JoblibLauncher"):
        n = node.n_jobs
        cores = os.cpu_count() or 1
        if not isinstance(n, int) or n == 0 or not -cores <= n <= MAX_WORKERS:
            raise ConfigError("hydra.launcher.n_jobs", n, _("must be a number of workers from 1 to "
                                                            "{max_workers}, or -1 for one per core (-2 for all "
                                                            "cores but one, ... down to -{cores})")
                                                          .format(max_workers=MAX_WORKERS, cores=cores))
        if node.timeout is not None:
            _range("hydra.launcher.timeout", node.timeout, 0, lo_open=True)
        if node.prefer not in ("processes", "threads"):
            raise ConfigError("hydra.launcher.prefer", node.prefer, _("allowed: processes, threads"))
    elif launcher.endswith("SlurmLauncher") and shutil.which("sbatch") is None:
        raise ConfigError("hydra/launcher", "submitit_slurm", _("needs SLURM's sbatch on this machine (run the "
                                                                "command on the cluster's login node); "
                                                                "submitit_local runs the same jobs here"))
    elif launcher.endswith("RayLauncher"):
        init = node.ray.init
        for key in ("num_cpus", "num_gpus"):
            value = init.get(key)
            if value is not None and (not isinstance(value, (int, float)) or value < 0):
                raise ConfigError(f"hydra.launcher.ray.init.{key}", value, _("must be a number >= 0"))
        address = init.get("address")
        if address is not None:
            for key in ("num_cpus", "num_gpus", "object_store_memory"):
                if init.get(key) is not None:
                    raise ConfigError(f"hydra.launcher.ray.init.{key}", init.get(key),
                                      _("sizes a local cluster; an existing cluster (ray.init.address) has its "
                                        "own size: leave it out"))
        if address not in (None, "auto", "local"):
            check_ray_address(str(address))


def check_ray_address(address: str) -> None:
    """A Ray head at HOST:PORT answers a TCP connection (else one line, not a
    long wait and a traceback from inside Ray)."""
    key = "hydra.launcher.ray.init.address"
    text = address.removeprefix("ray://")
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(key, address, _("must be HOST:PORT of a Ray head (e.g. 10.0.0.5:6379), or auto (the "
                                          "cluster on this machine)"))
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=RAY_CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise ConfigError(key, address, _("no Ray cluster answers there ({value}); start it with `ray start "
                                          "--head` or check the address").format(value=os_reason(exc))) from None


def extra_overrides(hcfg) -> list[str]:
    """Overrides to add to the sweep command for the launcher to work as the README says."""
    if not str(OmegaConf.select(hcfg, "launcher._target_")).endswith("RayLauncher"):
        return []
    init = hcfg.launcher.ray.init
    if init.get("address") is not None:
        # the plugin's default object store size makes Ray refuse to join an existing cluster
        return [] if "object_store_memory" in init else ["++hydra.launcher.ray.init.object_store_memory=null"]
    # a local cluster listens on this machine's loopback only, with no dashboard
    return ["++hydra.launcher.ray.init._node_ip_address=127.0.0.1", "++hydra.launcher.ray.init.include_dashboard=false"]


RAY_ENV = {
    "RAY_AUTH_MODE": "disabled",  # no auth token on a cluster of one's own (../shared/STACK.md)
    "RAY_DEDUP_LOGS": "0",  # every worker's log line
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # else Ray swaps 127.0.0.1 for the host's address
    "RAY_USAGE_STATS_ENABLED": "0",  # no usage report (the machine has no internet)
    # a head that answers TCP but not Ray (or stops answering) fails in about a minute, not 14 (20 x 41 s)
    "RAY_NUM_REDIS_GET_RETRIES": "3", "RAY_py_gcs_connect_timeout_s": "10",
    "RAY_gcs_rpc_server_connect_timeout_s": "5",
}


def environment(launcher: str) -> dict[str, str]:
    """Environment variables the launcher's processes need (a user's own setting wins)."""
    return RAY_ENV if launcher.endswith("RayLauncher") else {}
