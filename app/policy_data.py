"""Loads the rules engine's data from resources/: policy tables, holiday calendar,
region codes. The rules themselves stay pure; this is their only I/O."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from app.config import Config
from app.holiday_data import load_holiday_calendar
from app.resources import region_codes, resources_dir
from app.rules.engine import RulesContext
from app.rules.policy import (
    BusinessGroup,
    DocumentTable,
    Era,
    IntraProvinceScheme,
    Pilot,
    PilotArea,
    PolicyEra,
    PolicyTables,
    ResidencePermitScope,
    RuleSettings,
)

POLICY_FILE = Path("rules") / "policy.yaml"


class PolicyDataError(ValueError):
    """The shipped policy file is damaged: names the file and the key."""


def _get(node: Any, key: str, path: str) -> Any:
    if not isinstance(node, dict) or key not in node:
        raise PolicyDataError(f"{path}.{key}: missing")
    return node[key]


def _date(value: Any, path: str) -> date:
    if not isinstance(value, date):
        raise PolicyDataError(f"{path}: not a date: {value!r}")
    return value


def parse_policy(data: Any, source: str) -> PolicyTables:
    try:
        if _get(data, "spec", source) != 1:
            raise PolicyDataError(f"{source}.spec: only spec 1 is understood")
        eras = tuple(
            PolicyEra(
                Era(_get(e, "id", f"eras[{i}]")),
                _date(_get(e, "from", f"eras[{i}]"), f"eras[{i}].from"),
                str(_get(e, "citation", f"eras[{i}]")),
            )
            for i, e in enumerate(_get(data, "eras", source))
        )
        pilots = tuple(
            Pilot(
                pilot_id=str(_get(p, "id", f"pilots[{i}]")),
                start=_date(_get(p, "from", f"pilots[{i}]"), f"pilots[{i}].from"),
                end=_date(_get(p, "to", f"pilots[{i}]"), f"pilots[{i}].to"),
                citation=str(_get(p, "citation", f"pilots[{i}]")),
                hukou_in_province_suffices=bool(_get(p, "hukou_in_province_suffices", f"pilots[{i}]")),
                areas=tuple(
                    PilotArea(
                        region=str(_get(a, "region", f"pilots[{i}].areas[{j}]")),
                        name=str(_get(a, "name", f"pilots[{i}].areas[{j}]")),
                        businesses=frozenset(
                            BusinessGroup(b) for b in _get(a, "businesses", f"pilots[{i}].areas[{j}]")
                        ),
                        city=bool(a.get("city", False)),
                    )
                    for j, a in enumerate(_get(p, "areas", f"pilots[{i}]"))
                ),
            )
            for i, p in enumerate(_get(data, "pilots", source))
        )
        schemes = tuple(
            IntraProvinceScheme(
                str(_get(s, "province", f"intra_province_schemes[{i}]")),
                str(_get(s, "name", f"intra_province_schemes[{i}]")),
                _date(_get(s, "from", f"intra_province_schemes[{i}]"), f"intra_province_schemes[{i}].from"),
            )
            for i, s in enumerate(_get(data, "intra_province_schemes", source))
        )
        docs = _get(data, "documents", source)
        documents = DocumentTable(
            identity={str(k): str(v) for k, v in _get(docs, "identity", "documents").items()},
            marriage_by_identity={str(k): tuple(v) for k, v in _get(docs, "marriage_by_identity", "documents").items()},
            hukou_booklet_until=_date(_get(docs, "hukou_booklet_until", "documents"), "documents.hukou_booklet_until"),
            business={str(k): tuple(v) for k, v in _get(docs, "business", "documents").items()},
        )
        municipalities = frozenset(str(m) for m in _get(data, "municipalities", source))
    except (TypeError, AttributeError, ValueError) as error:
        if isinstance(error, PolicyDataError):
            raise PolicyDataError(f"{source}: {error}") from None
        raise PolicyDataError(f"{source}: {error}") from error
    if not eras or sorted(eras, key=lambda e: e.effective_from) != list(eras):
        raise PolicyDataError(f"{source}: eras must be listed in date order")
    return PolicyTables(eras, pilots, schemes, municipalities, documents)


@cache
def load_policy(path: Path | None = None) -> PolicyTables:
    file = path or resources_dir() / POLICY_FILE
    with file.open(encoding="utf-8") as handle:
        return parse_policy(yaml.safe_load(handle), str(file))


def rule_settings(config: Config) -> RuleSettings:
    rules = config.rules
    return RuleSettings(
        age_attained_on_birthday=rules.age_attained_on_birthday,
        residence_permit_scope=ResidencePermitScope(rules.residence_permit_scope),
        weekends_are_rest_days=rules.weekends_are_rest_days,
        intra_province_schemes=frozenset(rules.intra_province_schemes),
        face_check_required=rules.face_check_required,
    )


def rules_context(config: Config) -> RulesContext:
    settings = rule_settings(config)
    return RulesContext(
        policy=load_policy(),
        calendar=load_holiday_calendar(weekends_are_rest_days=settings.weekends_are_rest_days),
        settings=settings,
        region_codes=region_codes(),
    )
