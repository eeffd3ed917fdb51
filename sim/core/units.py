"""Time units. The clock runs in minutes (one ``simpy.Environment``)."""
MIN_PER_HOUR = 60.0
MIN_PER_DAY = 1440.0
DAYS_PER_WEEK = 7.0
MIN_PER_WEEK = DAYS_PER_WEEK * MIN_PER_DAY
DAYS_PER_YEAR = 365.0  # a calendar year without leap days (rates are "per year")
MIN_PER_YEAR = DAYS_PER_YEAR * MIN_PER_DAY
