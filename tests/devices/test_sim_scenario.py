"""Scenario loading: the happy path, and every kind of mistake naming file and key."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from devices.camera.types import DocumentClass
from devices.errors import ScenarioError
from devices.id_reader.types import CardType
from devices.sim.scenario import FaultKind, FaultOperation, load_scenario

FIXTURES = Path(__file__).parent / "fixtures"
WriteScenario = Callable[[dict[str, Any] | str], Path]


def test_small_scenario_loads(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    path = write_scenario(scenario_data)
    scenario = load_scenario(path)
    assert scenario.source == path.resolve()
    assert [p.id for p in scenario.people] == ["p1", "p2", "p3"]
    p1 = scenario.person("p1")
    assert p1.valid_to is None  # 长期
    assert p1.birth_date == date(1970, 1, 2)
    assert p1.nationality == "CHN" and p1.card_type is CardType.RESIDENT_ID
    assert scenario.person("p2").valid_to == date(2044, 1, 1)
    assert scenario.resolve("img/p1.png") == path.parent / "img" / "p1.png"
    assert scenario.document("joint").document_class is DocumentClass.JOINT_PHOTO
    assert scenario.document("joint").sharpness == 200  # default
    assert scenario.signature_pad.width_mm == 120 and scenario.signature_pad.height_mm == 60


def test_everything_but_spec_is_optional(write_scenario: WriteScenario) -> None:
    scenario = load_scenario(write_scenario("spec: 1\n"))
    assert scenario.people == []
    assert scenario.id_reader.read_delay_s == 0.05
    assert scenario.camera.documents == []


def test_spec_may_be_written_as_a_string(write_scenario: WriteScenario) -> None:
    assert load_scenario(write_scenario('spec: "1"\n')).spec == 1


def test_faults_load(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario_data["id_reader"]["faults"] = [
        {"operation": "read_card", "error": "card_removed", "times": 2},
        {"operation": "read_card", "error": "timeout", "probability": 0.25, "delay_s": 1.5},
    ]
    faults = load_scenario(write_scenario(scenario_data)).id_reader.faults
    assert faults[0].operation is FaultOperation.READ_CARD and faults[0].error is FaultKind.CARD_REMOVED
    assert faults[0].times == 2 and faults[0].probability is None
    assert faults[1].probability == 0.25 and faults[1].delay_s == 1.5


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation of the base scenario: sets (or deletes, with ...) one dotted key."""

    def mutate(data: dict[str, Any]) -> None:
        parts = [int(p) if p.isdigit() else p for p in re.split(r"\.|\[|\]\.?", path) if p != ""]
        node: Any = data
        for part in parts[:-1]:
            node = node[part]
        if value is ...:
            del node[parts[-1]]
        else:
            node[parts[-1]] = value

    return mutate


