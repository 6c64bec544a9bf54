"""A step loads only the answers it reads, and still shows a stored answer wherever the practitioner goes."""
from bot.core.conversation import State, episodes_needed
from bot.reflect import Reflections
from tests.synthetic import synthetic_review

MEMBER = "U9M0000000"


def said(deliveries) -> str:
    return "\n".join(str(payload["blocks"]) for delivery in deliveries for payload in delivery.payloads)


def test_a_step_reads_its_own_episode_and_at_an_edge_the_next_or_previous_one(prompts):
    review = synthetic_review("edges", episodes=3, members=1)
    assignment = review.assignment(MEMBER)
    first, last = prompts.steps[0].key, prompts.steps[-1].key

    def needed(cursor: str, text: str = "an answer", **state):
        state = {"stage": "asking", **state}
        return episodes_needed(prompts, assignment, State("edges", MEMBER, cursor=cursor, **state), text)

    assert needed(f"KPE2/{prompts.steps[3].key}") == {"KPE2"}
    assert needed(f"KPE2/{first}", "back") == {"KPE1", "KPE2"}
    assert needed(f"KPE2/{last}") == {"KPE2", "KPE3"}
    assert needed(f"KPE1/{first}") == {"KPE1"}
    assert needed(f"KPE3/{last}") is None                 # then "anything else?" and check your answers: everything
    assert needed("/" + prompts.closing[0].key) is None    # asked once for the whole reflection, under no episode
    assert needed("KPE9/gone") is None                     # a cursor from before a re-import
    assert needed(f"KPE2/{first}", "submit") is None
    assert needed(f"KPE2/{first}", editing=True) is None
    assert needed("", stage="checking") is None and episodes_needed(prompts, assignment, None, "hi") is None


def test_going_back_across_an_episode_shows_the_stored_answer_and_keeps_it(tmp_path, prompts):
    from storage import Store
    store = Store(tmp_path / "c.db")
    review = synthetic_review("edges", episodes=2, members=1)
    store.reviews.save(review, actor="test")
    reflections = Reflections(store, prompts)
    reflections.invite("edges", MEMBER, actor="test")
    reflections.take(MEMBER, "yes", "D1", "Ev0")
    typed = {step.key: ("records" if step.kind == "choice" else f"My words for {step.key} in KPE1")
             for step in prompts.steps}
    typed["factors"] = "workload"
    for number, step in enumerate(prompts.steps, start=1):
        reflections.take(MEMBER, typed[step.key], "D1", f"Ev{number}")
    assert store.conversations.state("edges", MEMBER).cursor == f"KPE2/{prompts.steps[0].key}"
    back = said(reflections.take(MEMBER, "back", "D1", "Ev-back"))       # to KPE1's last question
    assert f"My words for {prompts.steps[-1].key} in KPE1" in back and "Keep my answer" in back
    forward = said(reflections.take(MEMBER, "skip", "D1", "Ev-keep"))    # kept, and on to KPE2
    assert "KPE2" in forward
    stored = store.conversations.answers("edges", MEMBER)
    assert stored[("KPE1", prompts.steps[-1].key)] == f"My words for {prompts.steps[-1].key} in KPE1"
