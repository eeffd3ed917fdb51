"""A telecom-fraud wave (seed 003 §7.1): fraud attempts at several times the
usual rate; residents aware of the office's anti-fraud advice refuse."""
from sim.core.checks import ConfigError
from sim.core.units import MIN_PER_HOUR, MIN_PER_YEAR
from sim.exercise.kinds import Inject, Param, register
from sim.exercise.params import DURATION_H
from sim.i18n import Translator

_ = Translator("exercise")


@register("fraud_wave")
class FraudWave(Inject):
    menu_order = 6
    params = {
        "duration_h": DURATION_H.with_default(48.0),  # two days; assumption
        "rate_factor": Param(5.0, lo=1, hi=100),  # x the usual fraud rate; assumption
    }

    def __init__(self, controls):
        super().__init__(controls)
        self.refused = 0  # attempts that aware residents refused

    @classmethod
    def check_config(cls, cfg, values, where):
        if "fraud" not in cfg.calls:
            raise ConfigError(f"{where}.kind", cls.name, _("needs a 'fraud' call type in calls"))

    def apply(self, duration_h: float, rate_factor: float) -> str:
        """Fraud attempts on top of the usual ones, at (rate_factor - 1) x the
        configured fraud rate, on residents anywhere. A resident aware of the
        office's anti-fraud advice refuses (crime.awareness_efficacy); the rest
        are crimes, reported with the fraud type's report probability."""
        c, rng = self.controls, self.controls.inject_rng()
        m = c.model
        cfg = m.call_cfg["fraud"]
        residents = m.district.residents.ravel().astype(float)
        per_min = cfg.rate_per_1000_per_year * residents.sum() / 1000.0 / MIN_PER_YEAR * (rate_factor - 1.0)
        p = residents / residents.sum()
        end = c.now + duration_h * MIN_PER_HOUR
        efficacy = m.cfg.crime.awareness_efficacy
        aware_share = (m.crime.aware_share if m.crime is not None else
                       (m.community.aware_share if m.community is not None else (lambda flat: 0.0)))
        d = m.district

        def wave():
            while per_min > 0:
                gap = float(rng.exponential(1.0 / per_min))
                flat = int(rng.choice(len(p), p=p))
                u_refuse, u_report, u1, u2 = rng.random(4).tolist()
                delay = float(rng.exponential(m.cfg.crime.report_delay_mean_min))
                scene = c.scene_minutes(rng, "fraud")
                if c.now + gap >= end:
                    return
                yield m.env.timeout(gap)
                if u_refuse < aware_share(flat) * efficacy:
                    self.refused += 1
                    continue
                victim_id = m.residents.pick_id(flat, rng)
                victim = m.residents.agent(victim_id)
                m.residents.victimised[victim_id] += 1
                p_report = (cfg.report_prob if m.community is None
                            else m.community.report_prob(victim_id, cfg.report_prob))
                cx, cy = divmod(flat, d.height)
                m.record_incident("fraud", (cx + u1) * d.cell_size_m, (cy + u2) * d.cell_size_m, None, victim,
                                  0, bool(u_report < p_report), delay, scene, 1.0)

        m.env.process(wave())
        return _("fraud attempts at {rate_factor:g}x the usual rate for {duration_h:g} h").format(
            rate_factor=rate_factor, duration_h=duration_h)
