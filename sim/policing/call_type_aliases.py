"""Chinese call-type names in a bureau's 110 records, mapped to this project's
call types (sim/policing/calls_config.py), so ``calls_csv`` reads an export
without renaming its 类型 column first.

A name matches after removing every whitespace character (full-width spaces
too); English names keep matching case-insensitively (calls_csv_reader). Each
alias names a default call type; one whose type a config has removed is simply
unknown there. Categories are left out on purpose when no call type stands
for them, so their rows are skipped and reported, not folded into a wrong
type: traffic accidents (交通事故: the traffic police's, not the office's),
fires (火灾: the fire service's 119), and the 110 statistics' broad classes
(刑事 criminal, 治安 public order), each of which spans several types.

Sources: DOMAIN.md §7 (the 110 statistics' categories: disputes, help, ...);
the seed documents 000-004 (names used in them); the PRC Criminal Law's
offence names (art. 234 故意伤害, 263 抢劫, 264 盗窃 and 入户盗窃, 266 诈骗,
267 抢夺); the Anti-Telecom and Online Fraud Law (2022, 电信网络诈骗);
otherwise "assumption" with the reasoning beside the entry.
"""
from __future__ import annotations

CALL_TYPE_ALIASES: dict[str, str] = {
    # disputes: the 110 statistics' own category (DOMAIN §7, Huainan 2012: 纠纷 12,703); 矛盾纠纷 seeds 000, 002
    "纠纷": "dispute",
    "纠纷类": "dispute",  # the category as bureau exports name it (X类); assumption
    "矛盾纠纷": "dispute",  # seed 002 (矛盾纠纷联合调解)
    "民间纠纷": "dispute",  # assumption: the civil-dispute label of 110 classification codes
    "家庭纠纷": "dispute",  # assumption: family disputes, a sub-class of 纠纷
    "邻里纠纷": "dispute",  # assumption: neighbour disputes, a sub-class of 纠纷
    "糾紛": "dispute",  # traditional characters (seed 003 is written in them)
    # assumption: a noise complaint is a neighbour's grievance the office settles like a dispute
    # (the model has no noise type; its on-scene time and staff match a dispute's)
    "噪音扰民": "dispute",
    "噪声扰民": "dispute",
    # fights and domestic violence in progress: the emergency type's own description (calls_config.py)
    "打架斗殴": "emergency",
    "打架": "emergency",  # assumption: the short form of 打架斗殴
    "家庭暴力": "emergency",
    "家暴": "emergency",  # assumption: the short form of 家庭暴力
    "紧急警情": "emergency",  # seed 003 (緊急警情, "快速處理緊急警情")
    # one-click alarms of elderly residents living alone: seed 003 §1.2 (一鍵呼叫)
    "一键呼叫": "elderly_alarm",
    "一鍵呼叫": "elderly_alarm",  # seed 003's own (traditional) spelling
    "一键报警": "elderly_alarm",  # assumption: the same device as bureaus name it
    "老人求助": "elderly_alarm",  # assumption: a help call from an elderly resident is the alarm's case
    # thefts: Criminal Law art. 264 (盗窃); seeds 000-002
    "盗窃": "theft",
    "盗窃类": "theft",  # the category as bureau exports name it (X类); assumption
    "偷窃": "theft",  # assumption: the everyday word for 盗窃
    "扒窃": "theft",  # pickpocketing: art. 264 names it among thefts
    "盜竊": "theft",  # traditional characters (seed 003: 盜竊高發)
    # burglary: art. 264 names 入户盗窃 (theft entering a home) apart from other thefts
    "入户盗窃": "burglary",
    "入室盗窃": "burglary",  # assumption: the everyday form of 入户盗窃
    # fraud: art. 266 (诈骗); telecom fraud: seeds 000, 001 (电信诈骗), the Anti-Telecom and Online Fraud Law
    "诈骗": "fraud",
    "电信诈骗": "fraud",
    "电信网络诈骗": "fraud",
    "网络诈骗": "fraud",  # assumption: online fraud, the same non-contact crime
    "詐騙": "fraud",  # traditional characters (seed 003: 盜竊、詐騙等可防性案件)
    # robbery and snatching: arts. 263 (抢劫), 267 (抢夺); the model's robbery is street robbery
    "抢劫": "robbery",
    "抢夺": "robbery",
    "两抢": "robbery",  # assumption: police shorthand for 抢劫 + 抢夺
    # intentional injury: art. 234; the model makes assaults from escalated disputes: counted, not fitted
    "故意伤害": "assault",
    # help: the 110 statistics' 求助 category (DOMAIN §7, Huainan 2012: help 6,938); the model's
    # service requests (DOMAIN §3: handled in 10-15 min)
    "求助": "service_request",
    "求助类": "service_request",  # the category as bureau exports name it (X类); assumption
    "群众求助": "service_request",  # assumption: "help for the public", the same category
    "便民服务": "service_request",  # seed 001 (便民服务: household registration, advice)
    # hazards: seeds 000-002 (安全隐患联合治理)
    "安全隐患": "hazard_report",
    "隐患": "hazard_report",  # assumption: the short form of 安全隐患
    "隐患举报": "hazard_report",  # assumption: a hazard reported by a resident
    "消防隐患": "hazard_report",  # assumption: a fire hazard found (not a fire: that is 119's)
    # mediation: seeds 000-002 (矛盾调解); the model makes it from home visits: counted, not fitted
    "调解": "mediation",
    "矛盾调解": "mediation",
}


# Calls the 110 centre passes to another service: rows of these types are skipped quietly and counted
# (calls_csv's summary line), not reported as malformed rows (DOMAIN §7: 110 takes every call, the office
# answers its share; traffic accidents go to the traffic police (122), fires to the fire service (119)).
OTHER_SERVICES = frozenset({"交通事故", "交通", "道路交通事故", "火灾", "火警", "122", "119", "120",
                            "医疗急救", "急救"})


def alias_key(text: str) -> str:
    """How a type name is matched: every whitespace character removed, lower case."""
    return "".join(text.split()).lower()


def known_type_names(call_types) -> dict[str, str]:
    """Matching key -> call type, for the configured ``call_types`` (names):
    their own names (any case) and every alias of a type the config has."""
    known = {alias_key(name): name for name in call_types}
    for alias, target in CALL_TYPE_ALIASES.items():
        if target in call_types:
            known.setdefault(alias_key(alias), target)
    return known
