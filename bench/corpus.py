"""Invented reflection text for the benchmark: realistic lengths, names to redact, five factors each.

Everything here is fictional. Texts are built from sentence patterns the way people
write in a chat (a few sentences, names as they remember them, sometimes misspelt),
with the lengths of the fictional sample reflections (50 to 400 characters a field).

    review = bench_review("bench", episodes=60, members=40)   # tests/synthetic.py's shape, named people
    script = answer_script(review, member, rng)               # what one practitioner types, in order
"""
from __future__ import annotations

import dataclasses
import random

from bot.core.review import Person, Review
from tests.synthetic import synthetic_review

FIRST_NAMES = ["Kayla", "Jordan", "Maisie", "Tyler", "Aaliyah", "Connor", "Bethany", "Declan", "Shannon", "Reece",
               "Chantelle", "Lewis", "Paige", "Callum", "Jasmine", "Brandon", "Leanne", "Dylan", "Courtney", "Mason"]
SURNAMES = ["Thornton", "Whitlock", "Ashworth", "Pemberton", "Haworth", "Gallagher", "Fairbairn", "Holloway",
            "Kendrick", "Marsden", "Ollerton", "Rowntree", "Sutcliffe", "Tindall", "Wainwright", "Blackwood",
            "Cartwright", "Dunmore", "Eversley", "Fenwick"]
NICKNAMES = ["Kay", "Jordy", "Mais", "Ty", "Liyah", "Con", "Beth", "Dec", "Shan", "Reecey", "Chan", "Lew", "Paigey",
             "Cal", "Jas", "Bran", "Lea", "Dyl", "Court", "Mase"]
LABELS = ["Adult F", "Son", "Daughter", "Partner", "Neighbour", "Carer", "Brother", "Sister", "Grandmother",
          "Lodger", "Friend", "Uncle", "Aunt", "Niece", "Nephew", "Cousin", "Father", "Mother", "Ex-partner",
          "Landlord"]
# Women's honorific for even people, men's for odd, so "Ms Thornton" and "Mr Whitlock" both occur.
HONORIFIC = ["Ms", "Mr"]


def misspell(name: str, rng: random.Random) -> str:
    """A misspelling people really make: a letter dropped or doubled ("Thornton" -> "Thorton", "Thorrnton")."""
    i = rng.randrange(1, len(name) - 1)
    kind = rng.choice(("drop", "double"))
    return name[:i] + name[i + 1:] if kind == "drop" else name[:i] + name[i] + name[i:]


def bench_people(count: int = 20) -> list[Person]:
    """`count` people, each with four name variants: full name, first name, honorific and surname, nickname."""
    people = []
    for i in range(count):
        first, surname = FIRST_NAMES[i % 20], SURNAMES[(i * 7) % 20]
        people.append(Person(LABELS[i % 20] + (f" {i // 20 + 1}" if i >= 20 else ""),
                             (f"{first} {surname}", first, f"{HONORIFIC[i % 2]} {surname}", NICKNAMES[i % 20])))
    return people


def bench_review(key: str = "bench", episodes: int = 60, members: int = 40, people: int = 20) -> Review:
    """tests/synthetic.py's synthetic review, with people whose names look like names (for redaction)."""
    return dataclasses.replace(synthetic_review(key, episodes=episodes, members=members, people=people),
                               people=bench_people(people))


SENTENCES = {
    "involvement": [
        "I visited {name} at home on the Tuesday with a colleague from the duty team.",
        "I took the call from {name} just before the end of my shift and wrote it up the next morning.",
        "We had a joint visit planned but only I could go, so I saw {name} on my own.",
        "I chaired the strategy discussion and agreed the actions with police and health.",
        "{name} came into the surgery with a bruise on her arm and said she had fallen.",
        "I was the allocated worker from March, after the case was transferred from the east team.",
        "I spoke to {name} by phone twice and once in person at the front desk.",
    ],
    "at_the_time": [
        "It looked like a family under pressure but coping, and {name} was clear she wanted no help.",
        "Nothing on the record flagged a risk, and the last contact had been closed with no concerns.",
        "I thought it was a one-off after an argument; she had no injuries I could see.",
        "At the time it felt like the housing problem was the main issue, not safety at home.",
        "{name} seemed well cared for and the flat was warm and tidy.",
        "I believed the other agency was already leading on it, so my part was to pass the information on.",
    ],
    "front_of_mind": [
        "I had 27 cases and three reports due that week.",
        "Two colleagues were off sick and I was covering their duty days as well as my own.",
        "Getting the assessment closed inside the timescale was on the dashboard every Monday.",
        "I was worried about another family on my list where a baby had just been born.",
        "The queue of calls was long and we were the only car covering the east side that night.",
    ],
    "options": [
        "I could have asked for a joint visit, but the next slot was weeks away.",
        "Escalating to my manager was possible but she was in back-to-back panels.",
        "I could refer to early help or keep it open for another month.",
        "Arrest was not an option because there was no allegation and he had gone.",
        "Calling {name}'s GP was an option; I left a message with reception.",
    ],
    "hoped_to_achieve": [
        "Make sure she was safe that night and knew how to reach us.",
        "Keep {name} engaged without making her feel judged.",
        "A proportionate response that did not escalate a family unnecessarily.",
        "Get the right people round the table quickly.",
    ],
    "went_well": [
        "The notification went in before the end of the shift.",
        "{name} trusted me enough to tell me about the money worries.",
        "The handover between the two teams was quick and clear.",
        "Good rapport on the first visit; she texted me when they moved.",
    ],
    "changes": [
        "Partner checks should be back before an assessment can be closed.",
        "A simple way for housing to tell health when a vulnerable adult moves.",
        "Shared access to each other's records for the named workers on a case.",
        "A duty system that covers sickness without doubling someone's list.",
        "When a case transfers, the new worker should get a call, not just the file.",
    ],
}
LENGTHS = {"involvement": (2, 4), "at_the_time": (2, 3), "front_of_mind": (1, 3), "options": (1, 3),
           "hoped_to_achieve": (1, 2), "went_well": (1, 2), "changes": (1, 3)}

