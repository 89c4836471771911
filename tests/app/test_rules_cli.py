"""`marriage-counter rules check`: JSON in, decision out, exit codes 0/1/2."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.domain.identity import citizen_check_char


def number(first17: str) -> str:
    return first17 + citizen_check_char(first17)


def party(first17: str, name: str, sex: str, birth: str, **extra: Any) -> dict[str, Any]:
    document = {"type": "resident_id", "number": number(first17), "name": name, "sex": sex,
                "birth_date": birth, "valid_from": "2015-01-01", "valid_to": "2035-01-01"}
    return {"document": document, "marital_status": "unmarried", **extra}


GROOM = party("62010219900101001", "张测", "male", "1990-01-01", hukou_region="620102",
              residence_permit={"region": "110105", "valid_to": "2024-06-30"})
BRIDE = party("62010219920202002", "李测", "female", "1992-02-02", hukou_region="620102")
MARRIAGE_2023 = {"business": "marriage", "date": "2023-07-15", "office": {"region": "110105", "kind": "mainland"},
                 "parties": [GROOM, BRIDE]}


def run(case: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any] | str]:
    file = tmp_path / "case.json"
    file.write_text(case if isinstance(case, str) else json.dumps(case, ensure_ascii=False), encoding="utf-8")
    code = main(["rules", "check", str(file)])
    out, err = capsys.readouterr()
    return code, json.loads(out) if code in (0, 1) else err


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARRIAGE_COUNTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("app.config.machine_config_path", lambda: tmp_path / "none.toml")
    monkeypatch.setattr("app.config.user_config_path", lambda: tmp_path / "none.toml")


def test_the_issue_example_is_accepted_under_the_2023_pilot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(MARRIAGE_2023, tmp_path, capsys)
    assert code == 0 and isinstance(out, dict)
    assert out["decision"] == "accept" and out["policy"] == "2023-cross-province-pilot" and out["failed"] == []
    assert out["documents_required"] == ["resident_id", "hukou_booklet", "residence_permit"]
    assert {r["rule"] for r in out["results"]} >= {"C-ID-1", "C-M-AGE", "C-M-SEX", "C-M-SPOUSE", "C-M-REG"}
    assert all(r["party"] in (0, 1, None) and r["message"] for r in out["results"])
    assert "dates" not in out


def test_permit_from_another_city_is_redirected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = copy.deepcopy(MARRIAGE_2023)
    case["parties"][0]["residence_permit"]["region"] = "310104"
    code, out = run(case, tmp_path, capsys)
    assert code == 1 and isinstance(out, dict)
    assert out["decision"] == "redirect" and out["failed"] == ["C-M-REG"]


def test_divorce_registration_reads_stdin_and_gives_dates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    husband = party("11010519900101001", "张测", "male", "1990-01-01", marital_status="married")
    wife = party("11010519920202002", "李测", "female", "1992-02-02", marital_status="married")
    case = {"business": "divorce_registration", "date": "2025-07-03", "office": {"region": "110105"},
            "parties": [husband, wife],
            "divorce_application": {"accepted_on": "2025-06-03", "office_region": "110105", "status": "pending"}}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(case)))
    code = main(["rules", "check", "-"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["decision"] == "wait" and out["failed"] == ["C-D-ISSUE"]
    assert out["dates"] == {"cooling_off_end": "2025-07-03", "issue_window_start": "2025-07-04",
                            "issue_window_end": "2025-08-04"}


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda c: c.update(date="2023-02-30"), "date"),
        (lambda c: c["office"].update(region="999999"), "office.region"),
        (lambda c: c["office"].update(region="11010"), "office.region"),
        (lambda c: c["parties"][0].update(hukou_region="990000"), "parties[0].hukou_region"),
        (lambda c: c["parties"][0]["document"].update(sex="M"), "parties[0].document.sex"),
        (lambda c: c["parties"][1]["document"].update(birth_date=19920202), "parties[1].document.birth_date"),
        (lambda c: c["parties"][0]["document"].update(type="driving_licence"), "parties[0].document.type"),
        (lambda c: c.update(colour="red"), "colour"),
        (lambda c: c["parties"][0].update(nickname="x"), "parties[0].nickname"),
        (lambda c: c.update(business="adoption"), "business"),
        (lambda c: c["parties"].pop(), "parties"),
        (lambda c: c.update(business="divorce_withdrawal"), "divorce_application"),
        (lambda c: c.pop("office"), "office"),
    ],
)
def test_invalid_input_names_the_key_and_exits_2(
    mutate: Any, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = copy.deepcopy(MARRIAGE_2023)
    mutate(case)
    code, err = run(case, tmp_path, capsys)
    assert code == 2 and isinstance(err, str)
    assert "[RUL-001]" in err and f"at {key}:" in err and "Traceback" not in err


@pytest.mark.parametrize("text", ["", "{", "[1, 2]", "null", "{\"business\": "])
def test_not_json_or_not_an_object_exits_2(text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(text, tmp_path, capsys)
    assert code == 2 and "[RUL-001]" in str(err)


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", str(tmp_path / "nope.json")]) == 2
    assert "nope.json" in capsys.readouterr().err


def test_a_passport_must_name_its_country(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = copy.deepcopy(MARRIAGE_2023)
    case["parties"][1]["document"].update(type="passport", number="E12345678")
    code, err = run(case, tmp_path, capsys)
    assert code == 2 and "at parties[1].document.nationality: required for a passport" in str(err)
