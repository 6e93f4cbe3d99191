"""`luister report --format html` opened in a real headless Chromium.

The sample goes through the real enrich and classify stages into a test-unique prefix
(tests/integration/test_reports.py), the installed `luister` command writes the page, and
Chromium loads it from disk: its DOM must carry the sample's figures counted here in Python,
and its screenshot must show the charts in their colours. Chromium comes from `make browser`
(Debian's package); the test skips only when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from pipeline.reports.html import BRAND_COLOUR, CHANNEL_COLOURS, SENTIMENT_COLOURS
from pipeline.search import connect, drop_indices, index_posts, posts_index, setup_indices
from pipeline.settings import Settings
from schemas import INTENTS
from tests.integration.conftest import unique_name
from tests.integration.test_reports import AMSTERDAM, MONITORS, NOW, SAMPLE, WINDOW, _enriched_sample, _mentions
from tests.unit.test_report_html import PageReader

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium waits for servers it cannot reach on a closed network.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")
SCREEN = (1200, 2000)
MONITOR = "bestelbaas"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: run `make browser` (Debian's chromium)"),
]


@pytest.fixture(scope="module")
def sample(stack):
    client = connect(Settings().search)
    prefix = unique_name("report-html")
    setup_indices(client, prefix, now=NOW)
    posts = _enriched_sample()
    outcome = index_posts(client, prefix, posts)
    assert not outcome.rejected and not outcome.retry
    client.refresh(posts_index(prefix))
    yield prefix, posts
    drop_indices(client, prefix)
    client.close()


@pytest.fixture(scope="module")
def page(sample, tmp_path_factory) -> Path:
    """The report page, written by the installed command."""
    prefix, _ = sample
    path = tmp_path_factory.mktemp("report") / "report.html"
    luister = Path(sys.executable).with_name("luister")
    env = {**os.environ, "LUISTER_SEARCH__INDEX_PREFIX": prefix,
           "LUISTER_RELEVANCE__MONITORS_FILE": str(SAMPLE / "monitors.yaml")}
    done = subprocess.run([str(luister), "report", "--monitor", MONITOR, "--since", "2026-11-01", "--until",
                           "2026-11-22", "--format", "html", "--out", str(path)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return path


def _chromium(tmp_path: Path, *args: str) -> str:
    """Run headless Chromium with a fresh profile; its stdout."""
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp_path)
    done = subprocess.run([str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_browser_dom_carries_the_sample_figures(sample, page, tmp_path):
    _, posts = sample
    dom = PageReader(_chromium(tmp_path, "--dump-dom", page.as_uri()))
    mine = _mentions(posts, MONITOR)
    day = {p.post_id: p.published_at.astimezone(AMSTERDAM).date().isoformat() for p in mine}

    def bars(figure: str) -> dict[tuple[str, str], int]:
        found = [((b["data-label"], b["data-series"]), int(b["data-count"])) for b in dom.bars[figure]]
        assert len(found) == len(dict(found)), f"{figure}: two bars for one day and series"
        return dict(found)
    assert bars("volume") == dict(Counter((day[p.post_id], p.channel.value) for p in mine))
    assert bars("sentiment") == dict(Counter((day[p.post_id], p.sentiment.label) for p in mine if p.sentiment))
    intents = Counter(p.intent.label for p in mine if p.intent)
    assert {b["data-label"]: int(b["data-count"]) for b in dom.bars["intent"]} == {i: intents[i] for i in INTENTS}
    voice = {b["data-label"]: int(b["data-count"]) for b in dom.bars["share-of-voice"]}
    assert voice[MONITOR] == len(mine) and set(voice) == {MONITOR, *(c.id for c in MONITORS[MONITOR].competitors)}
    assert dom.headline["mentions"] == str(len(mine))

    volume = dom.bars["volume"]
    unit = sum(float(b["height"]) for b in volume) / len(mine)
    assert all(float(b["height"]) == pytest.approx(int(b["data-count"]) * unit, abs=0.01) for b in volume)
    shown_days = {b["data-label"] for b in volume}
    assert shown_days and all(WINDOW.since.date().isoformat() <= d < WINDOW.until.date().isoformat()
                              for d in shown_days)


def test_the_screenshot_shows_the_charts(sample, page, tmp_path):
    _, posts = sample
    shot = tmp_path / "report.png"
    _chromium(tmp_path, f"--screenshot={shot}", f"--window-size={SCREEN[0]},{SCREEN[1]}", page.as_uri())
    pixels = _png_pixels(shot.read_bytes())
    assert pixels.shape[:2] == (SCREEN[1], SCREEN[0])
    white = (pixels == 255).all(axis=2)
    assert white.mean() < 0.95, "the screenshot is (nearly) blank"

    mine = _mentions(posts, MONITOR)
    busiest = Counter(p.channel.value for p in mine).most_common(1)[0][0]
    for colour in (CHANNEL_COLOURS[busiest], SENTIMENT_COLOURS["negative"], BRAND_COLOUR):
        painted = (pixels == _rgb(colour)).all(axis=2).sum()
        assert painted > 1000, f"no bars painted in {colour}"  # more than a legend swatch (11 x 11 pixels)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _png_pixels(data: bytes) -> np.ndarray:
    """An 8-bit RGB(A) PNG as a height x width x 3 array (no image library in the project)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks, pos = {}, 8
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunks[kind] = chunks.get(kind, b"") + data[pos + 8:pos + 8 + size]
        pos += 12 + size
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8 and colour_type in (2, 6) and not interlace, "only 8-bit RGB(A), not interlaced"
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * bpp
    rows = np.zeros((height, stride), dtype=np.uint8)
    previous = rows[0].copy()
    for y in range(height):
        kind, line = raw[y * (stride + 1)], np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1)
        rows[y] = _unfilter(kind, line, previous, bpp)
        previous = rows[y]
    return rows.reshape(height, width, bpp)[:, :, :3]


def _unfilter(kind: int, line: np.ndarray, up: np.ndarray, bpp: int) -> np.ndarray:
    """Undo one row's PNG filter (RFC 2083, 6.2): 0 none, 1 sub, 2 up, 3 average, 4 Paeth."""
    if kind == 0:
        return line
    if kind == 1:
        return line.reshape(-1, bpp).cumsum(axis=0, dtype=np.uint8).reshape(-1)
    if kind == 2:
        return line + up
    out, above = bytearray(line.tobytes()), up.tobytes()
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        b, c = above[i], above[i - bpp] if i >= bpp else 0
        if kind == 3:
            out[i] = (out[i] + (a + b) // 2) & 0xFF
        else:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            out[i] = (out[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    return np.frombuffer(bytes(out), np.uint8)