BROKEN: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("missing spec", _set("spec", ...), "spec", "required"),
    ("newer spec", _set("spec", 2), "spec", "newer than this build"),
    ("older spec", _set("spec", 0), "spec", "unsupported version"),
    ("spec not a number", _set("spec", "one"), "spec", "expected the number 1"),
    ("missing key", _set("people[1].id_number", ...), "people[1].id_number", "required key is missing"),
    ("typo in key", _set("people[0].nmae", "x"), "people[0].nmae", "did you mean 'name'"),
    ("unknown section", _set("scanner", {}), "scanner", "unknown key"),
    ("wrong type", _set("id_reader.read_delay_s", "fast"), "id_reader.read_delay_s", "valid number"),
    ("bad sex code", _set("people[0].sex", "3"), "people[0].sex", "'1' or '2'"),
    ("bad valid_to", _set("people[2].valid_to", "forever"), "people[2].valid_to", "长期"),
    ("bad card type", _set("people[2].card_type", "library_card"), "people[2].card_type", "resident_id"),
    ("number not quoted", _set("people[0].ethnicity", 1), "people[0].ethnicity", "quotes"),
    (
        "unknown card",
        _set("id_reader.cards[1]", "nobody"),
        "id_reader.cards[1]",
        "unknown person id 'nobody'",
    ),
    ("duplicate person", _set("people[1].id", "p1"), "people[1].id", "duplicate person id"),
    ("missing photo", _set("people[0].photo", "img/none.png"), "people[0].photo", "not found"),
    (
        "bad document class",
        _set("camera.documents[2].class", "selfie"),
        "camera.documents[2].class",
        "joint_photo",
    ),
    ("missing image", _set("camera.documents[0].image", "x.png"), "camera.documents[0].image", "not found"),
    ("duplicate document", _set("camera.documents[1].id", "front"), "camera.documents[1].id", "duplicate"),
    (
        "times and probability",
        _set(
            "id_reader.faults",
            [{"operation": "read_card", "error": "timeout", "times": 1, "probability": 0.5}],
        ),
        "id_reader.faults[0]",
        "exactly one of 'times' or 'probability'",
    ),
    (
        "neither times nor probability",
        _set("camera.faults", [{"operation": "capture", "error": "timeout"}]),
        "camera.faults[0]",
        "exactly one",
    ),
    (
        "probability above 1",
        _set("camera.faults", [{"operation": "capture", "error": "timeout", "probability": 1.5}]),
        "camera.faults[0].probability",
        "less than or equal to 1",
    ),
    (
        "fault of another device",
        _set("camera.faults", [{"operation": "read_card", "error": "timeout", "times": 1}]),
        "camera.faults[0].operation",
        "only performs 'capture'",
    ),
    (
        "fault impossible for the operation",
        _set("id_reader.faults", [{"operation": "read_card", "error": "low_quality", "times": 1}]),
        "id_reader.faults[0]",
        "cannot happen during read_card",
    ),
    (
        "unknown fault error",
        _set("id_reader.faults", [{"operation": "read_card", "error": "fire", "times": 1}]),
        "id_reader.faults[0].error",
        "timeout",
    ),
    (
        "unknown signer",
        _set("signature_pad.signatures.nobody", [[[1, 1, 0, 0.5]]]),
        "signature_pad.signatures.nobody",
        "unknown person",
    ),
    (
        "pen outside the pad",
        _set("signature_pad.signatures.p2", [[[1, 1, 0, 0.5], [130, 1, 5, 0.5]]]),
        "signature_pad.signatures.p2[0][1]",
        "outside",
    ),
    (
        "pressure above 1",
        _set("signature_pad.signatures.p2", [[[1, 1, 0, 1.5]]]),
        "signature_pad.signatures.p2[0][0][3]",
        "less than or equal to 1",
    ),
    (
        "empty stroke",
        _set("signature_pad.signatures.p2", [[]]),
        "signature_pad.signatures.p2[0]",
        "at least 1",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "key", "reason"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN]
)
def test_broken_scenario_names_file_key_and_reason(
    write_scenario: WriteScenario,
    scenario_data: dict[str, Any],
    mutate: Callable[[dict[str, Any]], None],
    key: str,
    reason: str,
) -> None:
    mutate(scenario_data)
    path = write_scenario(scenario_data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    error = caught.value
    assert error.params["file"] == str(path)
    assert error.params["key"] == key
    assert reason in str(error.params["reason"])
    assert error.code == "SIM-001" and not error.retryable
    assert f"at {key}:" in error.message


RAW_BROKEN = [
    ("syntax-error.yaml", "line 4, column 13", "mapping values are not allowed here"),
    ("newer-spec.yaml", "spec", "version 2 is newer"),
    ("top-level-list.yaml", "(top level)", "expected a mapping"),
    ("unquoted-id-number.yaml", "people[0].id_number", "put quotes around it"),
    ("unknown-card.yaml", "id_reader.cards[2]", "unknown person id 'bride9'"),
    ("missing-photo.yaml", "people[0].photo", "image file not found: no-such-photo.png"),
    ("not-a-png.yaml", "people[0].photo", "not a PNG file"),
]


@pytest.mark.parametrize(("name", "key", "reason"), RAW_BROKEN)
def test_broken_fixture_files(name: str, key: str, reason: str) -> None:
    path = FIXTURES / name
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.params == {
        "detail": "",
        "file": str(path),
        "key": key,
        "reason": caught.value.params["reason"],
    }
    assert reason in str(caught.value.params["reason"])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "absent.yaml")
    assert caught.value.params["key"] == "(file)"
    assert caught.value.params["reason"] == "file not found"


def test_readme_example_loads(tmp_path: Path, repo_root: Path) -> None:
    """The example in resources/sim/README.md stays a valid scenario."""
    readme = (repo_root / "resources" / "sim" / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", readme, re.DOTALL)
    assert example is not None
    shutil.copytree(repo_root / "resources" / "sim" / "assets", tmp_path / "assets")
    (tmp_path / "example.yaml").write_text(example.group(1), encoding="utf-8")
    scenario = load_scenario(tmp_path / "example.yaml")
    assert scenario.people[0].name == "李明轩"
    assert len(scenario.signature_pad.signatures["groom1"][0]) == 3
