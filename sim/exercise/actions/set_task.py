"""Give a unit a standing task: follow the policy, wait at the post, hold
where it is, or patrol its office's area."""
from sim.exercise.kinds import Action, Param, REQUIRED, register
from sim.exercise.params import UNIT
from sim.i18n import N_, Translator

_ = Translator("exercise")

UNIT_TASKS = {  # task -> what the log says (marked here, translated where shown: task_label)
    "policy": N_("back to the policy"),
    "post": N_("wait at the post"),
    "hold": N_("hold where it is"),
    "patrol": N_("patrol the office area"),
}


def task_label(task: str) -> str:
    """A task's words in the current language (the page's menu, the log)."""
    return _(UNIT_TASKS[task]) if task in UNIT_TASKS else task


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
        return c.now_or_later(unit, task_label(task))
