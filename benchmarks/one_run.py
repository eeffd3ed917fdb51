"""Child process of the benchmark: build and run one scenario, print timings
as JSON. A fresh process per repetition gives a clean peak-memory reading."""
import json
import resource
import sys
import time

from sim.compose import load_config
from sim.model import CommunityPolicingModel


def main(overrides: list[str]) -> None:
    cfg = load_config(["sim.progress=false", "sim.plots=false", *overrides])
    t0 = time.perf_counter()
    model = CommunityPolicingModel(cfg)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    print(json.dumps({
        "setup_s": t1 - t0, "run_s": t2 - t1, "total_s": t2 - t0,
        "calls": len(model.calls), "crimes": len(model.incidents),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
