"""A serious incident (a fire, a crash, a landslide) that needs several units
on scene at once: one priority-1 call at a point; assumption."""
from sim.exercise.kinds import Inject, Param, register
from sim.exercise.params import X_M, Y_M
from sim.i18n import Translator

_ = Translator("exercise")

MAJOR_INCIDENT_ROLES = ["officer", "auxiliary"]  # who can work a major incident scene; assumption


@register("major_incident")
class MajorIncident(Inject):
    menu_order = 1
    params = {
        "x_m": X_M,
        "y_m": Y_M,
        "units": Param(4, lo=1, hi=50),  # units needed on scene at once; assumption
        "on_scene_min": Param(180.0, lo=1, hi=2880),  # minutes the scene takes; assumption
    }

    def __init__(self, controls):
        super().__init__(controls)
        # the call type exists from the start, so every run of an exercise has the same call kinds
        self.roles_mask = controls.model.register_call_kind("major_incident", 1, False, MAJOR_INCIDENT_ROLES)

    def apply(self, x_m: float, y_m: float, units: int, on_scene_min: float) -> str:
        call = self.controls.model.new_call("major_incident", float(x_m), float(y_m), float(on_scene_min), "inject",
                                            needs=[self.roles_mask] * int(units))
        return _("call {call_id}: {units} units needed at ({x_m:.0f}, {y_m:.0f}) m for {on_scene_min:g} min").format(
            call_id=call.call_id, units=units, x_m=x_m, y_m=y_m, on_scene_min=on_scene_min)
