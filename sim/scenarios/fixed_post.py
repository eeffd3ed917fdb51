"""Everyone waits at the office between calls: the counter-factual with no
preventive presence on the streets."""
from sim.scenarios.policy import DeploymentPolicy, register


@register("fixed_post")
class FixedPost(DeploymentPolicy):
    def next_leg(self, model, unit):
        return None  # wait at the post
