"""Studies over many runs: sweeps (resume, lock, monitor, records of how they
ended) and Morris sensitivity screening. ``sim.compare`` reads their folders."""
