from pathlib import Path

import pytest

from processors.relevance.monitors import MonitorError, load_monitors

SAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "local" / "sample" / "monitors.yaml"


def test_sample_monitors_load():
    monitors = load_monitors(SAMPLE.read_text(), str(SAMPLE))
    assert [m.id for m in monitors] == ["bestelbaas", "spaarkist", "golf"]
    assert monitors[0].owned_accounts == ["bestelbaas", "bestelbaas_helpt"]
    assert [c.id for c in monitors[2].competitors] == ["tringel", "straalnet"]


GOOD = """
monitors:
  - id: bestelbaas
    name: Bestelbaas
    query: 'bestelbaas OR @bestelbaas'
    owned_accounts: ['@Bestelbaas']
"""


def test_handles_are_normalized():
    assert load_monitors(GOOD, "m.yaml")[0].owned_accounts == ["bestelbaas"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("monitors: [", "m.yaml: not valid YAML"),
        ("monitors: []", "monitors"),
        (GOOD.replace("'bestelbaas OR @bestelbaas'", "'bestelbaas AND (pakket'"),
         "monitor 'bestelbaas', query: Value error, not valid Lucene query syntax"),
        (GOOD.replace("'bestelbaas OR @bestelbaas'", "'  '"), "monitor 'bestelbaas', query: Value error, query is empty"),
        (GOOD.replace("id: bestelbaas", "id: Bestel Baas"), "id: String should match pattern"),
        (GOOD + "    unmatched: bewaren\n", "unmatched"),
        (GOOD + "    colour: red\n", "colour: Extra inputs are not permitted"),
        (GOOD + "    competitors:\n      - {id: bestelbaas, name: B, query: b}\n", "used twice"),
        (GOOD + "    competitors:\n      - {id: kooptoren, name: K, query: 'kooptoren OR'}\n",
         "competitor 'kooptoren', query"),
        (GOOD.replace("'bestelbaas OR @bestelbaas'", "'bestelbaas~'"),
         "monitor 'bestelbaas', query: Value error, 'bestelbaas~': fuzzy matching"),
        (GOOD + "    competitors:\n      - {id: kooptoren, name: K, query: 'likes:10'}\n",
         "competitor 'kooptoren', query: Value error, unknown field 'likes'"),
    ],
)
def test_bad_monitor_files_name_the_place(text, message):
    with pytest.raises(MonitorError) as err:
        load_monitors(text, "m.yaml")
    assert str(err.value).startswith("m.yaml: ")
    assert message in str(err.value)


RULES_FILE = """
monitors:
  - id: bestelbaas
    name: Bestelbaas
    query: bestelbaas
    rules:
      - {id: crisis, type: match, query: 'datalek OR oplichting', severity: critical}
      - {id: drukte, type: volume_spike, window_minutes: 15, factor: 3}
      - {id: wacht, type: unanswered, sla_minutes: 60}
"""


def test_alert_rules_are_validated_with_the_monitor():
    rules = load_monitors(RULES_FILE, "m.yaml")[0].rules
    assert [(r.id, r.type) for r in rules] == [("crisis", "match"), ("drukte", "volume_spike"),
                                                ("wacht", "unanswered")]
    assert rules[0].severity == "critical" and rules[1].factor == 3


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("{id: x, type: nope}", "monitor 'bestelbaas', rule 'x'"),
        ("{id: x, type: match, query: 'storing~'}", "fuzzy"),
        ("{id: x, type: volume_spike, factor: -1}", "rule 'x'"),
        ("{id: crisis, type: influencer}", "crisis used twice"),
    ],
)
def test_a_bad_alert_rule_names_its_monitor_and_rule(rule, message):
    text = RULES_FILE.replace("      - {id: wacht, type: unanswered, sla_minutes: 60}", f"      - {rule}")
    with pytest.raises(MonitorError, match=message):
        load_monitors(text, "m.yaml")
