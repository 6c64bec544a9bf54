"""Pseudonymisation, tested from both sides: every real name goes, and no ordinary word is touched."""
from __future__ import annotations

import doctest
import re

import pytest

import bot.core.redaction
from bot.core.redaction import AMBIGUOUS_LABEL, HONORIFICS, Redactor, slack_to_plain
from bot.core.review import Person
from tests.stories import FIELDS

# Everyday English and the words of multi-agency safeguarding work. Some are chosen because they
# sit close to the sample's names: tanker, tanned, tenner, banner, manner (Tanner); ashy, ashen,
# ashes (Ashby); crag, craft, crab (Craig); thirsty, kirk, kit (Kirsty); lemon, lesson, linen
# (Lennon); gem, gamma, gemstone (Gemma).
COMMON_WORDS = """
the of and to in is was for on that with as at by from it this be are or an have has had not but all were
they she he we you his her their our there which when what who will would could should can may might must
one two three first last new old good bad high low long short big small more most many much some any
each every other another same such only also very just than then now here about after before over under
between through during without within into out up down off again further once home house flat room cot
baby child children mother father mum dad parent parents family families grandmother grandfather partner
brother sister aunt uncle carer carers neighbour friend visit visits visited appointment review reviews
report reports record records recorded note notes letter phone call called text message email meeting
plan plans planned assessment assessments referral referrals threshold thresholds strategy discussion
conference core group protection safeguarding concern concerns risk risks harm injury injuries bruise
bruising mark marks body map neglect abuse domestic violence incident incidents police officer officers
constable sergeant health visitor visitors midwife nurse doctor paediatrician hospital clinic surgery
practice school teacher nursery worker key social worker manager team duty front door early help housing
officer tenancy landlord temporary accommodation transfer move moved moving area borough council
agency agencies service services probation court order section legal advice consent information sharing
sharing shared share told tell asked ask said say thought think felt feel knew know known learned later
time times day days week weeks month months year years morning evening night tonight today yesterday
monday tuesday wednesday thursday friday saturday sunday march april june july october november
workload caseload staffing supervision sickness cover targets timescales dashboard performance
indicators culture management political context personal factors mindset attention tiredness
engagement presentation language interpreter disability mental alcohol drugs substance housing
shortage damp disrepair chest infection antibiotics feeding thriving crying sleeping safe safety
hostel maisonette scald scalded burn kettle radiator gas leak boiler ear grizzly toddler milestones
tanker tanned tenner banner manner ashy ashen ashes crag craft crab thirsty kirk kit lemon lemons
lesson linen gem gems gamma gemstone ash-blonde
DASH MASH MARAC IDVA CAMHS LADO GP HV DSL PNC CP CIN NHS Ofsted B&B A&E
""".split()

# Capitalised, these are one letter from a name ("Tanner", "Ashby", "Craig"): see the test after next.
ONE_LETTER_FROM_A_NAME = {"tanker", "tanned", "tenner", "ashy", "crag"}
SENTENCE_STARTS = [w for w in COMMON_WORDS if w.isalpha() and w.islower() and w not in ONE_LETTER_FROM_A_NAME]


@pytest.fixture(scope="module")
def redactor(sample_review) -> Redactor:
    return Redactor.for_review(sample_review)


def real_names(review) -> set[str]:
    return {word for person in review.people for name in person.names for word in re.findall(r"[^\W\d_]+", name)
            if word.lower() not in HONORIFICS}


def test_the_redaction_module_examples_hold():
    assert doctest.testmod(bot.core.redaction).failed == 0


def test_every_real_name_in_the_sample_reflections_is_replaced(redactor, sample_review, sample_reflections):
    names = real_names(sample_review)
    seen_names = 0
    for reflection in sample_reflections:
        for field in FIELDS:
            texts = reflection[field] if isinstance(reflection[field], list) else [reflection[field]]
            for text in texts:
                cleaned = redactor.clean(text)
                seen_names += text != cleaned
                for name in names:
                    assert not re.search(rf"\b{name}\b", cleaned, re.IGNORECASE), (name, cleaned)
                # Misspelt ("Kristy", "Lenon") and first-name-only mentions are caught by the fuzzy match too.
                assert not re.search(r"\bKristy\b|\bLenon\b|\bLennon\b|\bTanner\b", cleaned)
    assert seen_names >= 8  # the sample mentions the family in at least eight answers


@pytest.mark.parametrize("written, expected", [
    ("Kristy was upset", "Mother was upset"),                       # misspelt: two letters swapped
    ("Lenon and Lennen and LENNON and lennon", "Child D and Child D and Child D and Child D"),
    ("Kirsty's flat", "Mother's flat"),                             # possessive
    ("Lennon’s hand", "Child D’s hand"),                            # curly apostrophe
    ("the partner Mr Tanner had left", "the partner Mother's partner had left"),  # honorific
    ("Mr. Tanner's van", "Mother's partner's van"),
    ("Ms Ashby and Mrs Ashby", "Mother and Mother"),                # a listed full name, any female honorific
    ("Kirsty Ashby and Lennon Ashby", "Mother and Child D"),        # a full name is one label
    ("the Ashby family", f"the {AMBIGUOUS_LABEL} family"),          # a shared surname is not guessed
    ("aunt Gemma was there", "aunt Maternal aunt was there"),
    ("see <https://records.example/file|Lennon's file>", "see Child D's file (https://records.example/file)"),
    ("Lennon'll be fine", "Child D'll be fine"),
])
def test_names_are_replaced_however_they_are_written(redactor, written, expected):
    assert redactor.clean(written) == expected


