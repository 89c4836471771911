"""Simulator scenarios, format v1: people, documents, signatures, faults and a timeline.

A scenario is a YAML file (see resources/sim/README.md). The loader is strict on
purpose: QA edits these files by hand, so a typo must fail at start-up with the file,
the dotted key and a reason, never as a surprising device result later. It does not
check what the *application* checks (ID number checksum, expiry, region code): broken
cards have to reach the app so that the app can be seen rejecting them.
"""

from __future__ import annotations

import difflib
import enum
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from devices.camera.types import DocumentClass
from devices.errors import ScenarioError
from devices.id_reader.types import CardType

SPEC_VERSION = 1
LONG_TERM = "长期"  # printed on cards of people aged 46 and over: no expiry
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class FaultOperation(enum.StrEnum):
    """The one operation each simulated device performs (its base class's public call)."""

    READ_CARD = "read_card"  # id_reader
    CAPTURE = "capture"  # camera
    CAPTURE_SIGNATURE = "capture_signature"  # signature_pad
    PRINT = "print"  # printer
    CAPTURE_FINGERPRINT = "capture_fingerprint"  # fingerprint
    DECODE = "decode"  # barcode
    COMPARE_FACES = "compare_faces"  # face_matcher


class FaultKind(enum.StrEnum):
    TIMEOUT = "timeout"
    NO_CARD = "no_card"
    CARD_REMOVED = "card_removed"
    GARBAGE = "garbage"
    UNPLUGGED = "unplugged"
    LOW_QUALITY = "low_quality"
    CANCELLED = "cancelled"
    OUT_OF_PAPER = "out_of_paper"
    PAPER_JAM = "paper_jam"
    NO_FACE = "no_face"  # nobody (or no usable face) in the live image


# Which faults make sense for which operation: "card removed" during a signature is
# a scenario typo, and failing on it early saves QA a confusing session.
_COMMON_FAULTS = frozenset({FaultKind.TIMEOUT, FaultKind.GARBAGE, FaultKind.UNPLUGGED})
ALLOWED_FAULTS: dict[FaultOperation, frozenset[FaultKind]] = {
    FaultOperation.READ_CARD: _COMMON_FAULTS | {FaultKind.NO_CARD, FaultKind.CARD_REMOVED},
    FaultOperation.CAPTURE: _COMMON_FAULTS | {FaultKind.LOW_QUALITY},
    FaultOperation.CAPTURE_SIGNATURE: _COMMON_FAULTS | {FaultKind.CANCELLED},
    FaultOperation.PRINT: _COMMON_FAULTS | {FaultKind.OUT_OF_PAPER, FaultKind.PAPER_JAM},
    FaultOperation.CAPTURE_FINGERPRINT: _COMMON_FAULTS | {FaultKind.LOW_QUALITY},
    FaultOperation.DECODE: _COMMON_FAULTS,
    FaultOperation.COMPARE_FACES: _COMMON_FAULTS | {FaultKind.NO_FACE},
}


class SimDeviceKind(enum.StrEnum):
    """The devices a scenario drives; the values are the devices' `kind`s."""

    ID_READER = "id_reader"
    CAMERA = "camera"
    SIGNATURE_PAD = "signature_pad"
    PRINTER = "printer"
    FINGERPRINT = "fingerprint"
    BARCODE = "barcode"
    FACE_MATCHER = "face_matcher"


# The operation of each device: a fault under `printer:` must be a `print` fault.
DEVICE_OPERATIONS: dict[SimDeviceKind, FaultOperation] = {
    SimDeviceKind.ID_READER: FaultOperation.READ_CARD,
    SimDeviceKind.CAMERA: FaultOperation.CAPTURE,
    SimDeviceKind.SIGNATURE_PAD: FaultOperation.CAPTURE_SIGNATURE,
    SimDeviceKind.PRINTER: FaultOperation.PRINT,
    SimDeviceKind.FINGERPRINT: FaultOperation.CAPTURE_FINGERPRINT,
    SimDeviceKind.BARCODE: FaultOperation.DECODE,
    SimDeviceKind.FACE_MATCHER: FaultOperation.COMPARE_FACES,
}


