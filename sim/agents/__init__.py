"""Mesa agents: behaviour only. They never build subsystems or write files."""
from sim.agents.offender import Offender
from sim.agents.resident import Resident
from sim.agents.staff import STAFF_CLASSES, Auxiliary, GridWorker, Officer, StaffAgent, Volunteer

__all__ = ["Auxiliary", "GridWorker", "Offender", "Officer", "Resident", "STAFF_CLASSES",
           "StaffAgent", "Volunteer"]
