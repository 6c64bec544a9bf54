"""A practitioner withdraws consent: typed `withdraw`, then confirmed. Their words leave the database and its files."""
from bot.reflect import Reflections
from tests.runningkit import clock, said_to, store  # noqa: F401
from tests.stories import answer_everything, reflections_by_member

GP = "U0GP0001"


def test_withdrawing_needs_a_confirmation_then_deletes_the_answers_from_the_file(
        fake, slack, store, imported, prompts, sample_reflections, db_path):
    Reflections(store, prompts).invite_all("child-d", actor="test", only=[GP])
    reflection = reflections_by_member(sample_reflections, imported)[GP]
    answer_everything(slack, GP, reflection, prompts)
    assert store.conversations.state("child-d", GP).stage == "submitted"
    typed = reflection[0]["involvement"]

    # `withdraw` asks first; the "No" button keeps everything.
    slack.dm(GP, "withdraw")
    assert said_to(fake, GP, "it can't be undone")
    slack.click(GP, "reflect_confirm_no", "child-d|confirm|no")
    assert said_to(fake, GP, "Nothing has changed")
    assert store.submitted.latest("child-d")[GP]

    # The "Yes" button withdraws: answers and submitted versions go; the review sees "withdrawn".
    slack.dm(GP, "withdraw")
    slack.click(GP, "reflect_confirm_yes", "child-d|confirm|yes")
    assert said_to(fake, GP, "your answers have been deleted")
    assert store.conversations.stages("child-d")[GP] == "withdrawn"
    assert store.conversations.answers("child-d", GP) == {} and store.submitted.versions("child-d", GP) == []
    audit = [a for a in store.audit.trail("child-d") if a["action"] == "reflection.withdrawn"]
    assert audit[0]["detail"] == "9 answers deleted, 1 reflection versions deleted"
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert typed.encode() not in raw

    # Anything typed afterwards is not kept; a stale confirmation button does nothing.
    slack.dm(GP, "Actually, one more thing")
    assert said_to(fake, GP, "You withdrew from")
    assert store.conversations.answers("child-d", GP) == {}
    slack.click(GP, "reflect_confirm_yes", "child-d|confirm|yes")
    assert said_to(fake, GP, "belongs to an earlier question")