class TimelineEvent(enum.StrEnum):
    """Things that happen to a device on their own, not in answer to a call."""

    CARD_INSERTED = "card_inserted"  # needs `person:`
    CARD_REMOVED = "card_removed"
    UNPLUGGED = "unplugged"
    REPLUGGED = "replugged"
    PAPER_OUT = "paper_out"
    PAPER_LOADED = "paper_loaded"
    DOCUMENT_SHOWN = "document_shown"  # needs `document:`


_HOT_PLUG = frozenset({TimelineEvent.UNPLUGGED, TimelineEvent.REPLUGGED})
ALLOWED_EVENTS: dict[SimDeviceKind, frozenset[TimelineEvent]] = {
    SimDeviceKind.ID_READER: _HOT_PLUG | {TimelineEvent.CARD_INSERTED, TimelineEvent.CARD_REMOVED},
    SimDeviceKind.CAMERA: _HOT_PLUG | {TimelineEvent.DOCUMENT_SHOWN},
    SimDeviceKind.SIGNATURE_PAD: _HOT_PLUG,
    SimDeviceKind.PRINTER: _HOT_PLUG | {TimelineEvent.PAPER_OUT, TimelineEvent.PAPER_LOADED},
    SimDeviceKind.FINGERPRINT: _HOT_PLUG,
    SimDeviceKind.BARCODE: _HOT_PLUG,
    SimDeviceKind.FACE_MATCHER: _HOT_PLUG,
}


class CentralOperation(enum.StrEnum):
    """Calls to the central registry, as the app groups them when applying `central.faults`."""

    ANY = "any"  # every call
    REGISTER = "register"  # calls that write: register, accept, complete, reissue, archive files
    LOOKUP = "lookup"  # calls that only read: active marriage, records, applications


class CentralFaultKind(enum.StrEnum):
    UNREACHABLE = "unreachable"  # the connection fails at once (after `delay_s`)
    TIMEOUT = "timeout"  # no answer: the call fails after `delay_s` (the app's timeout)


def check_fault_allowed(operation: FaultOperation, error: FaultKind) -> None:
    """Raises ValueError when `error` cannot happen during `operation`."""
    allowed = ALLOWED_FAULTS[operation]
    if error not in allowed:
        names = ", ".join(sorted(allowed))
        raise ValueError(
            f"error {error.value!r} cannot happen during {operation.value} (use one of: {names})"
        )


def check_event_allowed(device: SimDeviceKind | str, event: TimelineEvent) -> None:
    """Raises ValueError when `event` cannot happen to `device`."""
    allowed = ALLOWED_EVENTS[SimDeviceKind(device)]
    if event not in allowed:
        names = ", ".join(sorted(allowed))
        raise ValueError(f"a {device} has no event {event.value!r} (use one of: {names})")


# The argument each event needs; every other event takes none.
EVENT_ARGUMENT: dict[TimelineEvent, Literal["person", "document"]] = {
    TimelineEvent.CARD_INSERTED: "person",
    TimelineEvent.DOCUMENT_SHOWN: "document",
}


def _valid_to(value: Any) -> date | None:
    """`长期` (long-term) becomes None, as in IdentityRecord; otherwise a real date.

    A plain validator instead of a `date | Literal[...]` union keeps pydantic from
    reporting one error per union member with odd locations.
    """
    if value == LONG_TERM:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"expected a date (YYYY-MM-DD) or {LONG_TERM!r}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FaultSpec(_Model):
    operation: FaultOperation
    error: FaultKind
    times: int | None = Field(default=None, ge=1)
    probability: float | None = Field(default=None, ge=0.0, le=1.0)
    delay_s: float = Field(default=0.0, ge=0.0, le=600.0)

    @model_validator(mode="after")
    def _times_xor_probability(self) -> FaultSpec:
        if (self.times is None) == (self.probability is None):
            raise ValueError("give exactly one of 'times' or 'probability'")
        check_fault_allowed(self.operation, self.error)
        return self


