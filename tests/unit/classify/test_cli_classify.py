import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import SAMPLE, app
from processors.classify.model import load_classifier

LINES = [
    {"text": "Waar blijft mijn pakket? Al weer vertraging jongens"},
    {"text": ""},
    {"text": "ik ben blij met de service, bedankt!", "id": 7},
    {"text": "😡😡"},
    {"text": "slecht slecht slecht " * 30},
    {"geen_text": 1},
    {"text": "top"},
]


def test_classify_file_json_writes_one_line_per_input_in_order(joint_model, tmp_path):
    posts = tmp_path / "posts.jsonl"
    posts.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in LINES) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["classify", "--file", str(posts), "--json", "--model", str(joint_model),
                                      "--backend", "torch"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(LINES)
    expected = load_classifier(joint_model, backend="torch").classify([line.get("text", "") for line in LINES])
    for row, line, (sentiment, intent) in zip(rows, LINES, expected, strict=True):
        if "text" not in line:
            assert row["sentiment"] is None and row["intent"] is None and "text" in row["error"]
        elif sentiment is None:
            assert row == {"sentiment": None, "intent": None}
        else:
            assert row == {"sentiment": {"label": sentiment.label, "score": round(sentiment.score, 4)},
                           "intent": {"label": intent.label, "score": round(intent.score, 4)}}


def test_classify_one_text_prints_labels_model_and_language(joint_model):
    result = CliRunner().invoke(app, ["classify", "Waar blijft mijn pakket? Dit is echt slecht geregeld",
                                      "--model", str(joint_model)])
    assert result.exit_code == 0, result.output
    assert "sentiment" in result.stdout and "intent" in result.stdout and "language: nl" in result.stdout


def test_classify_without_a_model_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = CliRunner().invoke(app, ["classify", "hallo", "--model", "models/bestaat-niet"])
    assert result.exit_code == 1 and "luister model pull" in result.output


@pytest.fixture
def logging_restored():
    """`luister worker` configures logging onto the runner's stderr, which closes after the run."""
    import logging

    import structlog

    config, handlers = structlog.get_config(), logging.getLogger().handlers[:]
    yield
    structlog.configure(**config)
    logging.getLogger().handlers[:] = handlers


def test_the_ingest_worker_refuses_to_start_without_its_model(tmp_path, monkeypatch, logging_restored):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("LUISTER_WORKER__DATA_DIR", str(tmp_path / "faust"))
    monkeypatch.setenv("LUISTER_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1")  # nothing listens: Kafka is not needed
    monkeypatch.setenv("LUISTER_CLASSIFY__MODEL", "models/bestaat-niet")
    monkeypatch.setenv("LUISTER_RELEVANCE__MONITORS_FILE", str(SAMPLE / "monitors.yaml"))
    result = CliRunner().invoke(app, ["worker", "ingest"])
    assert result.exit_code == 1, result.output
    assert "ingest worker cannot start" in result.output and "luister model pull" in result.output
