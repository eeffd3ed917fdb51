"""Give a unit a standing task: follow the policy, wait at the post, hold
where it is, or patrol its office's area."""
from sim.exercise.kinds import Action, Param, REQUIRED, register
from sim.exercise.params import UNIT

UNIT_TASKS = {  # task -> what the log says
    "policy": "back to the policy",
    "post": "wait at the post",
    "hold": "hold where it is",
    "patrol": "patrol the office area",
}


@register("set_task")
class SetTask(Action):
    menu_order = 2
    params = {"unit": UNIT, "task": Param(REQUIRED, choices=tuple(UNIT_TASKS))}

    def apply(self, unit: int, task: str) -> str:
        c = self.controls
        c.check_unit(unit)
        if task == "policy":
            c.orders.pop(unit, None)
        elif task == "hold":
            x, y = c.model.fleet.position_of(unit, c.now)
            c.orders[unit] = ("hold", x, y)
        else:
            c.orders[unit] = (task,)
        return c.now_or_later(unit, UNIT_TASKS[task])
