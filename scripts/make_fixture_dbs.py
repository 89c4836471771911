"""Builds tests/fixtures/db/: one database per released schema revision of each store.

    .venv/bin/python scripts/make_fixture_dbs.py             # the fixtures that are missing
    .venv/bin/python scripts/make_fixture_dbs.py local 0004  # (re)build this one

`local-<rev>.sqlite3` is a counter's local store and `central-<rev>.sqlite3` an embedded
central store, each migrated by Alembic from nothing to exactly `<rev>` and then filled
with plain SQL that was valid at that revision: a few cases of invented people (names
made up, identity numbers with valid check characters from tests/factories.py). The
tests (tests/app/store/test_upgrade.py) open each fixture with the current program, which
must upgrade it and still read every case.

A fixture, once released, is never regenerated: it stands for the databases counters
have in the field. When a migration is added, add its fixture (the second form above)
with rows for whatever the new revision added, and commit it. The files are standalone
(journal mode DELETE, vacuumed) and small.

From local 0004 on, personal values are sealed (app.store.protection) under a random
data key wrapped by the fixtures' fixed key-encryption key (tests/fixture_dbs.py,
LOCAL_FIXTURE_KEK): the tests open those fixtures with it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.central.types import registration_payload_sha256  # noqa: E402
from app.store.engine import make_engine, run_migrations  # noqa: E402
from app.store.local import _row_digest  # noqa: E402  (the digest the store writes)
from app.store.protection import ROW_KEYS, SEALED, FieldCodec, seal_value  # noqa: E402
from tests.factories import citizen_number  # noqa: E402
from tests.fixture_dbs import local_fixture_protection  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "db"
MIGRATIONS = {
    "local": ROOT / "app" / "store" / "migrations",
    "central": ROOT / "app" / "central" / "migrations",
}
BEIJING = timezone(timedelta(hours=8))
OFFICE = "110101"
COUNTER = "counter-01"


def person(name: str, sex: str, birth: date, region: str, sequence: int) -> dict[str, Any]:
    number = citizen_number(region, birth, sequence)
    return {"name": name, "sex": sex, "birth_date": birth, "number": number, "key": f"resident_id:CHN:{number}"}


# Invented people: no real names, numbers only valid by their check character.
PEOPLE = {
    "jia": person("样例甲", "1", date(1990, 3, 7), "110101", 11),
    "yi": person("样例乙", "2", date(1992, 5, 6), "110105", 22),
    "bing": person("样例丙", "1", date(1988, 11, 20), "310104", 33),
    "ding": person("样例丁", "2", date(1991, 1, 15), "320102", 44),
    "wu": person("样例戊", "1", date(2006, 2, 1), "110101", 55),
    "ji": person("样例己", "2", date(1999, 9, 9), "440106", 66),
    "geng": person("样例庚", "1", date(1985, 7, 1), "110102", 77),
    "xin": person("样例辛", "2", date(1987, 8, 2), "110102", 88),
}

REG_1 = "0b6f1c2a-4d5e-4f60-8a7b-9c0d1e2f3a41"  # marriage of jia and yi, issued
REG_2 = "0b6f1c2a-4d5e-4f60-8a7b-9c0d1e2f3a42"  # marriage of bing and ding
REG_3 = "0b6f1c2a-4d5e-4f60-8a7b-9c0d1e2f3a43"  # marriage of geng and xin, later dissolved
REG_4 = "0b6f1c2a-4d5e-4f60-8a7b-9c0d1e2f3a44"  # waiting for the central store (local only)
APP_1 = "3f2c9a4e-7b1d-4c2e-9a8f-1b2c3d4e5f61"  # divorce application of bing and ding, pending
APP_2 = "3f2c9a4e-7b1d-4c2e-9a8f-1b2c3d4e5f62"  # divorce application of geng and xin, registered
DIV_2 = "5d1e2f3a-8b9c-4d0e-9f1a-2b3c4d5e6f72"  # the divorce registration of APP_2
REISSUE_1 = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c01"  # reissue of jia's marriage certificate


def png(seed: str, size: int = 300) -> bytes:
    """Stand-in image bytes (the stores keep bytes as they are)."""
    block = hashlib.sha256(seed.encode()).digest()
    return b"\x89PNG\r\n\x1a\n" + (block * (size // len(block) + 1))[:size]


def sql_value(value: object, *, utc: bool = False) -> object:
    """The value as SQLAlchemy's SQLite types store it: IsoDateTime as ISO text with its
    offset, UtcDateTime (`utc`) as naive UTC text, Date as ISO text, Boolean as 0/1."""
    if isinstance(value, datetime):
        if utc:
            return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


# The codec of the local fixture being filled, from 0004 on (None: nothing is sealed).
SEALING: dict[str, FieldCodec] = {}


def insert(db: sqlite3.Connection, table: str, row: Mapping[str, object], *, utc: Iterable[str] = ()) -> None:
    utc_columns = set(utc)
    columns = list(row)
    codec = SEALING.get("local")
    sealed = SEALED.get(table, {}) if codec is not None else {}
    row_key = tuple(row[c] for c in ROW_KEYS[table]) if sealed else ()
    values = [
        seal_value(codec, table, c, row_key, row[c]) if codec is not None and c in sealed
        else sql_value(row[c], utc=c in utc_columns)
        for c in columns
    ]
    placeholders = ", ".join("?" for _ in columns)
    db.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", values)


def child(db: sqlite3.Connection, table: str, case_id: str, row: Mapping[str, object]) -> None:
    """A child row of a case with its row digest, as LocalStore writes it."""
    full = {"case_id": case_id, **row}
    codec = SEALING.get("local")
    insert(db, table, {**full, "row_digest": _row_digest(full, codec.digest_key if codec is not None else None)})


# --- local store ------------------------------------------------------------------------


def local_case(
    db: sqlite3.Connection, rev: int, case_id: str, *, created: datetime, step: str, status: str,
    business: str = "marriage", registration_uuid: str | None = None, central_error: str = "",
    title: str = "", voluntariness: str = "not_asked", details: str = "", updated: datetime | None = None,
) -> None:
    moment = (updated or created).astimezone(UTC)
    row: dict[str, object] = {
        "case_id": case_id, "business": business, "office_code": OFFICE, "counter_id": COUNTER,
        "registrar": "测试登记员", "created_at": created, "updated_at": updated,
        "sort_key": moment.strftime("%Y-%m-%dT%H:%M:%S.%f"), "device_mode": "simulated", "step": step,
        "status": status, "voluntariness": voluntariness, "registration_uuid": registration_uuid,
        "central_error": central_error, "title": title,
    }
    if rev >= 3:
        row["details"] = details
    insert(db, "counter_case", row)


def local_party(
    db: sqlite3.Connection, case_id: str, role: str, who: str, read_at: datetime, *, declared: str = "10",
    occupation: str = "", central: str | None = "",
) -> None:
    p = PEOPLE[who]
    codec = SEALING.get("local")
    key = {"person_key": p["key"]} if codec is None else {"person_index": codec.person_index(p["key"])}
    child(db, "case_party", case_id, {
        "role": role, "doc_type": "resident_id", "number": p["number"], **key, "name": p["name"],
        "sex": p["sex"], "birth_date": p["birth_date"], "ethnicity_code": "01", "address": "北京市东城区样例街道1号",
        "issuing_authority": "北京市公安局东城分局", "valid_from": date(2020, 1, 1), "valid_to": date(2040, 1, 1),
        "nationality": "CHN", "photo_png": png(f"photo-{who}"), "read_at": read_at, "reader_name": "sim:id_reader",
        "declared_status": declared, "occupation": occupation, "central_active_marriage": central,
    })


def local_signature(
    db: sqlite3.Connection, case_id: str, role: str, signed_at: datetime, form: str | None = None
) -> None:
    row: dict[str, object] = {
        "role": role, "strokes_json": json.dumps([[{"x": 1.5, "y": 2.0, "t": 0, "p": 0.5}]]),
        "image_png": png(f"sig-{case_id}-{role}-{form}"),
        "declaration_sha256": hashlib.sha256(role.encode()).hexdigest(),
        "signed_at": signed_at, "device_name": "sim:signature_pad",
    }
    if form is None:
        child(db, "case_signature", case_id, row)
    else:
        child(db, "case_form_signature", case_id, {**row, "form": form})


def registration_payload(reg_uuid: str, first: str, second: str, registered_on: date) -> dict[str, object]:
    parties = (("A", PEOPLE[first]["key"], PEOPLE[first]["name"]), ("B", PEOPLE[second]["key"], PEOPLE[second]["name"]))
    return {
        "reg_uuid": reg_uuid, "office_code": OFFICE, "counter_id": COUNTER, "registered_on": registered_on.isoformat(),
        "device_mode": "simulated", "parties": [list(p) for p in parties],
        "payload_sha256": registration_payload_sha256(
            reg_uuid=reg_uuid, office_code=OFFICE, counter_id=COUNTER, device_mode="simulated", parties=parties
        ),
    }


def record_json(certificate_no: str, registered_on: date, first: str, second: str) -> dict[str, object]:
    return {
        "certificate_no": certificate_no, "divorce_certificate_no": "", "divorce_office_code": "",
        "divorce_registered_on": None, "office_code": OFFICE,
        "parties": [{"name": PEOPLE[w]["name"], "person_key": PEOPLE[w]["key"], "role": r}
                    for r, w in (("A", first), ("B", second))],
        "registered_on": registered_on.isoformat(), "status": "active",
    }


def fill_local(db: sqlite3.Connection, rev: int) -> None:
    day = datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING)
    # 1. A marriage registered and issued: parties, documents, signatures, outcomes, forms.
    local_case(db, rev, "case-0001", created=day, updated=day + timedelta(minutes=40), step="done",
               status="issued", registration_uuid=REG_1, title="样例甲 / 样例乙", voluntariness="voluntary")
    local_party(db, "case-0001", "A", "jia", day + timedelta(minutes=1), occupation="工程师")
    local_party(db, "case-0001", "B", "yi", day + timedelta(minutes=2), occupation="教师")
    for position, document_class in enumerate(["id_card_front", "hukou_book"]):
        image = png(f"doc-1-{position}", 600)
        child(db, "case_document", "case-0001", {
            "document_id": f"doc-1-{position}", "position": position, "document_class": document_class,
            "image_png": image, "sha256": hashlib.sha256(image).hexdigest(),
            "captured_at": day + timedelta(minutes=10 + position), "device_name": "sim:camera",
        })
    for role in ("A", "B"):
        local_signature(db, "case-0001", role, day + timedelta(minutes=20))
    for position, (rule, passed, message, party) in enumerate([
        ("C-M-AGE", True, "男方已满22周岁", "A"),
        ("C-M-AGE", True, "女方已满20周岁", "B"),
        ("C-M-VOL", True, "双方自愿", None),
    ]):
        child(db, "case_rule_outcome", "case-0001",
              {"position": position, "rule_id": rule, "passed": passed, "message": message, "party": party})
    child(db, "case_registration", "case-0001", {
        "certificate_no": "J110101-2026-000001", "registered_at": datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
        "registered_on": date(2026, 3, 2), "duplicate_ack": False,
    })
    for position, form in enumerate(["marriage_certificate_A", "marriage_certificate_B", "registration_form"]):
        child(db, "case_printed_form", "case-0001", {"position": position, "form": form})

    # 2. A marriage being captured: parties read, one previously divorced.
    later = day + timedelta(hours=2)
    local_case(db, rev, "case-0002", created=later, step="documents", status="open", title="样例丙 / 样例丁")
    local_party(db, "case-0002", "A", "bing", later, declared="40", occupation="会计")
    local_party(db, "case-0002", "B", "ding", later + timedelta(seconds=30), central=None)

    # 3. A marriage refused: party A under the legal age.
    refused = day + timedelta(hours=3)
    local_case(db, rev, "case-0003", created=refused, updated=refused + timedelta(minutes=5), step="review",
               status="refused", title="样例戊 / 样例己")
    local_party(db, "case-0003", "A", "wu", refused)
    local_party(db, "case-0003", "B", "ji", refused + timedelta(seconds=20))
    child(db, "case_rule_outcome", "case-0003",
          {"position": 0, "rule_id": "C-M-AGE", "passed": False, "message": "男方未满22周岁", "party": "A"})

    if rev < 2:
        return
    # 4. (0002: the outbox) A registration waiting for the central store, its item
    # pending; case 1's registration acknowledged and its archive half uploaded.
    waiting = day + timedelta(hours=4)
    local_case(db, rev, "case-0004", created=waiting, updated=waiting + timedelta(minutes=30), step="register",
               status="waiting_central", registration_uuid=REG_4, central_error="中心库暂时无法连接",
               title="样例庚 / 样例辛", voluntariness="voluntary")
    local_party(db, "case-0004", "A", "geng", waiting)
    local_party(db, "case-0004", "B", "xin", waiting + timedelta(seconds=20))
    queued = waiting + timedelta(minutes=30)
    outbox_utc = ("next_attempt_at", "created_at", "updated_at")
    insert(db, "outbox", {
        "item_id": "item-0004-reg", "kind": "registration", "case_id": "case-0004", "reg_uuid": REG_4,
        "payload": json.dumps(registration_payload(REG_4, "geng", "xin", date(2026, 3, 2)), ensure_ascii=False),
        "state": "pending", "attempts": 2, "next_attempt_at": queued + timedelta(minutes=2),
        "last_error": "中心库暂时无法连接", "result": None, "created_at": queued, "updated_at": queued,
    }, utc=outbox_utc)
    sent = day + timedelta(minutes=30)
    insert(db, "outbox", {
        "item_id": "item-0001-reg", "kind": "registration", "case_id": "case-0001", "reg_uuid": REG_1,
        "payload": json.dumps(registration_payload(REG_1, "jia", "yi", date(2026, 3, 2)), ensure_ascii=False),
        "state": "acknowledged", "attempts": 1, "next_attempt_at": sent, "last_error": "",
        "result": json.dumps({"outcome": "registered", "certificate_no": "J110101-2026-000001",
                              "registered_at": "2026-03-02T01:30:00+00:00", "registered_on": "2026-03-02",
                              "duplicate": False}),
        "created_at": sent, "updated_at": sent,
    }, utc=outbox_utc)
    files = {"manifest.json": b'{"files": []}', "forms/registration_form.pdf": png("form-1", 800)}
    insert(db, "outbox", {
        "item_id": "item-0001-arc", "kind": "archive", "case_id": "case-0001", "reg_uuid": REG_1,
        "payload": json.dumps({"office_code": OFFICE, "files": list(files)}), "state": "pending", "attempts": 1,
        "next_attempt_at": sent + timedelta(minutes=5), "last_error": "中心库暂时无法连接", "result": None,
        "created_at": sent, "updated_at": sent,
    }, utc=outbox_utc)
    for position, (name, data) in enumerate(files.items()):
        confirmed = position == 0
        insert(db, "archive_file", {
            "case_id": "case-0001", "name": name, "position": position, "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data), "data": None if confirmed else data, "confirmed": confirmed,
            "confirmed_at": sent + timedelta(minutes=1) if confirmed else None,
        }, utc=("confirmed_at",))

    if rev < 3:
        return
    # 5. (0003: divorce and reissue) A divorce application accepted, signed on the pad.
    accepted = datetime(2026, 6, 1, 10, 0, tzinfo=BEIJING)
    marriage_2 = record_json("J110101-2026-000002", date(2026, 3, 9), "bing", "ding")
    application = {
        "accepted_on": "2026-06-01", "app_uuid": APP_1, "marriage_certificate_no": "J110101-2026-000002",
        "office_code": OFFICE, "receipt_no": f"{OFFICE}-20260601-{APP_1.replace('-', '')[:8].upper()}",
        "status": "pending",
    }
    divorce = {
        "agreement": None, "application": application, "blocking_application": None,
        "capacity_finding": "confirmed", "certificate_copies": "both", "intent_finding": "confirmed",
        "interviews": [], "marriage": marriage_2, "marriage_certificate_voided": False,
        "submitted_on": "2026-06-01", "withdrawing_role": None,
    }
    local_case(db, rev, "case-0005", created=accepted, updated=accepted + timedelta(minutes=20), step="done",
               status="issued", business="divorce_application", registration_uuid=APP_1, title="样例丙 / 样例丁",
               details=json.dumps({"divorce": divorce, "version": 1}, ensure_ascii=False, sort_keys=True,
                                  separators=(",", ":")))
    local_party(db, "case-0005", "A", "bing", accepted)
    local_party(db, "case-0005", "B", "ding", accepted + timedelta(seconds=30))
    for role in ("A", "B"):
        local_signature(db, "case-0005", role, accepted + timedelta(minutes=10), form="divorce_application")

    # 6. A reissue of case 1's marriage certificate to party A.
    reissued = datetime(2026, 6, 2, 14, 0, tzinfo=BEIJING)
    reissue = {"certificate_kind": "J", "reason": "遗失", "submitted_on": "2026-06-02",
               "record": record_json("J110101-2026-000001", date(2026, 3, 2), "jia", "yi")}
    local_case(db, rev, "case-0006", created=reissued, updated=reissued + timedelta(minutes=15), step="issue",
               status="registered", business="reissue", registration_uuid=REISSUE_1, title="样例甲 补领结婚证",
               details=json.dumps({"reissue": reissue, "version": 1}, ensure_ascii=False, sort_keys=True,
                                  separators=(",", ":")))
    local_party(db, "case-0006", "A", "jia", reissued)
    local_signature(db, "case-0006", "A", reissued + timedelta(minutes=5), form="reissue_declaration")
    child(db, "case_registration", "case-0006", {
        "certificate_no": "BJ110101-2026-000001", "registered_at": datetime(2026, 6, 2, 6, 10, tzinfo=UTC),
        "registered_on": date(2026, 6, 2), "duplicate_ack": False,
    })


# --- central store ----------------------------------------------------------------------


def central_registration(
    db: sqlite3.Connection, reg_uuid: str, kind: str, received: datetime, certificate_no: str | None
) -> None:
    insert(db, "registration", {
        "reg_uuid": reg_uuid, "kind": kind, "office_code": OFFICE, "counter_id": COUNTER,
        "payload_sha256": hashlib.sha256(reg_uuid.encode()).hexdigest(), "device_mode": "simulated",
        "received_at": received, "certificate_no": certificate_no,
    }, utc=("received_at",))
    if certificate_no is not None:
        kind_code, rest = certificate_no.split(OFFICE, 1)
        year, serial = rest.strip("-").split("-")
        insert(db, "certificate", {
            "certificate_no": certificate_no, "kind": kind_code, "office_code": OFFICE, "year": int(year),
            "serial": int(serial), "reg_uuid": reg_uuid,
        })


def central_marriage(
    db: sqlite3.Connection, marriage_id: str, reg_uuid: str, certificate_no: str, on: date, first: str, second: str
) -> None:
    central_registration(db, reg_uuid, "marriage", datetime.combine(on, datetime.min.time(), UTC), certificate_no)
    insert(db, "marriage", {"marriage_id": marriage_id, "reg_uuid": reg_uuid, "office_code": OFFICE,
                            "certificate_no": certificate_no, "registered_on": on, "status": "active"})
    for role, who in (("A", first), ("B", second)):
        insert(db, "marriage_party", {"marriage_id": marriage_id, "role": role, "person_key": PEOPLE[who]["key"],
                                      "name": PEOPLE[who]["name"], "active": True})


def fill_central(db: sqlite3.Connection, rev: int) -> None:
    central_marriage(db, "m-0001", REG_1, "J110101-2026-000001", date(2026, 3, 2), "jia", "yi")
    central_marriage(db, "m-0002", REG_2, "J110101-2026-000002", date(2026, 3, 9), "bing", "ding")
    central_marriage(db, "m-0003", REG_3, "J110101-2026-000003", date(2026, 3, 10), "geng", "xin")
    insert(db, "certificate_serial", {"kind": "J", "office_code": OFFICE, "year": 2026, "last_serial": 3})
    if rev < 2:
        return
    # 0002: a pending divorce application, a completed divorce, an archive file.
    accepted = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    for app_uuid, marriage_id, status in ((APP_1, "m-0002", "pending"), (APP_2, "m-0003", "registered")):
        central_registration(db, app_uuid, "divorce_application", accepted, None)
        insert(db, "divorce_application", {"app_uuid": app_uuid, "marriage_id": marriage_id, "office_code": OFFICE,
                                           "accepted_on": date(2026, 6, 1), "status": status,
                                           "received_at": accepted}, utc=("received_at",))
    central_registration(db, DIV_2, "divorce_registration", datetime(2026, 7, 2, 2, 0, tzinfo=UTC),
                         "L110101-2026-000001")
    insert(db, "divorce_completion", {"app_uuid": APP_2, "office_code": OFFICE, "reg_uuid": DIV_2,
                                      "certificate_no": "L110101-2026-000001", "registered_on": date(2026, 7, 2)})
    db.execute("UPDATE marriage SET status = 'dissolved' WHERE marriage_id = 'm-0003'")
    db.execute("UPDATE marriage_party SET active = 0 WHERE marriage_id = 'm-0003'")
    insert(db, "certificate_serial", {"kind": "L", "office_code": OFFICE, "year": 2026, "last_serial": 1})
    data = png("archive-1", 500)
    insert(db, "archive_file", {"reg_uuid": REG_1, "name": "manifest.json", "office_code": OFFICE,
                                "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "data": data,
                                "stored_at": datetime(2026, 3, 2, 2, 0, tzinfo=UTC)}, utc=("stored_at",))
    if rev < 3:
        return
    # 0003: the void note of the dissolved marriage's certificate, a reissue.
    db.execute("UPDATE certificate SET void_note = '双方离婚，证件失效' WHERE certificate_no = 'J110101-2026-000003'")
    central_registration(db, REISSUE_1, "reissue", datetime(2026, 6, 2, 6, 10, tzinfo=UTC), "BJ110101-2026-000001")
    insert(db, "certificate_reissue", {"reg_uuid": REISSUE_1, "certificate_no": "BJ110101-2026-000001",
                                       "original_certificate_no": "J110101-2026-000001",
                                       "person_key": PEOPLE["jia"]["key"], "issued_on": date(2026, 6, 2)})
    insert(db, "certificate_serial", {"kind": "BJ", "office_code": OFFICE, "year": 2026, "last_serial": 1})
    if rev < 5:
        return
    # 0004's accounts (its own fixture has none) and 0005's office of a counter role.
    from app.auth.secrets import hash_secret

    changed = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    for operator_id, name, office, role in (
        ("wang", "样例登记员", OFFICE, "registrar"),
        ("zhao", "样例主管", "310104", "supervisor"),
        ("it-1", "样例管理员", OFFICE, "admin"),
    ):
        insert(db, "operator", {"operator_id": operator_id, "name": name, "office_code": office, "role": role,
                                "training_valid_until": date(2027, 6, 30), "active": 1,
                                "secret_hash": hash_secret(f"{operator_id}-fixture-secret"),
                                "updated_at": changed}, utc=("updated_at",))
    insert(db, "counter_office_role", {"role_name": "mc_counter_110101", "office_code": OFFICE})


FILLERS: dict[str, Callable[[sqlite3.Connection, int], None]] = {"local": fill_local, "central": fill_central}


def build(store: str, revision: str, out_dir: Path = FIXTURES) -> Path:
    """Creates `<store>-<revision>.sqlite3` in `out_dir` (replacing it) and returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{store}-{revision}.sqlite3"
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / target.name
        engine = make_engine(f"sqlite:///{path}")
        try:
            run_migrations(engine, MIGRATIONS[store], revision)
            SEALING.clear()
            if store == "local" and int(revision) >= 4:
                with engine.begin() as conn:  # the data key, wrapped by the fixtures' key
                    SEALING["local"] = local_fixture_protection().write_codec(conn, target.name)
        finally:
            engine.dispose()
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("BEGIN")
            FILLERS[store](db, int(revision))
            db.execute("COMMIT")
            problems = db.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"{target.name}: foreign keys broken: {problems}")
            db.execute("PRAGMA journal_mode = DELETE")
            db.execute("VACUUM")
        finally:
            db.close()
        target.unlink(missing_ok=True)
        path.replace(target)
    return target


def released_revisions(store: str) -> list[str]:
    from alembic.script import ScriptDirectory

    return sorted(script.revision for script in ScriptDirectory(str(MIGRATIONS[store])).walk_revisions())


def main(argv: list[str]) -> int:
    if argv and (len(argv) != 2 or argv[0] not in MIGRATIONS or argv[1] not in released_revisions(argv[0])):
        print(__doc__, file=sys.stderr)
        return 2
    if argv:
        wanted = [(argv[0], argv[1])]
    else:
        wanted = [
            (store, revision)
            for store in MIGRATIONS
            for revision in released_revisions(store)
            if not (FIXTURES / f"{store}-{revision}.sqlite3").exists()
        ]
    for store, revision in wanted:
        path = build(store, revision)
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")
    if not wanted:
        print("every released revision has its fixture")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
