"""Child process of the benchmarks: build and run one scenario on one core,
print its timings as JSON. A fresh process per repetition gives a clean heap
and a true peak-memory reading (``ru_maxrss``: the whole process, imports
included)."""
import json
import resource
import sys
import time

from benchmarks.measure import pin_to_one_core
from sim.compose.loader import load_config
from sim.model import CommunityPolicingModel


def scheduled_events(env) -> int | None:
    """Events SimPy scheduled so far (its private event counter; None if absent)."""
    counter = getattr(env, "_eid", None)
    return next(counter) if counter is not None else None


def main(overrides: list[str]) -> None:
    pin_to_one_core()
    cfg = load_config(["sim.progress=false", "sim.plots=false", *overrides])
    t0 = time.perf_counter()
    model = CommunityPolicingModel(cfg)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    print(json.dumps({
        "setup_s": t1 - t0, "run_s": t2 - t1, "total_s": t2 - t0,
        "calls": len(model.calls), "crimes": len(model.incidents),
        "residents": int(model.district.residents.sum()),
        "events": scheduled_events(model.env),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
