"""``python -m sim.compare SWEEP_DIR``: tables, intervals and figures for a sweep."""
import sys

from sim.compare.cli import main

sys.exit(main())
