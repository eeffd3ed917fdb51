"""Per-call cost of the full model against a bare SimPy M/M/c queue fed the
same arrivals, side by side in one process on one core.

The full model runs its degenerate set-up (``+experiment=queueing_check``:
the real dispatcher, fleet, Mesa agents, records and recorder, with crime,
patrol and travel time off). The bare queue is the textbook SimPy program: a
source process, one process per customer, a ``simpy.Resource`` with c
servers. Both take the arrival and service times the model drew, so they
must give every call the same wait (FCFS, identical servers): the run checks
that before it reports a ratio. Repetitions alternate the order of the two.

``python -m benchmarks.per_call [--days D] [--repeats N] [--rate-per-hour L]
[--service-min S] [--servers C]`` prints one JSON line.
"""
from __future__ import annotations

import argparse
import gc
import json
import time

import numpy as np
import simpy

from benchmarks.measure import Result, child, median, pin_to_one_core, spread
from sim.compose.loader import load_config
from sim.model import CommunityPolicingModel


def bare_mmc(t_arrival_min: list[float], service_min: list[float], servers: int,
             horizon_min: float) -> np.ndarray:
    """Wait of each customer (NaN if not served by the horizon) in a plain
    SimPy M/M/c queue: the reference the model's per-call cost is held to."""
    env = simpy.Environment()
    counter = simpy.Resource(env, capacity=servers)
    waits = np.full(len(t_arrival_min), np.nan)

    def customer(k: int, service: float):
        arrived = env.now
        with counter.request() as turn:
            yield turn
            waits[k] = env.now - arrived
            yield env.timeout(service)

    def source():
        for k, (t, service) in enumerate(zip(t_arrival_min, service_min)):
            yield env.timeout(t - env.now)
            env.process(customer(k, service))

    env.process(source())
    env.run(until=horizon_min)
    return waits


def model_waits(model: CommunityPolicingModel) -> np.ndarray:
    return np.array([c.t_dispatch - c.t_arrival for c in model.calls])


def overrides(rate_per_hour: float, service_min: float, servers: int, days: float) -> list[str]:
    return ["+experiment=queueing_check", f"queueing.arrival_rate_per_hour={rate_per_hour}",
            f"queueing.service_mean_min={service_min}", f"queueing.servers={servers}",
            f"sim.days={days}", "sim.warmup_days=0", "sim.progress=false", "sim.plots=false"]


def compare(rate_per_hour: float, service_min: float, servers: int, days: float, repeats: int) -> dict:
    cfg = load_config(overrides(rate_per_hour, service_min, servers, days))
    reference = CommunityPolicingModel(cfg)  # its pre-drawn stream feeds both (untimed)
    t_arrival, service = reference.feed.stream.t_min.tolist(), reference.feed.stream.on_scene_min.tolist()
    horizon = reference.horizon_min
    full_us, bare_us, ratios = [], [], []
    for rep in range(repeats):
        timings = {}
        for which in (("full", "bare") if rep % 2 == 0 else ("bare", "full")):
            gc.collect()  # each starts from the same heap: the other's garbage is not its cost
            t0 = time.perf_counter()
            if which == "full":
                model = CommunityPolicingModel(cfg)
                model.run()
                timings[which] = time.perf_counter() - t0
                ours, made = model_waits(model), len(model.calls)
                del model
            else:
                waits = bare_mmc(t_arrival, service, servers, horizon)
                timings[which] = time.perf_counter() - t0
        n = len(t_arrival)
        if made != n:
            raise RuntimeError(f"the model made {made} calls, the stream has {n}")
        full_us.append(1e6 * timings["full"] / n)
        bare_us.append(1e6 * timings["bare"] / n)
        ratios.append(timings["full"] / timings["bare"])
    both = ~np.isnan(ours) & ~np.isnan(waits)
    max_diff = float(np.max(np.abs(ours[both] - waits[both]))) if both.any() else float("nan")
    if not max_diff < 1e-6:
        raise RuntimeError(f"the model and the bare queue disagree on waits (max difference {max_diff} min)")
    return {
        "calls": n, "servers": servers, "utilisation": rate_per_hour * service_min / 60.0 / servers,
        "full_us_per_call": median(full_us), "bare_us_per_call": median(bare_us),
        "ratio": median(ratios), "ratio_range": spread(ratios),
        "full_calls_per_s": 1e6 / median(full_us), "bare_calls_per_s": 1e6 / median(bare_us),
        "waits_compared": int(both.sum()), "max_wait_difference_min": max_diff,
        "mean_wait_min": float(np.mean(waits[both])),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rate-per-hour", type=float, default=27.0)
    ap.add_argument("--service-min", type=float, default=20.0)
    ap.add_argument("--servers", type=int, default=10)
    ap.add_argument("--days", type=float, default=60.0)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    pin_to_one_core()
    print(json.dumps(compare(args.rate_per_hour, args.service_min, args.servers, args.days, args.repeats)))


if __name__ == "__main__":
    main()


def run(repeats: int, days: float, log=print) -> list[Result]:
    """Suite 3 (called by ``python -m benchmarks``): one fresh child process."""
    r = child("per_call", ["--days", str(days), "--repeats", str(repeats)])
    log(f"per call: full {r['full_us_per_call']:.1f} us, bare {r['bare_us_per_call']:.1f} us, ratio {r['ratio']:.2f}")
    case = f"M/M/{r['servers']}, utilisation {r['utilisation']:.2f}, {r['calls']:,} calls"
    return [Result("per-call cost against bare SimPy", case, "full model / bare SimPy", r["ratio"], "x", 5.0,
                   detail={"full us per call": r["full_us_per_call"], "bare us per call": r["bare_us_per_call"],
                           "ratio range": "{:.2f}-{:.2f}".format(*r["ratio_range"]),
                           "waits identical": f"{r['waits_compared']:,} calls, max diff {r['max_wait_difference_min']:g} min"})]
