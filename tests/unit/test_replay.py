import pytest

from crawlers.replay import key_of, read_lines


@pytest.mark.parametrize(
    ("line", "key"),
    [
        (b'{"post_id": "x:1", "source": "x", "external_id": "1"}', b"x:1"),
        (b'{"source": "reddit", "external_id": "abc"}', b"reddit:abc"),
        (b'{"source": "reddit"}', None),
        (b"[1, 2]", None),
        (b"{kapot", None),
        (b"\xff\xfe", None),
    ],
)
def test_key_of(line, key):
    assert key_of(line) == key


def test_read_lines_skips_blank_lines_and_strips_endings(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_bytes(b'{"a": 1}\r\n\n   \n{"b": 2}')
    assert list(read_lines(path)) == [b'{"a": 1}', b'{"b": 2}']
