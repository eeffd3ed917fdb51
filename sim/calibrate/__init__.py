"""Calibration (python -m sim.calibrate, issue 21): model parameters fitted to
published or local targets, with a best fit (Optuna TPE), a posterior
(importance-weighted Sobol exploration) and a ready preset
(conf/calibration/NAME.yaml)."""
