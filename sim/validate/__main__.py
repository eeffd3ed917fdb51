"""``python -m sim.validate``: the published results the simulator must reproduce."""
import sys

from sim.validate.cli import main

sys.exit(main())
