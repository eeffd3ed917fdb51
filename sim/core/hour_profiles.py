"""Hour-of-day shapes of demand, by name (``calls.*.hour_profile``).

Shared vocabulary: the call schema checks names against it, background calls,
offenders and the service window draw from the shapes. Each shape has mean 1
over the day, so a rate keeps its meaning whatever the shape.
"""
import numpy as np

# Assumption: shaped on typical calls-for-service diurnal curves (low 03-06 h, evening peak for disorder).
_RAW_PROFILES = {
    "flat": [1.0] * 24,
    "day": [0.3, 0.2, 0.2, 0.2, 0.2, 0.3, 0.5, 0.8, 1.2, 1.5, 1.6, 1.6,
            1.5, 1.5, 1.6, 1.6, 1.6, 1.5, 1.4, 1.2, 1.0, 0.8, 0.6, 0.4],
    "evening": [0.9, 0.7, 0.5, 0.4, 0.3, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
                1.0, 1.0, 1.0, 1.1, 1.2, 1.4, 1.6, 1.8, 2.0, 2.0, 1.7, 1.3],
    "night": [1.8, 1.9, 2.0, 1.9, 1.6, 1.1, 0.6, 0.4, 0.4, 0.5, 0.6, 0.6,
              0.6, 0.6, 0.6, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.6, 1.7],
    "office_hours": [0.1] * 8 + [2.0] * 10 + [0.1] * 6,
}
HOUR_PROFILES = {k: np.array(v) / np.mean(v) for k, v in _RAW_PROFILES.items()}
