"""GB 32100-2015 unified social credit code: check character and per-rule messages."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.rules.uscc import CHARSET, ENTITY_TYPES, check_character, is_valid_uscc, uscc_problem

KNOWN_VALID = ["91350100M000100Y43", "91110108551385082Q"]


@st.composite
def valid_codes(draw) -> str:
    authority = draw(st.sampled_from(sorted(ENTITY_TYPES)))
    entity = draw(st.sampled_from(ENTITY_TYPES[authority]))
    division = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    organisation = draw(st.text(alphabet=CHARSET, min_size=9, max_size=9))
    first17 = authority + entity + division + organisation
    return first17 + check_character(first17)


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_valid_codes_pass(code):
    assert uscc_problem(code) is None and is_valid_uscc(code)


@given(valid_codes())
def test_generated_codes_are_valid(code):
    assert is_valid_uscc(code)


@given(valid_codes(), st.integers(min_value=0, max_value=17), st.sampled_from(CHARSET + "abcIOSVZ-"))
def test_every_single_character_change_is_caught(code, position, replacement):
    if code[position] == replacement:
        replacement = CHARSET[(CHARSET.index(replacement) + 1) % len(CHARSET)]
    changed = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_uscc(changed)


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_every_substitution_of_known_codes_is_caught(code):
    for position in range(18):
        for char in CHARSET:
            if char != code[position]:
                assert not is_valid_uscc(code[:position] + char + code[position + 1 :])


@given(st.text(alphabet=CHARSET, max_size=40).filter(lambda text: len(text) not in (0, 18)))
def test_wrong_length_has_its_own_message(code):
    assert uscc_problem(code).rule == "length"


@given(valid_codes(), st.integers(min_value=0, max_value=17), st.sampled_from("abcdefghjkmnpqrtuwxy"))
def test_lower_case_has_its_own_message(code, position, letter):
    assert uscc_problem(code[:position] + letter + code[position + 1 :]).rule == "lower_case"


@given(valid_codes(), st.integers(min_value=0, max_value=17), st.sampled_from("IOSVZ-_ #中"))
def test_illegal_characters_have_their_own_message(code, position, char):
    assert uscc_problem(code[:position] + char + code[position + 1 :]).rule == "charset"


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("", "required"),
        (None, "required"),
        ("B1350100M000100Y43", "authority"),
        ("95350100M000100Y43", "entity_type"),
        ("913501A0M000100Y43", "division"),
        ("91350100M000100Y44", "check"),
    ],
)
def test_each_rule_is_named(code, rule):
    assert uscc_problem(code).rule == rule


def test_messages_differ_per_rule():
    messages = {
        uscc_problem(code).message
        for code in [
            "",
            "9135",
            "91350100m000100Y43",
            "91350100M000100I43",
            "B1350100M000100Y43",
            "95350100M000100Y43",
            "913501A0M000100Y43",
            "91350100M000100Y44",
        ]
    }
    assert len(messages) == 8