# Own words for each heading of prompts/framework.toml: "heading: own words" matches that heading alone.
FACTOR_WORDS = {
    "the family": ["missed appointments", "she did not want services involved", "language barrier at visits",
                   "presented as coping well"],
    "practitioner's own role": ["I only saw her every six weeks", "visits were always at the surgery",
                                "my role ended at the referral"],
    "conditions of work": ["caseload of 480 families", "two staff off sick", "records system down that week",
                           "no time between visits"],
    "personal factors": ["I was tired after a night shift", "I was sure it was a one-off",
                         "my confidence in challenging the GP"],
    "own team": ["supervision had been cancelled twice", "my manager was covering two teams",
                 "new colleagues still learning the area"],
    "inter-agency team": ["the referral never reached health", "we did not know who else was involved",
                          "information sharing between police and housing"],
    "organisational culture and management": ["timescales on the dashboard", "void targets",
                                              "closing cases quickly was praised"],
    "wider political context": ["the housing shortage in the district", "funding cuts to early help",
                                "national policy on thresholds"],
    "other": ["the bank holiday weekend", "a change of address nobody recorded"],
}
KNOWLEDGE = ["memory", "records", "learned later"]


def _text(field: str, names: list[str], rng: random.Random) -> str:
    low, high = LENGTHS[field]
    chosen = rng.sample(SENTENCES[field], min(rng.randint(low, high), len(SENTENCES[field])))
    return " ".join(s.format(name=rng.choice(names)) for s in chosen)


def typed_names(review: Review, rng: random.Random) -> list[str]:
    """The names practitioners type: every variant, and now and then a misspelt one."""
    names = [name for person in review.people for name in person.names]
    long_names = [n.split()[-1] for n in names if len(n.split()[-1]) >= 5]
    return names + [misspell(n, rng) for n in rng.sample(long_names, max(1, len(long_names) // 8))]


def factors_answer(rng: random.Random, count: int = 5) -> list[str]:
    """`count` contributory factors under different headings, each with own words."""
    return [f"{heading}: {rng.choice(FACTOR_WORDS[heading])}" for heading in rng.sample(sorted(FACTOR_WORDS), count)]


def reflection(review: Review, rng: random.Random, names: list[str] | None = None) -> dict:
    """One practitioner's answers for one episode, keyed by the steps of prompts/conversation.toml."""
    names = names or typed_names(review, rng)
    answers = {field: _text(field, names, rng) for field in LENGTHS}
    answers["knowledge_source"] = rng.choice(KNOWLEDGE)
    answers["factors"] = factors_answer(rng)
    return answers


def typed(answers: dict, field: str) -> str:
    """What a practitioner types for `field`: factors separated by semicolons."""
    value = answers[field]
    return "; ".join(value) if isinstance(value, list) else value


def answer_script(review: Review, member, prompts, rng: random.Random):
    """What one practitioner types, in order: consent, every answer of each of their episodes, then submit.

    Yields (text, episode key or "" for consent and submit, step key or "")."""
    names = typed_names(review, rng)
    yield "yes", "", ""
    for episode in review.episodes_for(member):
        answers = reflection(review, rng, names)
        for step in prompts.steps:
            yield typed(answers, step.key), episode.key, step.key
    yield "submit", "", ""


def factor_statements(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """`count` contributory factors as (heading, statement), worded as practitioners word them (for the
    grouping benchmark): the framework's own words with openers, qualifiers and endings."""
    openers = ["", "really ", "mainly ", "I think ", "honestly, ", "partly ", "above all ", "again "]
    qualifiers = ["", " that month", " on the day", " all year", " for weeks", " at the time", " as usual",
                  " that winter", " after the restructure", " before the move"]
    endings = ["", ".", " again", " (see records)", "!", " - big issue"]
    statements = []
    for _ in range(count):
        heading = rng.choice(sorted(FACTOR_WORDS))
        statements.append((heading, rng.choice(openers) + rng.choice(FACTOR_WORDS[heading]) + rng.choice(qualifiers)
                           + rng.choice(endings)))
    return statements