class PersonSpec(_Model):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    sex: Literal["1", "2"]
    ethnicity: str = Field(pattern=r"^\d{2}$")
    birth_date: date
    address: str
    id_number: str = Field(min_length=1)
    issuing_authority: str
    valid_from: date
    valid_to: Annotated[date | None, PlainValidator(_valid_to)]
    nationality: str = "CHN"
    card_type: CardType = CardType.RESIDENT_ID
    photo: str | None = None


class IdReaderSpec(_Model):
    name: str = "模拟身份证阅读器"
    cards: list[str] = Field(default_factory=list)
    read_delay_s: float = Field(default=0.05, ge=0.0, le=60.0)
    faults: list[FaultSpec] = Field(default_factory=list)


class DocumentSpec(_Model):
    id: str = Field(min_length=1)
    # `class` is a Python keyword, hence the alias; loader errors still say "class".
    document_class: DocumentClass = Field(alias="class")
    image: str
    sharpness: float = Field(default=200.0, ge=0.0)
    # Whose face a `live_face` document shows (a people id), for the simulated face
    # matcher; left out, it shows a stranger, nobody in `people`.
    person: str | None = Field(default=None, min_length=1)


class CameraSpec(_Model):
    name: str = "模拟高拍仪"
    documents: list[DocumentSpec] = Field(default_factory=list)
    capture_delay_s: float = Field(default=0.05, ge=0.0, le=60.0)
    faults: list[FaultSpec] = Field(default_factory=list)


# One pen sample: x_mm, y_mm, t_ms since the stroke set began, pressure 0..1.
StrokePoint = tuple[float, float, Annotated[int, Field(ge=0)], Annotated[float, Field(ge=0.0, le=1.0)]]
Stroke = Annotated[list[StrokePoint], Field(min_length=1)]


class SignaturePadSpec(_Model):
    name: str = "模拟签批屏"
    width_mm: float = Field(default=120.0, gt=0.0, le=1000.0)
    height_mm: float = Field(default=60.0, gt=0.0, le=1000.0)
    sign_delay_s: float = Field(default=0.05, ge=0.0, le=60.0)
    signatures: dict[str, list[Stroke]] = Field(default_factory=dict)
    faults: list[FaultSpec] = Field(default_factory=list)


class PrinterSpec(_Model):
    name: str = "模拟打印机"
    print_delay_s: float = Field(default=0.05, ge=0.0, le=60.0)  # per job
    # Sheets in the tray; None: it never runs out (only faults and the timeline empty it).
    paper_sheets: int | None = Field(default=None, ge=0)
    faults: list[FaultSpec] = Field(default_factory=list)


class FingerprintSpec(_Model):
    name: str = "模拟指纹仪"
    capture_delay_s: float = Field(default=0.05, ge=0.0, le=60.0)
    quality: int = Field(default=80, ge=0, le=100)  # what a good capture reports, 0-100
    faults: list[FaultSpec] = Field(default_factory=list)


class BarcodeSpec(_Model):
    name: str = "模拟条码识别"
    decode_delay_s: float = Field(default=0.0, ge=0.0, le=60.0)
    faults: list[FaultSpec] = Field(default_factory=list)


class FaceMatcherSpec(_Model):
    """The simulated face check judges identity, not pixels: an image is known by its
    exact content (a person's card `photo`, a `live_face` document), and two images of
    one person lie `same_distance` apart, of two people `different_distance`. Either
    may be set across the threshold on purpose, to show a wrong verdict."""

    name: str = "模拟人脸比对"
    compare_delay_s: float = Field(default=0.05, ge=0.0, le=60.0)
    threshold: float = Field(default=0.6, gt=0.0, lt=2.0)
    same_distance: float = Field(default=0.35, ge=0.0, le=2.0)
    different_distance: float = Field(default=0.85, ge=0.0, le=2.0)
    faults: list[FaultSpec] = Field(default_factory=list)


class CentralFaultSpec(_Model):
    operation: CentralOperation
    error: CentralFaultKind
    times: int | None = Field(default=None, ge=1)
    probability: float | None = Field(default=None, ge=0.0, le=1.0)
    delay_s: float = Field(default=0.0, ge=0.0, le=600.0)

    @model_validator(mode="after")
    def _times_xor_probability(self) -> CentralFaultSpec:
        if (self.times is None) == (self.probability is None):
            raise ValueError("give exactly one of 'times' or 'probability'")
        return self


