"""Rule configs: the union by type reads every rule of a monitors file, and refuses what is wrong, clearly."""

from __future__ import annotations

from typing import get_args

import pytest
import yaml
from pydantic import TypeAdapter, ValidationError

from processors.alerts import InfluencerRule, MatchRule, NegativeSpikeRule, Rule, UnansweredRule, VolumeSpikeRule
from schemas import Severity

RULES = TypeAdapter(list[Rule])

YAML = """
- {id: datalek, type: match, query: 'datalek OR "gegevens gelekt"', severity: critical}
- {id: drukte, type: volume_spike, window_minutes: 10, factor: 4}
- {id: boos, type: negative_spike, min_share: 0.6}
- {id: bekend, type: influencer, min_followers: 50000, sentiments: [negative, neutral]}
- {id: wachten, type: unanswered, sla_minutes: 30, intents: [question]}
"""


def test_every_type_reads_from_yaml():
    rules = RULES.validate_python(yaml.safe_load(YAML))
    assert [type(r) for r in rules] == [MatchRule, VolumeSpikeRule, NegativeSpikeRule, InfluencerRule, UnansweredRule]
    assert rules[0].severity is Severity.CRITICAL and rules[1].severity is Severity.WARNING
    assert rules[1].window_minutes == 10 and rules[1].baseline_windows == 8
    assert rules[3].sentiments == ("negative", "neutral")
    assert rules[4].intents == ("question",)


def test_the_example_covers_every_rule_type():
    every = set(get_args(get_args(Rule)[0]))
    covered = {type(rule) for rule in RULES.validate_python(yaml.safe_load(YAML))}
    assert covered == every, f"add an example of {every - covered} to YAML above and to the tests of its module"


def test_rules_are_frozen():
    rule = MatchRule(id="datalek", query="datalek")
    with pytest.raises(ValidationError):
        rule.query = "lek"


@pytest.mark.parametrize(
    ("rule", "where", "says"),  # where: the field; '' for the type itself
    [
        ({"id": "x", "type": "spike"}, "", "does not match any of the expected tags: 'match', 'volume_spike'"),
        ({"id": "x"}, "", "Unable to extract tag using discriminator 'type'"),
        ({"id": "x", "type": "match", "query": "a", "querry": "b"}, "querry", "Extra inputs are not permitted"),
        ({"id": "x", "type": "volume_spike", "window": 5}, "window", "Extra inputs are not permitted"),
        ({"id": "a:b", "type": "match", "query": "a"}, "id", "should match pattern"),
        ({"id": "x", "type": "match", "query": "lek~"}, "query", "fuzzy matching"),
        ({"id": "x", "type": "match", "query": "   "}, "query", "query is empty"),
        ({"id": "x", "type": "match", "query": "a", "min_followers": -1}, "min_followers",
         "greater than or equal to 0"),
        ({"id": "x", "type": "match", "query": "a", "group_minutes": 0}, "group_minutes", "greater than or equal to 1"),
        ({"id": "x", "type": "match", "query": "a", "severity": "loud"}, "severity", "'warning' or 'critical'"),
        ({"id": "x", "type": "volume_spike", "window_minutes": -15}, "window_minutes", "greater than or equal to 1"),
        ({"id": "x", "type": "volume_spike", "window_minutes": 1441}, "window_minutes", "less than or equal to 1440"),
        ({"id": "x", "type": "volume_spike", "baseline_windows": 0}, "baseline_windows", "greater than or equal to 1"),
        ({"id": "x", "type": "volume_spike", "factor": -3}, "factor", "greater than or equal to 1"),
        ({"id": "x", "type": "volume_spike", "min_count": -10}, "min_count", "greater than or equal to 1"),
        ({"id": "x", "type": "negative_spike", "min_share": 1.5}, "min_share", "less than or equal to 1"),
        ({"id": "x", "type": "negative_spike", "min_share": -0.5}, "min_share", "greater than 0"),
        ({"id": "x", "type": "negative_spike", "min_count": -8}, "min_count", "greater than or equal to 1"),
        ({"id": "x", "type": "influencer", "min_followers": -1}, "min_followers", "greater than or equal to 0"),
        ({"id": "x", "type": "influencer", "sentiments": ["boos"]}, "sentiments", "unknown sentiment 'boos'"),
        ({"id": "x", "type": "influencer", "sentiments": []}, "sentiments", "at least 1 item"),
        ({"id": "x", "type": "unanswered", "sla_minutes": -60}, "sla_minutes", "greater than or equal to 1"),
        ({"id": "x", "type": "unanswered", "intents": ["klacht"]}, "intents", "unknown intent 'klacht'"),
    ],
)
def test_config_errors_name_the_field_and_the_problem(rule, where, says):
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(Rule).validate_python(rule)
    [error] = caught.value.errors(include_url=False)
    assert error["loc"] == ((rule["type"], where) if where else ())
    assert says in error["msg"]
