"""Record and replay: a recorded session replays to the same results and call order.

Recorded against the simulated backends (and the real zxing-cpp decoder); personal
data pseudonymised unless kept.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import segno
import yaml
import zxingcpp
from PIL import Image

from devices.barcode.base import BarcodeDecoder
from devices.barcode.zxing import ZxingBarcodeDecoder
from devices.base import Device
from devices.camera.base import DocumentCamera
from devices.camera.sim import SimDocumentCamera
from devices.camera.types import CapturedImage, DocumentClass
from devices.errors import CorruptDataError, DeviceError, DeviceUnavailableError, ScenarioError
from devices.id_reader.base import IdReader
from devices.id_reader.sim import SimIdReader
from devices.id_reader.types import IdentityRecord
from devices.record import (
    CallRecord,
    Recording,
    RecordingSession,
    ReplayIdReader,
    ReplaySession,
    load_recording,
    open_replay,
    record,
    write_recording,
)
from devices.record.codec import DeviceRecord, ErrorInfo, files_folder
from devices.record.pseudonym import citizen_check_char, fake_id_number, shift_birth_day
from devices.signature_pad.base import SignaturePad
from devices.signature_pad.sim import SimSignaturePad
from devices.signature_pad.types import SignatureCapture
from devices.sim.scenario import Scenario
from devices.status import DeviceState, DeviceStatus

P1 = {"name": "测试甲", "id": "110101197001020011", "address": "北京市东城区某街1号", "birth": "1970-01-02"}
P2 = {"name": "测试乙", "id": "31010419980506002X", "address": "上海市徐汇区某路2号", "birth": "1998-05-06"}
RECEIPT = "LH110101-2026-000123"


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=4, border=4)
    return buffer.getvalue()


@dataclass
class Devices:
    reader: IdReader
    camera: DocumentCamera
    pad: SignaturePad
    barcode: BarcodeDecoder

    def close(self) -> None:
        for device in (self.reader, self.camera, self.pad, self.barcode):
            device.close()


Outcome = object  # a result dataclass / tuple, or (error class name, code, message)


def outcome(future: Future[Any]) -> Outcome:
    try:
        return future.result(timeout=10)
    except DeviceError as error:
        return (type(error).__name__, error.code, error.message)


def recorded_outcome(call: CallRecord) -> Outcome:
    if call.error is not None:
        error = call.error.to_error()
        return (type(error).__name__, error.code, error.message)
    return call.result


def run_session(devices: Devices, inject_fault: bool) -> list[Outcome]:
    """The script a counter would run: two cards (one read fails), photo, signature, QR."""
    outcomes: list[Outcome] = [outcome(devices.reader.read_card())]
    if inject_fault:  # only the live sim takes faults; the replay has it recorded
        inner = devices.reader.inner  # type: ignore[attr-defined]
        assert isinstance(inner, SimIdReader)
        inner.inject_fault("read_card", "garbage")
    outcomes.append(outcome(devices.reader.read_card()))
    second = devices.reader.read_card().result(timeout=10)
    outcomes.append(second)
    first = outcomes[0]
    assert isinstance(first, IdentityRecord)
    outcomes.append(outcome(devices.camera.capture(DocumentClass.JOINT_PHOTO)))
    declaration = f"本人{first.name}（公民身份号码{first.id_number}，住{first.address}）自愿结婚。"
    outcomes.append(outcome(devices.pad.capture_signature(first.name, declaration)))
    outcomes.append(outcome(devices.barcode.decode(qr_png(f"{RECEIPT} {second.id_number}"))))
    return outcomes


@pytest.fixture
def sim_devices(scenario: Scenario) -> Iterator[Devices]:
    devices = Devices(
        SimIdReader(scenario), SimDocumentCamera(scenario), SimSignaturePad(scenario), ZxingBarcodeDecoder()
    )
    yield devices
    devices.close()


def record_session(sim: Devices, path: Path, *, keep_personal_data: bool = False) -> tuple[list[Outcome], Devices]:
    session = RecordingSession(path, keep_personal_data=keep_personal_data, description="test session")
    wrapped = Devices(
        session.wrap(sim.reader), session.wrap(sim.camera), session.wrap(sim.pad), session.wrap(sim.barcode)
    )
    live = run_session(wrapped, inject_fault=True)
    wrapped.close()  # closes the sim devices too, and saves: the last one closed
    return live, wrapped


def replay_devices(path: Path, cache: dict[Path, ReplaySession], **options: Any) -> Devices:
    return Devices(
        open_replay("id_reader", path, session_cache=cache, speed=0, **options),
        open_replay("camera", path, session_cache=cache, speed=0, **options),
        open_replay("signature_pad", path, session_cache=cache, speed=0, **options),
        open_replay("barcode", path, session_cache=cache, speed=0, **options),
    )


def all_bytes(path: Path) -> bytes:
    blobs = [path.read_bytes()]
    blobs += [file.read_bytes() for file in sorted(files_folder(path).iterdir())]
    return b"\n".join(blobs)


# --- the done-when -----------------------------------------------------------------------


def test_a_recorded_session_replays_to_the_same_results_and_calls(sim_devices: Devices, tmp_path: Path) -> None:
    path = tmp_path / "session.yaml"
    live, _ = record_session(sim_devices, path)
    assert path.exists() and files_folder(path).is_dir()

    recording = load_recording(path)
    expected = [recorded_outcome(call) for call in recording.calls]
    assert expected[1] == ("CorruptDataError", "DEV-012", "The device sent data that could not be read: "
                           "simulated: garbled frame (checksum mismatch)")  # fmt: skip
    assert recording.operations() == [
        ("id_reader", "read_card"),
        ("id_reader", "read_card"),
        ("id_reader", "read_card"),
        ("camera", "capture"),
        ("signature_pad", "capture_signature"),
        ("barcode", "decode"),
    ]
    # The live caller got the real data; the file the fakes.
    assert isinstance(live[0], IdentityRecord) and live[0].name == P1["name"]
    assert isinstance(expected[0], IdentityRecord) and expected[0].name != P1["name"]

    cache: dict[Path, ReplaySession] = {}
    replay = replay_devices(path, cache)
    try:
        assert replay.reader.info.backend == "replay" and replay.reader.simulated
        assert replay.reader.name == "reader-under-test"
        replayed = run_session(replay, inject_fault=False)
        (session,) = cache.values()
        assert replayed == expected
        assert session.calls == recording.operations()
        assert session.remaining == []
        assert isinstance(replay.reader, ReplayIdReader) and replay.reader.calls == ["read_card"] * 3
    finally:
        replay.close()


def test_the_file_round_trips_what_the_session_holds(sim_devices: Devices, tmp_path: Path) -> None:
    session = RecordingSession(tmp_path / "s.yaml")
    reader, pad = session.wrap(sim_devices.reader), session.wrap(sim_devices.pad)
    reader.read_card().result(timeout=5)
    pad.capture_signature("测试乙", "声明").result(timeout=5)
    path = session.save()
    loaded = load_recording(path)
    assert [(c.kind, c.operation, c.arguments, c.result, c.error) for c in loaded.calls] == [
        (c.kind, c.operation, c.arguments, c.result, c.error) for c in session.calls
    ]
    assert loaded.devices["id_reader"].implementation == "devices.id_reader.sim.SimIdReader"
    assert loaded.devices["id_reader"].simulated and not loaded.contains_personal_data
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Recorded device session")
    head = yaml.safe_load(text)
    assert list(head)[:3] == ["spec", "kind", "contains_personal_data"]
    assert head["spec"] == 1 and head["kind"] == "recording" and head["contains_personal_data"] is False
    datetime.fromisoformat(head["recorded_at"])
    reader.close()
    pad.close()


# --- personal data ----------------------------------------------------------------------


def test_no_real_name_or_number_reaches_the_files(sim_devices: Devices, tmp_path: Path) -> None:
    path = tmp_path / "session.yaml"
    live, _ = record_session(sim_devices, path)
    written = all_bytes(path)
    for person in (P1, P2):
        for value in (person["name"], person["id"], person["id"].lower(), person["address"], person["birth"]):
            assert value.encode("utf-8") not in written, value
    # The real portraits and the real joint photo are not among the files either.
    first, third, photo = live[0], live[2], live[3]
    assert isinstance(first, IdentityRecord) and isinstance(third, IdentityRecord)
    assert isinstance(photo, CapturedImage)
    for real in (first.photo_png, third.photo_png, photo.image_png):
        assert real is not None and real not in written
    # The signature keeps its strokes; the declaration text its shape with the fakes.
    recording = load_recording(path)
    fake = recording.calls[0].result
    assert isinstance(fake, IdentityRecord)
    signature_call = recording.calls[4]
    assert signature_call.arguments["signer"] == fake.name
    assert signature_call.arguments["document_text"] == (
        f"本人{fake.name}（公民身份号码{fake.id_number}，住{fake.address}）自愿结婚。"
    )
    signature = signature_call.result
    assert isinstance(signature, SignatureCapture) and signature.signer == fake.name
    assert live[4] != signature and isinstance(live[4], SignatureCapture)
    # The handwriting is the fake person's synthetic signature, not the real pen data.
    assert signature.strokes != live[4].strokes and signature.image_png != live[4].image_png
    assert signature.strokes and signature.image_png.startswith(b"\x89PNG")


def test_pseudonymised_identity_keeps_the_shape(sim_devices: Devices, tmp_path: Path) -> None:
    reader = record(sim_devices.reader, tmp_path / "r.yaml")
    inner = reader.inner
    assert isinstance(inner, SimIdReader)
    real = [reader.read_card().result(timeout=5) for _ in range(2)]
    inner.present_card("p1")
    real.append(reader.read_card().result(timeout=5))
    fakes = [call.result for call in reader.session.calls]
    assert all(isinstance(f, IdentityRecord) for f in fakes)
    a, b, again = fakes
    assert isinstance(a, IdentityRecord) and isinstance(b, IdentityRecord) and isinstance(again, IdentityRecord)
    assert a == again  # same real person, same fake
    assert a.name != b.name and a.id_number != b.id_number
    for fake, person in ((a, real[0]), (b, real[1])):
        number = fake.id_number
        assert number != person.id_number and fake.name != person.name
        assert number[:6] == person.id_number[:6]  # region code kept
        assert number[6:14] == fake.birth_date.strftime("%Y%m%d")
        assert fake.birth_date != person.birth_date
        assert (fake.birth_date.year, fake.birth_date.month) == (person.birth_date.year, person.birth_date.month)
        # Valid exactly when the real one was (this fixture's numbers are not).
        real_valid = person.id_number[17] == citizen_check_char(person.id_number[:17])
        assert (number[17] == citizen_check_char(number[:17])) == real_valid
        assert int(number[16]) % 2 == int(person.id_number[16]) % 2  # same sex
        assert fake.address != person.address
        assert fake.sex_code == person.sex_code and fake.valid_to == person.valid_to
        assert fake.photo_png is not None and fake.photo_png != person.photo_png
        with Image.open(io.BytesIO(fake.photo_png)) as photo:
            assert photo.size == (102, 126)  # the real portrait's size
    reader.close()


def test_a_valid_number_stays_valid_and_a_wrong_one_wrong() -> None:
    valid = "110101199503120310"  # the default scenario's groom1
    assert citizen_check_char(valid[:17]) == valid[17]
    born = shift_birth_day(datetime(1995, 3, 12).date(), 1)
    fake = fake_id_number(valid, datetime(1995, 3, 12).date(), born, 1)
    assert fake != valid and fake[:6] == "110101" and fake[6:14] == born.strftime("%Y%m%d")
    assert citizen_check_char(fake[:17]) == fake[17] and int(fake[16]) % 2 == 1

    real = "44010619930721020X"  # wrong check digit (the default scenario's bad_checksum)
    assert citizen_check_char(real[:17]) != real[17]
    born = shift_birth_day(datetime(1993, 7, 21).date(), 0)
    fake = fake_id_number(real, datetime(1993, 7, 21).date(), born, 0)
    assert fake != real and len(fake) == 18 and fake[:6] == "440106"
    assert citizen_check_char(fake[:17]) != fake[17]
    passport = fake_id_number("E12345678", born, born, 3)
    assert passport != "E12345678" and passport[0].isupper() and passport[1:].isdigit()


def test_keep_personal_data_keeps_it_and_says_so(sim_devices: Devices, tmp_path: Path) -> None:
    path = tmp_path / "real.yaml"
    live, _ = record_session(sim_devices, path, keep_personal_data=True)
    text = path.read_text(encoding="utf-8")
    assert "CONTAINS REAL PERSONAL DATA" in text
    assert yaml.safe_load(text)["contains_personal_data"] is True
    written = all_bytes(path)
    for value in (P1["name"], P1["id"], P2["name"], P2["id"], P1["address"]):
        assert value.encode("utf-8") in written
    recording = load_recording(path)
    assert recording.contains_personal_data
    assert [recorded_outcome(call) for call in recording.calls] == live


def test_qr_codes_survive_the_placeholder_image(sim_devices: Devices, tmp_path: Path) -> None:
    decoder = record(sim_devices.barcode, tmp_path / "qr.yaml")
    image = qr_png(RECEIPT)
    assert decoder.decode(image).result(timeout=10)[0].text == RECEIPT
    (call,) = decoder.session.calls
    stored = call.arguments["image"]
    assert isinstance(stored, bytes) and stored != image
    with Image.open(io.BytesIO(stored)) as placeholder:
        assert placeholder.size == Image.open(io.BytesIO(image)).size
        texts = [result.text for result in zxingcpp.read_barcodes(placeholder.convert("L"))]
    assert texts == [RECEIPT]
    decoder.close()


def test_nothing_personal_is_logged(sim_devices: Devices, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    record_session(sim_devices, tmp_path / "s.yaml")
    logged = caplog.text
    assert "recording of 6 call(s) saved" in logged
    for value in (P1["name"], P1["id"], P2["name"], P2["id"]):
        assert value not in logged


# --- replay -------------------------------------------------------------------------------


def test_divergence_is_a_clear_device_error(sim_devices: Devices, tmp_path: Path) -> None:
    path = tmp_path / "session.yaml"
    record_session(sim_devices, path)
    cache: dict[Path, ReplaySession] = {}
    replay = replay_devices(path, cache)
    try:
        with pytest.raises(CorruptDataError) as caught:
            replay.camera.capture().result(timeout=5)
        assert "replay diverged at call 1: expected id_reader.read_card, got camera.capture" in str(caught.value)
        assert caught.value.code == "DEV-012"
        assert replay.camera.status.state is DeviceState.READY
        # The recorded call was not consumed: the right call still gets its answer.
        assert isinstance(replay.reader.read_card().result(timeout=5), IdentityRecord)
    finally:
        replay.close()


def test_a_device_replayed_alone_follows_its_own_calls(sim_devices: Devices, tmp_path: Path) -> None:
    path = tmp_path / "session.yaml"
    record_session(sim_devices, path)
    camera = open_replay("camera", path, speed=0)
    try:
        assert isinstance(camera.capture().result(timeout=5), CapturedImage)  # no reads needed first
        with pytest.raises(CorruptDataError, match="replay diverged: expected the end of the recording, got camera"):
            camera.capture().result(timeout=5)
    finally:
        camera.close()


def test_strict_arguments(sim_devices: Devices, tmp_path: Path) -> None:
    path = tmp_path / "session.yaml"
    record_session(sim_devices, path)
    recorded = load_recording(path).calls[4].arguments
    signer, text = recorded["signer"], recorded["document_text"]
    assert isinstance(signer, str) and isinstance(text, str)
    pad = open_replay("signature_pad", path, speed=0, strict_arguments=True)
    try:
        with pytest.raises(CorruptDataError, match="argument 'document_text' differs"):
            pad.capture_signature(signer, "other text").result(timeout=5)
        assert isinstance(pad.capture_signature(signer, text).result(timeout=5), SignatureCapture)
    finally:
        pad.close()


def synthetic_recording(duration_ms: float) -> Recording:
    error = ErrorInfo("DeviceTimeoutError", "DEV-002", "r", {"detail": "", "seconds": "5"})
    return Recording(
        recorded_at=datetime.now().astimezone(),
        contains_personal_data=False,
        devices={"id_reader": DeviceRecord("id_reader", "pcsc", "x.PcscIdReader", "r", False)},
        calls=(CallRecord(0, "id_reader", "read_card", {}, 0.0, duration_ms, error=error),),
    )


@pytest.mark.parametrize(("speed", "at_least", "below"), [(0, 0.0, 0.15), (1, 0.2, 5.0), (4, 0.05, 0.15)])
def test_recorded_durations_are_honoured(tmp_path: Path, speed: float, at_least: float, below: float) -> None:
    path = write_recording(synthetic_recording(200.0), tmp_path / "slow.yaml")
    reader = open_replay("id_reader", path, speed=speed)
    try:
        started = time.monotonic()
        with pytest.raises(DeviceError) as caught:
            reader.read_card().result(timeout=5)
        elapsed = time.monotonic() - started
        assert str(caught.value) == "[DEV-002] r: The device did not answer within 5 s."
        assert at_least <= elapsed < below
    finally:
        reader.close()


def test_closing_cuts_a_replayed_wait_short(tmp_path: Path) -> None:
    path = write_recording(synthetic_recording(60_000.0), tmp_path / "slow.yaml")
    reader = open_replay("id_reader", path)
    future = reader.read_card()
    time.sleep(0.05)
    started = time.monotonic()
    reader.close()
    assert time.monotonic() - started < 1.0
    with pytest.raises(DeviceUnavailableError):
        future.result(timeout=1)


def test_hot_plug_status_changes_replay(scenario: Scenario, tmp_path: Path) -> None:
    reader = record(SimIdReader(scenario), tmp_path / "plug.yaml")
    inner = reader.inner
    assert isinstance(inner, SimIdReader)
    seen: list[DeviceStatus] = []
    reader.status_did_change.connect(seen.append)
    inner.set_connected(False).result(timeout=5)
    assert reader.status.state is DeviceState.UNAVAILABLE  # the wrapper mirrors the backend
    with pytest.raises(DeviceUnavailableError):
        reader.read_card().result(timeout=5)
    inner.set_connected(True).result(timeout=5)
    reader.read_card().result(timeout=5)
    reader.close()
    states = [status.state for status in seen]
    assert states[0] is DeviceState.UNAVAILABLE and states[-1] is DeviceState.READY

    replay = open_replay("id_reader", tmp_path / "plug.yaml", speed=0)
    replayed: list[DeviceStatus] = []
    replay.status_did_change.connect(replayed.append)
    try:
        with pytest.raises(DeviceUnavailableError):
            replay.read_card().result(timeout=5)
        assert isinstance(replay.read_card().result(timeout=5), IdentityRecord)
    finally:
        replay.close()
    assert [s.state for s in replayed] == states
    assert [s.reason for s in replayed] == [s.reason for s in seen]


def test_the_wrapper_passes_for_the_backend(scenario: Scenario, tmp_path: Path) -> None:
    reader = record(SimIdReader(scenario), tmp_path / "r.yaml")
    assert isinstance(reader, IdReader) and reader.simulated and reader.kind == "id_reader"
    assert reader.info.backend == "record:sim" and reader.name == "reader-under-test"
    assert reader.status == reader.inner.status
    reader.read_card().result(timeout=5)
    assert reader.calls == ["read_card"]
    reader.close()
    assert (tmp_path / "r.yaml").exists()  # saved on close
    with pytest.raises(ValueError, match="already records a id_reader"):
        reader.session.wrap(SimIdReader(scenario))


# --- loading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "key", "reason"),
    [
        (lambda d: d.update(spec=2), "spec", "expected 1, got 2"),
        (lambda d: d.update(kind="scenario"), "kind", "simulator scenario is opened with 'sim:'"),
        (lambda d: d["calls"][0].update(operation="capture"), "calls[0].operation", "not 'capture'"),
        (lambda d: d["calls"][0]["result"].pop("name"), "calls[0].result.name", "required key is missing"),
        (lambda d: d["calls"][0].update(colour=1), "calls[0].colour", "unknown key"),
        (lambda d: d["calls"][0]["result"].update(photo="gone.png"), "calls[0].result.photo", "file not found"),
        (lambda d: d["calls"][0]["result"].update(photo="../../x.png"), "calls[0].result.photo", "outside"),
        (lambda d: d["calls"][0].pop("result"), "calls[0]", "required: 'result' or 'error'"),
    ],
)
def test_bad_recordings_fail_with_file_key_and_reason(
    sim_devices: Devices, tmp_path: Path, edit: Any, key: str, reason: str
) -> None:
    path = tmp_path / "r.yaml"
    reader = record(sim_devices.reader, path)
    reader.read_card().result(timeout=5)
    reader.close()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        open_replay("id_reader", path)
    assert caught.value.code == "SIM-001"
    assert caught.value.params["key"] == key and reason in str(caught.value.params["reason"])
    assert str(path) in str(caught.value)


def test_missing_recording(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        open_replay("camera", tmp_path / "nope.yaml")
    with pytest.raises(ValueError, match="cannot be replayed"):
        open_replay("printer", tmp_path / "nope.yaml")
    path = write_recording(synthetic_recording(0.0), tmp_path / "reader-only.yaml")
    with pytest.raises(ScenarioError, match=r"at devices: the recording holds no camera \(it holds: id_reader\)"):
        open_replay("camera", path)


def test_cancelling_a_queued_call_reaches_the_wrapped_device(tmp_path: Path) -> None:
    # Any device can be recorded, a replay one included: its first call hangs for a minute.
    slow = open_replay("id_reader", write_recording(synthetic_recording(60_000.0), tmp_path / "slow.yaml"))
    reader = record(slow, tmp_path / "again.yaml")
    first = reader.read_card()
    second = reader.read_card()
    assert second.cancel() and second.cancelled()
    reader.close()  # cuts the first call's wait short
    with pytest.raises(DeviceUnavailableError):
        first.result(timeout=5)
    codes = [
        (call.error.type, call.error.params.get("detail"))
        for call in load_recording(tmp_path / "again.yaml").calls
        if call.error
    ]
    assert codes == [
        ("DeviceUnavailableError", "the device was closed"),
        ("DeviceUnavailableError", "the call was cancelled"),
    ]


def test_only_recordable_kinds(tmp_path: Path) -> None:
    other = Device("printer-ish")
    with pytest.raises(ValueError, match="a device cannot be recorded"):
        record(other, tmp_path / "x.yaml")
    other.close()