class CentralSpec(_Model):
    """Faults of the central registry. The devices do not use them: the app applies them
    to its central-store calls (see `devices.sim.common.CentralFaultTable`)."""

    faults: list[CentralFaultSpec] = Field(default_factory=list)


class SecondFactorTokenSpec(_Model):
    """A simulated USB key: issued to `operator_id`, unlocked with `pin`."""

    serial: str = Field(min_length=1)
    operator_id: str = Field(min_length=1)
    pin: str = Field(min_length=1)


class SecondFactorSpec(_Model):
    """Operators' second factor (#10), simulated: the app reads it when `[auth]
    second_factor = "sim:<this file>"`. `inserted` is the serial of the key in the port
    at start (None: no key); QA inserts and pulls keys from the app's sim backend."""

    tokens: list[SecondFactorTokenSpec] = Field(default_factory=list)
    inserted: str | None = None

    @model_validator(mode="after")
    def _inserted_is_a_token(self) -> SecondFactorSpec:
        serials = [token.serial for token in self.tokens]
        if len(set(serials)) != len(serials):
            raise ValueError("two tokens have the same serial")
        if self.inserted is not None and self.inserted not in serials:
            raise ValueError(f"inserted: no token with serial {self.inserted!r}")
        return self


class TimelineEntrySpec(_Model):
    """One spontaneous event: at `at_s` seconds after the device opened, or right after
    the device's `after_calls`-th operation (failed ones count)."""

    at_s: float | None = Field(default=None, ge=0.0, le=86_400.0)
    after_calls: int | None = Field(default=None, ge=1)
    device: SimDeviceKind
    event: TimelineEvent
    person: str | None = Field(default=None, min_length=1)
    document: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _at_xor_after(self) -> TimelineEntrySpec:
        if (self.at_s is None) == (self.after_calls is None):
            raise ValueError("give exactly one of 'at_s' or 'after_calls'")
        return self


class Scenario(_Model):
    spec: int
    description: str = ""
    seed: int = 0  # seeds the random faults (`probability:`) so QA runs repeat exactly
    people: list[PersonSpec] = Field(default_factory=list)
    id_reader: IdReaderSpec = Field(default_factory=IdReaderSpec)
    camera: CameraSpec = Field(default_factory=CameraSpec)
    signature_pad: SignaturePadSpec = Field(default_factory=SignaturePadSpec)
    printer: PrinterSpec = Field(default_factory=PrinterSpec)
    fingerprint: FingerprintSpec = Field(default_factory=FingerprintSpec)
    barcode: BarcodeSpec = Field(default_factory=BarcodeSpec)
    face_matcher: FaceMatcherSpec = Field(default_factory=FaceMatcherSpec)
    central: CentralSpec = Field(default_factory=CentralSpec)
    second_factor: SecondFactorSpec = Field(default_factory=SecondFactorSpec)
    timeline: list[TimelineEntrySpec] = Field(default_factory=list)

    _source: Path = PrivateAttr(default=Path("<memory>"))

    @property
    def source(self) -> Path:
        """The file this scenario was loaded from."""
        return self._source

    def resolve(self, relative: str) -> Path:
        """A path written in the scenario, taken relative to the scenario's folder."""
        return (self._source.parent / relative).resolve()

    def person(self, person_id: str) -> PersonSpec:
        for person in self.people:
            if person.id == person_id:
                return person
        raise KeyError(person_id)

    def document(self, document_id: str) -> DocumentSpec:
        for document in self.camera.documents:
            if document.id == document_id:
                return document
        raise KeyError(document_id)

    def faults_of(self, device: SimDeviceKind | str) -> list[FaultSpec]:
        """The fault table of one device section."""
        faults: list[FaultSpec] = getattr(self, SimDeviceKind(device).value).faults
        return faults

    def timeline_of(self, device: SimDeviceKind | str) -> list[TimelineEntrySpec]:
        """The timeline entries of one device, in file order."""
        kind = SimDeviceKind(device)
        return [entry for entry in self.timeline if entry.device == kind]


