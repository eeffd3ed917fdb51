"""What a run hands to people: provenance (manifest, DONE, config hash, run
folders), the KPI and cost summary, the run's figures. Imports only ``sim.core``."""
