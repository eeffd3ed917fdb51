"""Mesa agents: behaviour only. They never build subsystems or write files."""
from sim.agents.offender import Offender, recruit_offenders
from sim.agents.resident import Resident
from sim.agents.staff import (STAFF_CLASSES, Auxiliary, GridWorker, Officer, StaffAgent, Volunteer, attend_mask,
                              make_staff)

__all__ = ["Auxiliary", "GridWorker", "Offender", "Officer", "Resident", "STAFF_CLASSES", "recruit_offenders",
           "StaffAgent", "Volunteer", "attend_mask", "make_staff"]
