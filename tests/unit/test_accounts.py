"""Owned accounts: the brand's own posts, and the proactive flag (about the brand, not sent to it)."""

from __future__ import annotations

import pytest

from processors.relevance.monitors import Monitor
from processors.relevance.accounts import is_brand_post, is_proactive, owned_contact
from schemas import RawPost
from tests.helpers import raw_post_dict

BESTELBAAS = Monitor(id="bestelbaas", name="Bestelbaas", query="bestelbaas", owned_accounts=["Bestelbaas_Helpt"])
SPAARKIST = Monitor(id="spaarkist", name="Spaarkist", query="spaarkist", owned_accounts=["spaarkist"])


def post(**overrides) -> RawPost:
    return RawPost(**raw_post_dict(1, **overrides))


@pytest.mark.parametrize(
    ("overrides", "matched", "expected"),
    [
        ({"addressed": [], "text": "Bestelbaas is weer eens te laat"}, [BESTELBAAS], True),
        ({"addressed": ["bestelbaas_helpt"]}, [BESTELBAAS], False),
        ({"addressed": ["@BESTELBAAS_HELPT"]}, [BESTELBAAS], False),  # case and '@' do not matter
        ({"addressed": ["iemand_anders"]}, [BESTELBAAS], True),
        ({"addressed": [], "author": {"handle": "bestelbaas_helpt"}}, [BESTELBAAS], False),  # the brand itself
        ({"addressed": ["bestelbaas_helpt"]}, [BESTELBAAS, SPAARKIST], True),  # about Spaarkist, not sent to it
        ({"addressed": []}, [], False),  # matches no brand: nothing to be proactive about
        ({"addressed": [], "author": None}, [SPAARKIST], True),
    ],
)
def test_is_proactive(overrides, matched, expected):
    assert is_proactive(post(**overrides), matched) is expected


@pytest.mark.parametrize(
    ("author", "addressed", "expected"),
    [
        ({"handle": "BESTELBAAS_helpt"}, [], ["bestelbaas"]),  # the brand wrote it
        ({"handle": "klant1"}, [], []),
        (None, [], []),
        ({"handle": None}, ["iemand"], []),
        ({"handle": "klant1"}, ["@Spaarkist"], ["spaarkist"]),  # sent to the brand
        ({"handle": "klant1"}, ["spaarkist", "bestelbaas_helpt"], ["bestelbaas", "spaarkist"]),
    ],
)
def test_owned_contact(author, addressed, expected):
    assert owned_contact(post(author=author, addressed=addressed), [BESTELBAAS, SPAARKIST]) == expected


@pytest.mark.parametrize(
    ("author", "monitors", "expected"),
    [
        ({"handle": "@Bestelbaas_HELPT"}, [BESTELBAAS], True),  # case and '@' do not matter
        ({"handle": "bestelbaas_helpt"}, [SPAARKIST], False),  # not an account of the post's monitors
        ({"handle": "bestelbaas_helpt"}, [SPAARKIST, BESTELBAAS], True),
        ({"handle": "klant1"}, [BESTELBAAS], False),
        (None, [BESTELBAAS], False),  # no author: nobody's own post
    ],
)
def test_is_brand_post(author, monitors, expected):
    assert is_brand_post(post(author=author, addressed=[]), monitors) is expected
