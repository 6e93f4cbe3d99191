import base64
import hashlib
from datetime import UTC, datetime

from pipeline.dead_letter import make_dead_letter
from schemas import DeadLetter, DeadReason

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _letter(value, keep=16):
    return make_dead_letter(
        value, b"x:1", stage="validate", reason=DeadReason.INVALID_JSON, error="kapot", topic="posts.raw",
        partition=2, offset=41, worker="luister-ingest", keep_bytes=keep, now=NOW,
    )


def test_small_payload_is_kept_whole_and_round_trips():
    letter = _letter(b'{"kapot"')
    assert base64.b64decode(letter.payload_b64) == b'{"kapot"'
    assert not letter.payload_truncated
    assert letter.key_b64 == base64.b64encode(b"x:1").decode()
    assert DeadLetter.model_validate_json(letter.to_bytes()) == letter


def test_large_payload_is_cut_but_identified():
    value = b"z" * 1000
    letter = _letter(value, keep=16)
    assert base64.b64decode(letter.payload_b64) == b"z" * 16
    assert letter.payload_truncated and letter.payload_size == 1000
    assert letter.payload_sha256 == hashlib.sha256(value).hexdigest()


def test_missing_value_is_an_empty_payload():
    letter = _letter(None)
    assert letter.payload_size == 0 and letter.payload_b64 == ""
