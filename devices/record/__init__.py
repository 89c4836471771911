"""Record and replay device sessions (see resources/sim/README_RECORD.md).

`record(device, path)` wraps any id_reader, camera, signature_pad or barcode backend
and writes what it did (calls, arguments, results or errors, timings, status changes)
to a scenario-style YAML file, personal data replaced by invented people unless
`keep_personal_data=True`. `open_replay(kind, path)` gives a simulated backend that
answers the same calls with the same results, in the same order.
"""

from devices.record.codec import CallRecord, ErrorInfo, Recording, StatusRecord, load_recording, write_recording
from devices.record.pseudonym import Pseudonymiser
from devices.record.recorder import (
    RecordingBarcodeDecoder,
    RecordingDevice,
    RecordingDocumentCamera,
    RecordingIdReader,
    RecordingSession,
    RecordingSignaturePad,
    record,
)
from devices.record.replay import (
    ReplayBarcodeDecoder,
    ReplayDevice,
    ReplayDocumentCamera,
    ReplayIdReader,
    ReplaySession,
    ReplaySignaturePad,
    open_replay,
)

__all__ = [
    "CallRecord",
    "ErrorInfo",
    "Pseudonymiser",
    "Recording",
    "RecordingBarcodeDecoder",
    "RecordingDevice",
    "RecordingDocumentCamera",
    "RecordingIdReader",
    "RecordingSession",
    "RecordingSignaturePad",
    "ReplayBarcodeDecoder",
    "ReplayDevice",
    "ReplayDocumentCamera",
    "ReplayIdReader",
    "ReplaySession",
    "ReplaySignaturePad",
    "StatusRecord",
    "load_recording",
    "open_replay",
    "record",
    "write_recording",
]