def test_at_least_two_hundred_ordinary_words_come_through_untouched(redactor):
    assert len(COMMON_WORDS) >= 200
    for word in COMMON_WORDS:
        assert redactor.clean(word) == word
    sentence = " ".join(COMMON_WORDS)
    assert redactor.clean(sentence) == sentence
    # At the start of a sentence, with a capital letter, they are still not names.
    for word in SENTENCE_STARTS:
        start = word.capitalize() + " was noted."
        assert redactor.clean(start) == start, word


def test_a_capitalised_word_one_letter_from_a_name_is_taken_for_the_name(redactor):
    # The price of catching "Lennen": in a review with a Tanner, "Tanker" at the start of a sentence
    # reads as a misspelt name. Lower-case words are never matched fuzzily.
    assert redactor.clean("Tanker said so") == "Mother's partner said so"
    assert redactor.clean("the tanker said so") == "the tanker said so"


def test_slack_markup_is_made_inert_and_mentions_are_named_by_role(redactor):
    plain = redactor.clean("<!channel> <!here|here> <@U0HV0001> <@U0LEAD02> <@U9UNKNOWN> <#C1|general> "
                           "&lt;!everyone&gt; fish &amp; chips")
    assert "<" not in plain and ">" not in plain
    assert plain == ("@\u200bchannel @\u200bhere @Health visitor (Brackenshire Community Health) @a lead reviewer "
                     "@someone in Slack #general @\u200beveryone fish & chips")


def test_short_and_word_like_names_need_care():
    redactor = Redactor([Person("Adult F", ("May Jones", "May")), Person("Son", ("Al",))])
    assert redactor.clean("May said she may call Al, al dente") == "Adult F said she may call Son, al dente"
    assert redactor.clean("Mrs Jones") == "Adult F"


def test_plain_text_keeps_what_is_not_slack_markup():
    assert slack_to_plain("a < b and c > d, <3") == "a < b and c > d, <3"


@pytest.mark.parametrize("written, expected", [
    # A possessive or plural without its apostrophe, in lower case.
    ("kaydens cot was fine", "Child D's cot was fine"),
    ("went to shannons flat", "went to Mother's flat"),
    # Invisible and look-alike characters: the name is what it looks like. The rest is kept as written.
    ("Kay\u00adden was asleep", "Child D was asleep"),                 # a soft hyphen
    ("Kay\u200bden’s cot\u200b", "Child D’s cot\u200b"),              # a zero-width space
    ("Ｋａｙｄｅｎ smiled at Ｓｈａｎｎｏｎ", "Child D smiled at Mother"),  # fullwidth letters
    # A surname with an apostrophe, however it is written: one label, no "O'" left over.
    ("Ms O'Neill said", "Grandmother said"),
    ("Mrs ONeill and Ms Oneill", "Grandmother and Grandmother"),
    ("Mary O Neill and Mary O’Neill", "Grandmother and Grandmother"),
    ("O'Niell came round", "Grandmother came round"),                 # misspelt
    ("at six o'clock", "at six o'clock"),
])
def test_common_spellings_of_real_names_are_replaced(written, expected):
    redactor = Redactor([Person("Child D", ("Kayden Morris", "Kayden")),
                         Person("Mother", ("Shannon Morris", "Shannon", "Ms Morris")),
                         Person("Grandmother", ("Mary O'Neill",))])
    assert redactor.clean(written) == expected


@pytest.mark.parametrize("written, expected", [
    # Plainly the everyday word: kept.
    ("the rose garden, in good faith", "the rose garden, in good faith"),
    ("I will call; the brook behind the flats and the marsh road", "I will call; the brook behind the flats and "
                                                                   "the marsh road"),
    ("I hope the roses last", "I hope the roses last"),
    # Used as a name: replaced.
    ("I spoke to her son Will about it.", "I spoke to her son Son about it."),                # a relationship word
    ("mum Rose came with Mrs Brook", "mum Grandmother came with Aunt"),                      # ... and an honorific
    ("We saw Rose and Will at home.", "We saw Grandmother and Son at home."),                # capitalised in a sentence
    ("Rose Marsh was there, and so was rose marsh", "Grandmother was there, and so was Grandmother"),  # a full name
    ("Faith Brook rang.", "Aunt rang."),
])
def test_a_name_that_is_an_everyday_word_is_replaced_only_where_it_is_a_name(written, expected):
    redactor = Redactor([Person("Son", ("Will Barker", "Will")), Person("Grandmother", ("Rose Marsh", "Rose")),
                         Person("Aunt", ("Faith Brook", "Ms Brook"))])
    assert redactor.clean(written) == expected
    assert redactor.doubts == {}


def test_where_it_cannot_tell_it_takes_the_name_and_says_so():
    redactor = Redactor([Person("Son", ("Will Barker", "Will")), Person("Child D", ("Kayden",))])
    text = "Kayden was fine. Will you call her? I said I will. “Will is at school,” she said."
    assert redactor.clean(text) == "Child D was fine. Son you call her? I said I will. “Son is at school,” she said."
    assert redactor.doubts == {text: [("Son", "Son you call her?"), ("Son", "Son is at school,” she said.")]}
