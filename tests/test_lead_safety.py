"""The lead's side, made safe (issue 14): changes that can't be lost or hide answers, the whole case group
told, stage moves confirmed, and digests that show who withdrew."""
import threading

from tests.runningkit import clock, store, submit_view  # noqa: F401

LEAD, LEAD2 = "U0LEAD01", "U0LEAD02"


def test_leads_adding_members_and_episodes_at_once_lose_none_of_them(fake, slack, store, imported):
    rounds, at_once = 8, 3
    for n in range(rounds):
        barrier = threading.Barrier(at_once)

        def add(i: int):
            barrier.wait()
            if i == 0:
                submit_view(slack, LEAD, "review_add_episode", "child-d",
                            {"key": f"KPE{10 + n}", "title": "Strategy meeting", "start": "2025-11-03", "end": "",
                             "description": "", "members": ["U0SW0001"]})
            else:
                submit_view(slack, (LEAD, LEAD2)[i % 2], "review_add_member", "child-d",
                            {"user": f"U0NEW{n}{i:02d}", "role": "School nurse", "agency": "Brackenshire Schools",
                             "episodes": ["KPE4"]})
        threads = [threading.Thread(target=add, args=(i,)) for i in range(at_once)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    review = store.reviews.get("child-d")
    added = [m.slack_id for m in review.members if m.slack_id.startswith("U0NEW")]
    assert sorted(added) == sorted(f"U0NEW{n}{i:02d}" for n in range(rounds) for i in range(1, at_once))
    assert [e.key for e in review.episodes if e.key.startswith("KPE1") and e.key != "KPE1"] == [
        f"KPE{10 + n}" for n in range(rounds)]
    assert review.member("U0SW0001").episodes == ("KPE3", *(f"KPE{10 + n}" for n in range(rounds)))
    audited = [a for a in store.audit.trail("child-d") if a["action"] in ("member.added", "episode.added")]
    assert len(audited) == rounds * at_once


def test_every_lead_is_told_of_a_submission_when_the_review_has_no_channel(
        fake, slack, store, sample_review, sample_reflections, prompts):
    from dataclasses import replace

    from tests.runningkit import said_to
    from tests.stories import answer_everything, reflections_by_member
    store.reviews.save(replace(sample_review, channel=""), actor="test")
    slack.command(LEAD, "/review", "invite child-d U0GP0001", fake.response_url)
    fake.wait_for("response_url")
    answer_everything(slack, "U0GP0001", reflections_by_member(sample_reflections, sample_review)["U0GP0001"], prompts)
    assert said_to(fake, "U0GP0001", "The lead reviewers have been told")
    for lead in (LEAD, LEAD2):
        assert said_to(fake, lead, "GP (Millbrook Surgery) submitted a reflection on *Child D*")


def test_a_review_with_a_channel_is_told_there_once(fake, slack, store, imported, sample_reflections, prompts):
    from tests.runningkit import said_to, wait_until
    from tests.stories import answer_everything, reflections_by_member
    slack.command(LEAD, "/review", "invite child-d U0GP0001", fake.response_url)
    fake.wait_for("response_url")
    answer_everything(slack, "U0GP0001", reflections_by_member(sample_reflections, imported)["U0GP0001"], prompts)
    said_to(fake, "U0GP0001", "The lead reviewers have been told")
    told = wait_until(lambda: [c["channel"] for c in fake.calls("chat.postMessage") if "submitted a reflection on"
                               in c["text"]])
    assert told == ["C0REVIEWD"]


def test_a_withdrawn_member_shows_as_withdrawn_and_is_not_waited_for(
        fake, slack, store, imported, sample_reflections, prompts, db_path, monkeypatch, capsys):
    import json

    from bot.cli import main
    from tests.runningkit import said_to
    from tests.stories import submit_directly
    submit_directly(store, imported, sample_reflections, prompts)
    slack.dm("U0GP0001", "withdraw")
    slack.dm("U0GP0001", "yes")
    said_to(fake, "U0GP0001", "your answers have been deleted")

    slack.command(LEAD, "/summary", "KPE4", fake.response_url)
    episode = json.dumps(fake.wait_for("response_url")[0]["blocks"], ensure_ascii=False)
    assert "coverage *2 of 2*" in episode
    assert "GP (Millbrook Surgery): withdrew consent" in episode and "not started" not in episode

    monkeypatch.setenv("CASEGROUP_DB", str(db_path))
    assert main(["export", "child-d", "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    kpe4 = next(e for e in exported["episodes"] if e["key"] == "KPE4")
    assert kpe4["coverage"] == "2 of 2"
    assert kpe4["missing"] == [{"who": "GP (Millbrook Surgery)", "status": "withdrew consent"}]
    assert exported["members"] == 6 and exported["contributors"] == 6


def test_summary_matches_the_episode_before_it_promises_anything(fake, slack, lazy, store, imported):
    from tests.test_digest_story import ack_text
    said = ack_text(slack.command(LEAD, "/summary", "purple elephants", fake.response_url))
    assert said.startswith("I couldn't match that to an episode. The episodes are:")
    assert "Putting together" not in said and "`/summary child-d KPE5`" in said
    lazy.wait_for(1)
    assert fake.calls("response_url") == []   # nothing was promised, so nothing more is said
    assert ack_text(slack.command(LEAD, "/summary", "police disturbance", fake.response_url)) == (
        "Putting together the digest of *Child D* for KPE2…")


def test_the_digest_hint_names_the_reviews_own_first_episode(
        fake, slack, store, sample_review, sample_reflections, prompts):
    from dataclasses import replace

    from tests.stories import submit_directly
    keys = {e.key: f"SAR{n}" for n, e in enumerate(sample_review.episodes, start=1)}
    review = replace(sample_review, episodes=[replace(e, key=keys[e.key]) for e in sample_review.episodes],
                     members=[replace(m, episodes=tuple(keys[k] for k in m.episodes)) for m in sample_review.members])
    store.reviews.save(review, actor="test")
    submit_directly(store, review, [{**r, "episode": keys[r["episode"]]} for r in sample_reflections], prompts)
    slack.command(LEAD, "/summary", "", fake.response_url)
    footer = fake.wait_for("response_url")[-1]["blocks"][-1]["elements"][0]["text"]
    assert "`/summary SAR1`" in footer and "KPE" not in footer


def test_closing_or_stepping_back_is_confirmed_first_and_practitioners_hear_what_changes(
        fake, slack, lazy, store, invited, sample_reflections, prompts):
    from tests.runningkit import said_to, wait_until
    from tests.stories import answer_everything, reflections_by_member
    by_member = reflections_by_member(sample_reflections, invited)
    answer_everything(slack, "U0GP0001", by_member["U0GP0001"], prompts)            # submitted
    answer_everything(slack, "U0HV0001", by_member["U0HV0001"][:1], prompts, submit=False)   # part-way
    # The others have their invitation and nothing more.

    def reply(n: int) -> dict:
        return wait_until(lambda: fake.calls("response_url")[n:n + 1], what=f"response {n}")[0]

    def stage() -> str:
        return store.reviews.get("child-d").stage

    slack.command(LEAD, "/review", "stage child-d closed", fake.response_url)
    question = reply(1)
    assert "Close *Child D* (`child-d`)? This can't be undone" in question["text"]
    [button] = question["blocks"][-1]["elements"]
    assert (button["action_id"], button["value"]) == ("review_confirm_stage", "child-d|conversations>closed")
    lazy.wait_for(2)
    assert stage() == "conversations"
    assert not [a for a in store.audit.trail("child-d") if a["action"] == "review.stage"]

    # A move forward that can be undone goes at once; the practitioners taking part hear what it means.
    slack.command(LEAD, "/review", "stage child-d analysis", fake.response_url)
    assert "moved from conversations to analysis" in reply(2)["text"]
    for member in ("U0GP0001", "U0HV0001"):
        assert said_to(fake, member, "has reached its analysis stage")
    # Back a step: asked first.
    slack.command(LEAD, "/review", "stage child-d conversations", fake.response_url)
    back = reply(3)
    assert "back from analysis to conversations" in back["text"]
    assert back["blocks"][-1]["elements"][0]["value"] == "child-d|analysis>conversations"

    # The first question, answered after the review moved on, moves nothing: the lead is asked to look again.
    slack.click(LEAD, "review_confirm_stage", "child-d|conversations>closed")
    assert said_to(fake, LEAD, "has moved to its analysis stage since you were asked")
    assert stage() == "analysis"

    # The Home tab's "Move to closed" asks too, in the lead's DM.
    slack.click(LEAD, "home_next_stage", "child-d|closed")
    asked = said_to(fake, LEAD, "This can't be undone")
    assert "child-d|analysis>closed" in asked[0]
    lazy.wait_for(5)
    assert stage() == "analysis"
    # The button's words typed in the DM move nothing, and the lead is told where their work is (not that they
    # take part in no review: tests/test_bad_input.py has that, for someone outside every review).
    slack.dm(LEAD, "Yes, move it to closed")
    assert said_to(fake, LEAD, "You run or read `child-d` here, and I take typed answers only from the case group")
    assert stage() == "analysis"

    # Yes: closed, the lead told when it is kept until, the practitioners taking part told.
    slack.click(LEAD, "review_confirm_stage", "child-d|analysis>closed")
    assert said_to(fake, LEAD, "moved from analysis to closed")
    assert stage() == "closed"
    for member in ("U0GP0001", "U0HV0001"):
        assert said_to(fake, member, "is now closed")
    lazy.wait_for(6)
    told = {c["channel"] for c in fake.calls("chat.postMessage")
            if "is now closed" in c["text"] or "reached its analysis stage" in c["text"]}
    assert told == {"U0GP0001", "U0HV0001"}   # not those who never consented
    # The older question, answered now, changes nothing.
    slack.click(LEAD, "review_confirm_stage", "child-d|analysis>conversations")
    assert said_to(fake, LEAD, "can't be reopened")
    assert stage() == "closed"
    stages = [a["detail"] for a in store.audit.trail("child-d") if a["action"] == "review.stage"]
    assert [d.split(";")[0] for d in stages] == ["conversations -> analysis", "analysis -> closed"]


def _review_file(tmp_path, name: str, without: str = "", rename: tuple[str, str] | None = None,
                 declare: bool = False):
    """The sample review file, with a member dropped and an episode renamed (declared or not)."""
    import re

    from tests.conftest import SAMPLE
    text = (SAMPLE / "review.toml").read_text()
    if without:
        text = re.sub(rf'\[\[members\]\]\nslack_id = "{without}"\n(.+\n)+?\n', "", text)
    if rename:
        old, new = rename
        text = text.replace(f'"{old}"', f'"{new}"')
        if declare:
            text = text.replace(f'key = "{new}"\n', f'key = "{new}"\nrenamed_from = "{old}"\n')
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_reimport_that_would_hide_answers_is_refused_until_forced_and_renamed_episodes_take_theirs(
        fake, slack, store, invited, sample_reflections, prompts, tmp_path, db_path, monkeypatch, capsys):
    from bot.cli import main
    from tests.runningkit import posts_to, said_to, wait_until
    from tests.stories import FIELDS, answer_everything, reflections_by_member, typed_value
    GP, HV = "U0GP0001", "U0HV0001"
    by_member = reflections_by_member(sample_reflections, invited)
    answer_everything(slack, GP, by_member[GP], prompts)                       # submitted
    slack.dm(HV, "yes")
    for field in FIELDS[:3]:                                                   # part-way through KPE1
        slack.dm(HV, typed_value(by_member[HV][0], field))
    said_to(fake, HV, "What was at the front of your mind")
    monkeypatch.setenv("CASEGROUP_DB", str(db_path))
    capsys.readouterr()

    # Without the GP, and with KPE1 renamed KPE1A but not declared: refused, one line for each, nothing changed.
    assert main(["review", "import", _review_file(tmp_path, "a.toml", without=GP, rename=("KPE1", "KPE1A"))]) == 2
    refused = capsys.readouterr()
    assert "Updated" not in refused.out
    lines = [line for line in refused.err.splitlines() if line.startswith("  - ")]
    assert lines == [
        '  - episode KPE1 is not in the file: the answers of Health visitor (Brackenshire Community Health) to it '
        'would be hidden (if it was renamed, '
        'say so with renamed_from = "KPE1")',
        "  - GP (Millbrook Surgery), U0GP0001, is not in the case group of the file: their answers to KPE4 would "
        "be hidden"]
    review = store.reviews.get("child-d")
    assert review.member(GP) and review.episode("KPE1") and not review.episode("KPE1A")

    # The rename declared: only the GP is in the way. --force imports it.
    declared = _review_file(tmp_path, "b.toml", without=GP, rename=("KPE1", "KPE1A"), declare=True)
    assert main(["review", "import", declared]) == 2
    assert "KPE1" not in capsys.readouterr().err.replace("KPE4", "")
    assert main(["review", "import", declared, "--force"]) == 0
    forced = capsys.readouterr().out
    assert "Episode KPE1 is now KPE1A: its answers moved with it." in forced
    assert "Forced: GP (Millbrook Surgery), U0GP0001" in forced
    review = store.reviews.get("child-d")
    assert review.member(GP) is None and [m.slack_id for m in review.former] == [GP]
    assert [a["action"] for a in store.audit.trail("child-d")][-2:] == ["review.import_forced", "review.updated"]

    # The health visitor carries on in KPE1A, with their three answers.
    slack.dm(HV, typed_value(by_member[HV][0], FIELDS[3]))
    said_to(fake, HV, "options")
    stored = {episode for (episode,) in store.db.execute(
        "select distinct episode from answers where review_key = 'child-d' and member = ?", [HV])}
    assert stored == {"KPE1A"} and len(store.conversations.answers("child-d", HV)) == 4

    # The GP is out of the case group, but can still read their answers, and withdraw.
    shown = len(posts_to(fake, GP))
    slack.dm(GP, "answers")
    reply = wait_until(lambda: posts_to(fake, GP)[shown:], what="the GP's answers")
    assert "Check your answers" in reply[0] and "KPE4: Nursery logs a scalded hand" in reply[0]
    assert "not part of a review" not in reply[0]
    slack.dm(GP, "withdraw")
    said_to(fake, GP, "Withdraw from")
    slack.dm(GP, "yes")
    said_to(fake, GP, "your answers have been deleted")
    assert GP not in store.submitted.latest("child-d") and not store.conversations.answers("child-d", GP)
