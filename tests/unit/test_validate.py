import json

import pytest

from processors.outcome import Fail, Keep
from processors.validate import validate_raw
from schemas import DeadReason
from tests.helpers import raw_post_bytes, raw_post_dict

LIMIT = 256 * 1024


def test_valid_post_is_kept_with_derived_post_id():
    result = validate_raw(raw_post_bytes(7), b"x:t7", max_bytes=LIMIT)
    assert isinstance(result, Keep)
    assert result.record.post_id == "x:t7"
    assert result.record.author.followers == 12


def test_valid_post_without_key_is_kept():
    assert isinstance(validate_raw(raw_post_bytes(1), None, max_bytes=LIMIT), Keep)


def _json(**overrides):
    return json.dumps(raw_post_dict(1, **overrides)).encode()


def _without(field):
    data = raw_post_dict(1)
    del data[field]
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("value", "key", "reason", "mentions"),
    [
        (None, None, DeadReason.INVALID_JSON, "no value"),
        (b"x" * (LIMIT + 1), None, DeadReason.TOO_LARGE, "limit"),
        (b'{"text": "caf\xe9"}', None, DeadReason.INVALID_UTF8, "UTF-8"),
        (b'{"source": "x", "external_id": "t1", "text": "afgebro', None, DeadReason.INVALID_JSON, "JSON"),
        (b"[1, 2, 3]", None, DeadReason.INVALID_JSON, "list"),
        (b'"alleen een string"', None, DeadReason.INVALID_JSON, "str"),
        (_without("text"), None, DeadReason.INVALID_SCHEMA, "text"),
        (_without("published_at"), None, DeadReason.INVALID_SCHEMA, "published_at"),
        (_json(author={"followers": "veel"}), None, DeadReason.INVALID_SCHEMA, "author.followers"),
        (_json(channel="postduif"), None, DeadReason.INVALID_SCHEMA, "channel"),
        (_json(published_at="2026-11-20T09:15:00"), None, DeadReason.INVALID_SCHEMA, "timezone"),
        (_json(published_at=1763626500), None, DeadReason.INVALID_SCHEMA, "ISO 8601"),
        (_json(fetched_at="gisteren"), None, DeadReason.INVALID_SCHEMA, "fetched_at"),
        (_json(external_id=""), None, DeadReason.INVALID_SCHEMA, "external_id"),
        (_json(source="X Twitter"), None, DeadReason.INVALID_SCHEMA, "source"),
        (_json(post_id="x:iets-anders"), None, DeadReason.INVALID_SCHEMA, "post_id"),
        (_json(text="a" * 50_001), None, DeadReason.INVALID_SCHEMA, "text"),
        (raw_post_bytes(1), b"x:t2", DeadReason.KEY_MISMATCH, "x:t1"),
    ],
)
def test_bad_records_fail_with_reason(value, key, reason, mentions):
    result = validate_raw(value, key, max_bytes=LIMIT)
    assert isinstance(result, Fail)
    assert result.reason == reason
    assert mentions in result.error


def test_schema_error_does_not_echo_the_input():
    secret = "mijn-iban-NL00BANK0123456789"
    result = validate_raw(_json(author={"followers": secret}), None, max_bytes=LIMIT)
    assert isinstance(result, Fail)
    assert secret not in result.error