def read_yaml_file(path: Path) -> object:
    """The YAML document of a scenario-style file; ScenarioError(file, key, reason) when
    the file cannot be read or parsed (the line and column of a syntax error)."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ScenarioError(file, "(file)", "file not found") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(file, "(file)", f"cannot read the file: {error}") from error
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(file)"
        problem = getattr(error, "problem", None) or str(error)
        raise ScenarioError(file, where, f"YAML syntax error: {problem}") from error


def load_scenario(path: Path | str) -> Scenario:
    """Reads, validates and cross-checks a scenario file.

    Raises ScenarioError(file, key, reason) for anything wrong: the file, YAML syntax,
    the spec version, schema, references to unknown people or documents, image files.
    """
    path = Path(path)
    file = str(path)
    data = read_yaml_file(path)
    if not isinstance(data, dict):
        raise ScenarioError(file, "(top level)", "expected a mapping with 'spec: 1' and the sections")
    _check_spec_version(file, data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        key, reason = _describe(error)
        raise ScenarioError(file, key, reason) from error
    scenario._source = path.resolve()
    _cross_check(file, scenario)
    return scenario


def _check_spec_version(file: str, data: dict[Any, Any]) -> None:
    # Checked before the schema so that a file written for a newer format gets
    # "too new" rather than a list of unknown keys.
    if "spec" not in data:
        raise ScenarioError(file, "spec", f"required: the file must start with 'spec: {SPEC_VERSION}'")
    version = data["spec"]
    if isinstance(version, str) and version.strip().isdigit():
        version = int(version)  # pyvisa-sim writes spec: "1"; accept that spelling too
    if isinstance(version, bool) or not isinstance(version, int):
        raise ScenarioError(file, "spec", f"expected the number {SPEC_VERSION}, got {data['spec']!r}")
    if version > SPEC_VERSION:
        raise ScenarioError(
            file, "spec", f"version {version} is newer than this build supports ({SPEC_VERSION})"
        )
    if version != SPEC_VERSION:
        raise ScenarioError(file, "spec", f"unsupported version {version}; expected {SPEC_VERSION}")
    data["spec"] = version


def _dotted(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "(top level)"


def _all_field_names() -> list[str]:
    names: set[str] = set()
    models: list[type[BaseModel]] = [
        Scenario,
        PersonSpec,
        IdReaderSpec,
        DocumentSpec,
        CameraSpec,
        SignaturePadSpec,
        FaultSpec,
        PrinterSpec,
        FingerprintSpec,
        BarcodeSpec,
        FaceMatcherSpec,
        CentralSpec,
        CentralFaultSpec,
        SecondFactorSpec,
        SecondFactorTokenSpec,
        TimelineEntrySpec,
    ]
    for model in models:
        for name, field in model.model_fields.items():
            names.add(field.alias or name)
    return sorted(names)


def _describe(error: ValidationError) -> tuple[str, str]:
    """The first problem as (dotted key, short English reason).

    An unknown key wins over a missing one: a misspelt key causes both, and "did you
    mean" is the helpful message.
    """
    errors = error.errors()
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(first["loc"])
    kind = first["type"]
    if kind == "missing":
        return _dotted(loc), "required key is missing"
    if kind == "extra_forbidden":
        unknown = str(loc[-1]) if loc else ""
        close = difflib.get_close_matches(unknown, _all_field_names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return _dotted(loc), f"unknown key{hint}"
    if kind == "string_type":
        return _dotted(loc), f"expected text, got {first['input']!r} (put quotes around it)"
    reason = first["msg"].removeprefix("Value error, ")
    return _dotted(loc), reason


def _cross_check(file: str, scenario: Scenario) -> None:
    """What a schema cannot say: unique ids, references, files on disk, pen positions."""
    person_ids: set[str] = set()
    for index, person in enumerate(scenario.people):
        if person.id in person_ids:
            raise ScenarioError(file, f"people[{index}].id", f"duplicate person id {person.id!r}")
        person_ids.add(person.id)
        if person.photo is not None:
            _check_png(file, scenario, f"people[{index}].photo", person.photo)

    for index, card in enumerate(scenario.id_reader.cards):
        if card not in person_ids:
            raise ScenarioError(file, f"id_reader.cards[{index}]", f"unknown person id {card!r}")
    _check_faults(file, "id_reader", scenario.id_reader.faults, FaultOperation.READ_CARD)

    document_ids: set[str] = set()
    for index, document in enumerate(scenario.camera.documents):
        key = f"camera.documents[{index}]"
        if document.id in document_ids:
            raise ScenarioError(file, f"{key}.id", f"duplicate document id {document.id!r}")
        document_ids.add(document.id)
        _check_png(file, scenario, f"{key}.image", document.image)
        if document.person is not None:
            if document.document_class is not DocumentClass.LIVE_FACE:
                raise ScenarioError(
                    file, f"{key}.person", f"only a {DocumentClass.LIVE_FACE.value} document shows a person"
                )
            if document.person not in person_ids:
                raise ScenarioError(file, f"{key}.person", f"unknown person id {document.person!r} (not in people)")
    _check_faults(file, "camera", scenario.camera.faults, FaultOperation.CAPTURE)

    pad = scenario.signature_pad
    signers = person_ids | {person.name for person in scenario.people}
    for signer, strokes in pad.signatures.items():
        key = f"signature_pad.signatures.{signer}"
        if signer not in signers:
            raise ScenarioError(file, key, f"unknown person {signer!r} (use a person's id or name)")
        for s, stroke in enumerate(strokes):
            for p, (x, y, _t, _pressure) in enumerate(stroke):
                if not (0.0 <= x <= pad.width_mm and 0.0 <= y <= pad.height_mm):
                    raise ScenarioError(
                        file,
                        f"{key}[{s}][{p}]",
                        f"point ({x}, {y}) mm lies outside the {pad.width_mm} x {pad.height_mm} mm pad",
                    )
    for kind in (SimDeviceKind.PRINTER, SimDeviceKind.FINGERPRINT, SimDeviceKind.BARCODE, SimDeviceKind.FACE_MATCHER):
        _check_faults(file, kind.value, scenario.faults_of(kind), DEVICE_OPERATIONS[kind])
    _check_timeline(file, scenario.timeline, person_ids, document_ids)


def _check_timeline(
    file: str, timeline: list[TimelineEntrySpec], person_ids: set[str], document_ids: set[str]
) -> None:
    for index, entry in enumerate(timeline):
        key = f"timeline[{index}]"
        try:
            check_event_allowed(entry.device, entry.event)
        except ValueError as error:
            raise ScenarioError(file, f"{key}.event", str(error)) from None
        needed = EVENT_ARGUMENT.get(entry.event)
        arguments = (
            ("person", entry.person, person_ids, "people"),
            ("document", entry.document, document_ids, "camera.documents"),
        )
        for argument, value, known, section in arguments:
            if argument != needed and value is not None:
                raise ScenarioError(file, f"{key}.{argument}", f"{entry.event.value!r} takes no {argument}")
            if argument == needed and value is None:
                raise ScenarioError(file, f"{key}.{argument}", f"required for {entry.event.value!r}")
            if argument == needed and value not in known:
                raise ScenarioError(
                    file, f"{key}.{argument}", f"unknown {argument} id {value!r} (not in {section})"
                )


def _check_faults(file: str, section: str, faults: list[FaultSpec], operation: FaultOperation) -> None:
    for index, fault in enumerate(faults):
        if fault.operation != operation:
            raise ScenarioError(
                file,
                f"{section}.faults[{index}].operation",
                f"the {section} only performs {operation.value!r}, not {fault.operation.value!r}",
            )


def _check_png(file: str, scenario: Scenario, key: str, relative: str) -> None:
    path = scenario.resolve(relative)
    try:
        with path.open("rb") as handle:
            head = handle.read(len(PNG_MAGIC))
    except FileNotFoundError:
        raise ScenarioError(file, key, f"image file not found: {relative}") from None
    except OSError as error:
        raise ScenarioError(file, key, f"cannot read image file {relative}: {error.strerror}") from None
    if head != PNG_MAGIC:
        raise ScenarioError(file, key, f"not a PNG file: {relative}")
