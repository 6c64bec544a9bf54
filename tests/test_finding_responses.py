"""The case group checks the review team's findings (issue 17, part 2): shared in each member's DM when the review
moves to its case group meeting stage (or with `/review share`), answered by button, by form and by typing, and
seen by the team under each finding. Through the real App and the fake Web API, on a real SQLite file."""
import json

import pytest

from bot.core.analysis import Evidence, Finding
from bot.core.conversation import State
from bot.core.finding_responses import Typed, parse_responses
from bot.digest_builder import build_digest
from bot.finding_check import CaseGroupCheck
from bot.reflect import Reflections
from bot.render.digest_text import as_json, html, markdown
from bot.render.finding_check_blocks import ANSWER, ANSWER_FORM
from tests.runningkit import (body_of, clock, home_of, open_home, posts_to, said_to, store,  # noqa: F401
                              submit_view, wait_until)
from tests.stories import record, submit_directly

LEAD, TEAM = "U0LEAD01", "U0TEAM01"
HV, PC, SW = "U0HV0001", "U0PC0001", "U0SW0001"      # the three who took part
NK, GP = "U0NK0001", "U0GP0001"                      # declined; consented but never submitted
HOSTILE = ("<!channel> <@U0LEAD01> <https://evil.example|the policy> 🙂 " * 700)[:40_000]


@pytest.fixture
def findings(store, imported, prompts, sample_reflections):
    """Three members submitted, one declined, one is still answering; the team has three findings."""
    submit_directly(store, imported, [r for r in sample_reflections if r["member"] in (HV, PC, SW)], prompts)
    record(store, State("child-d", NK, stage="declined"), events=["declined"])
    record(store, State("child-d", GP, stage="asking"), events=["consented"])
    for finding in (
            Finding("F1", "Visits lapse when Kirsty's family moves", "tools", ("KPE1",), order=1, status="agreed",
                    evidence=(Evidence("KPE1", "Health visitor (Brackenshire Community Health)",
                                       "I was holding two lists because a colleague had left", HV),),
                    in_this_case="The home visit went to an empty hostel room."),
            Finding("F2", "Nobody checks the partner's history", "tools", ("KPE2",), order=2,
                    evidence=(Evidence("KPE2", "Response police officer (Brackenshire Police)",
                                       "two cars for the whole of the north division", PC),)),
            Finding("F3", "Assessments close on a leaflet", "tools", ("KPE3",), order=3)):
        store.analysis.save_finding("child-d", finding, actor=TEAM)
    return imported


def dms(fake, user: str) -> list[dict]:
    return [c for c in fake.calls("chat.postMessage") if c.get("channel") in (user, "D" + user[1:])]


def answer_buttons(messages: list[dict]) -> dict[str, dict]:
    """{button value: button} of every finding's answer buttons in these messages."""
    return {e["value"]: e for m in messages for b in m.get("blocks", []) if b.get("type") == "actions"
            for e in b["elements"] if e.get("action_id") == ANSWER}


def responses(store) -> dict[tuple[str, str], tuple[str, str]]:
    return {(r.finding, r.member): (r.kind, r.text) for r in store.finding_responses.of_review("child-d")}


def respond_text(fake, slack, user: str, text: str) -> str:
    before = len(fake.calls("response_url"))
    slack.command(user, "/review", text, fake.response_url)
    return wait_until(lambda: fake.calls("response_url")[before:], what=f"/review {text}")[0]["text"]


def test_the_share_round_three_members_three_findings_buttons_typing_a_change_and_the_team_sees_it(
        fake, slack, store, findings, prompts):
    # The lead moves the review to its case group meeting stage: the findings go to the three who took part.
    said = respond_text(fake, slack, LEAD, "stage child-d meeting")
    assert "moved from" in said
    assert "Shared findings of *Child D* (`child-d`) with 3 case group members who took part: F1, F2, F3." in said
    for member in (HV, PC, SW):
        messages = wait_until(lambda: dms(fake, member)[3:], what=f"the findings to {member}") and dms(fake, member)
        assert len(messages) == 4                       # an introduction, then one message per finding
        intro = messages[0]["blocks"][0]["text"]["text"]
        assert "check and challenge" in intro and "`F1 fits`" in intro and "until the review moves to its analysis" in intro
        shared = json.dumps(messages, ensure_ascii=False)
        assert "Kirsty" not in shared and "Visits lapse when Mother's family moves" in shared   # pseudonymised
        assert "*Health visitor (Brackenshire Community Health)*" in shared                      # by role and agency
        assert "two cars for the whole of the north division" in shared                          # evidence quotes
        assert {b["text"]["text"] for b in answer_buttons(messages).values()} == {
            "This fits my experience", "This doesn't fit", "Comment"}
        assert "Or type `F2 fits`, `F2 doesn't fit: …` or `F2 comment: …`." in shared
    assert dms(fake, NK) == [] and dms(fake, GP) == []   # declined, and never submitted: nothing sent

    # By button: the health visitor says F1 fits.
    hv_buttons = answer_buttons(dms(fake, HV))
    slack.click(HV, ANSWER, hv_buttons["child-d|F1|fits"]["value"])
    assert said_to(fake, HV, "Noted for F1 (*Visits lapse when Mother's family moves*): it fits your experience.")

    # By form: the police officer says F2 doesn't fit, in words.
    slack.click(PC, ANSWER, answer_buttons(dms(fake, PC))["child-d|F2|doesnt_fit"]["value"])
    view = wait_until(lambda: [c["view"] for c in fake.calls("views.open") if c["view"]["callback_id"] == ANSWER_FORM])[0]
    assert view["title"]["text"] == "Doesn't fit: F2" and view["private_metadata"] == "child-d|F2|doesnt_fit"
    submit_view(slack, PC, ANSWER_FORM, view["private_metadata"], {"words": "We did run his name that night."})
    assert said_to(fake, PC, "Noted for F2 (*Nobody checks the partner's history*): it doesn't fit your experience. "
                             "Your words: “We did run his name that night.”")

    # By typing, with typos, case and a curly apostrophe, three on two lines.
    slack.dm(SW, "f1 FITS, F2 dosen’t fit: we rang the police twice\nF3 coment: the leaflet was all we had")
    said = said_to(fake, SW, "Noted for F3")[0]
    assert "Noted for F1 (*Visits lapse when Mother's family moves*): it fits your experience." in said
    assert "Noted for F2 (*Nobody checks the partner's history*): it doesn't fit your experience. Your words: " \
           "“we rang the police twice”" in said
    assert "Noted for F3 (*Assessments close on a leaflet*): a comment. Your words: “the leaflet was all we had”" in said

    # A change replaces the health visitor's answer to F1; the same answer again changes nothing.
    slack.dm(HV, "F1 doesn’t fit: the hostel visit was the last one booked")
    assert said_to(fake, HV, "Changed your answer to F1 (*Visits lapse when Mother's family moves*): it doesn't fit")
    slack.dm(HV, "F1 doesn't fit: the hostel visit was the last one booked")
    assert said_to(fake, HV, "F1 (*Visits lapse when Mother's family moves*) already has that answer from you")
    # Something unreadable, and a finding never shared, get a friendly example; nothing is stored for them.
    slack.dm(HV, "F2 perhaps; F7 fits")
    said = said_to(fake, HV, "I couldn't read “F2 perhaps”")[0]
    assert "F7 isn't one of the findings shared with you (F1, F2, F3)" in said and "`F1 fits`" in said
    assert responses(store) == {
        ("F1", HV): ("doesnt_fit", "the hostel visit was the last one booked"), ("F1", SW): ("fits", ""),
        ("F2", PC): ("doesnt_fit", "We did run his name that night."), ("F2", SW): ("doesnt_fit", "we rang the police twice"),
        ("F3", SW): ("comment", "the leaflet was all we had")}
    audit = [a for a in store.audit.trail("child-d") if a["action"].startswith("finding_response.")]
    assert [a["action"] for a in audit].count("finding_response.changed") == 1 and len(audit) == 6
    assert not [a for a in audit if "hostel" in (a["detail"] or "")]   # audited without the words

    # The team sees them per finding: `/review findings`, a ⚠ line first where it doesn't fit.
    text = respond_text(fake, slack, TEAM, "findings child-d")
    f2 = text[text.index("*F2*"):text.index("*F3*")]
    assert "⚠ 2 members of the case group said it doesn't fit their experience" in f2
    assert "case group: 0 fit · 2 doesn't fit · 0 comments" in f2
    assert "*Response police officer (Brackenshire Police)*: doesn't fit: “We did run his name that night.”" in f2
    assert "*Social worker (Brackenshire Children's Social Care)*: doesn't fit: “we rang the police twice”" in f2
    assert "U0PC0001" not in text and "U0SW0001" not in text
    # The App Home, small: one line under each finding.
    open_home(slack, LEAD)
    home = json.dumps(wait_until(lambda: home_of(fake, LEAD)), ensure_ascii=False)
    assert ("⚠ 1 member of the case group said it doesn't fit their experience · case group: 1 fit · 1 doesn't fit · "
            "0 comments") in home
    assert "case group: 0 fit · 0 doesn't fit · 1 comment" in home
    # And the exports: Markdown, HTML and JSON, by role and agency.
    digest = build_digest(store, store.reviews.get("child-d"), prompts)
    md = markdown(digest)
    assert "- **The case group's response:**\n  - **⚠ 2 members of the case group said this doesn't fit their " \
           "experience.**\n  - Response police officer (Brackenshire Police): doesn't fit their experience: " \
           "“We did run his name that night.”" in md
    assert 'class="challenged"' in html(digest)
    exported = json.loads(as_json(digest))["analysis"]["responses"]
    assert {r["finding"]: len(r["responses"]) for r in exported} == {"F1": 2, "F2": 2, "F3": 1}

    # A practitioner sees only their own: the reshare of a changed finding shows each their own answer, no one
    # else's; and they can't list the team's view.
    store.analysis.save_finding("child-d", Finding("F2", "Nobody checks the partner's police history", "tools",
                                                   ("KPE2",), order=2), actor=TEAM)
    before = {m: len(dms(fake, m)) for m in (HV, PC, SW)}
    said = respond_text(fake, slack, LEAD, "share child-d")
    assert "with 3 case group members who took part: F2." in said    # only what changed
    for member in (HV, PC, SW):
        again = wait_until(lambda: dms(fake, member)[before[member] + 1:], what="the changed finding") and \
            dms(fake, member)[before[member]:]
        assert len(again) == 2 and "1 finding of the review team new or changed" in again[0]["text"]
    pc_again = json.dumps(dms(fake, PC)[before[PC]:], ensure_ascii=False)
    assert "Your answer so far: it doesn't fit your experience: “We did run his name that night.”" in pc_again
    assert "we rang the police twice" not in pc_again
    assert "Your answer so far" not in json.dumps(dms(fake, HV)[before[HV]:], ensure_ascii=False)
    refused = body_of(slack.command(HV, "/review", "findings child-d", fake.response_url))["text"]
    assert refused.startswith("Sorry, only")

    # Sharing again with nothing new sends nothing.
    before = {m: len(dms(fake, m)) for m in (HV, PC, SW)}
    said = respond_text(fake, slack, LEAD, "share child-d")
    assert "already has the findings as they are now (F1, F2, F3), so nothing was sent again" in said
    assert {m: len(dms(fake, m)) for m in (HV, PC, SW)} == before

    # At the analysis stage the answers close.
    respond_text(fake, slack, LEAD, "stage child-d analysis")
    slack.dm(SW, "F3 fits")
    assert said_to(fake, SW, "closed when it moved to its analysis stage, so nothing was noted")
    assert responses(store)[("F3", SW)] == ("comment", "the leaflet was all we had")


@pytest.mark.parametrize("typed, expected", [
    ("F1 fits", [Typed("F1", "fits")]),
    ("f2 DOESN'T FIT: we did call the GP that day", [Typed("F2", "doesnt_fit", "we did call the GP that day")]),
    ("F2 doesn’t fit", [Typed("F2", "doesnt_fit")]),
    ("F2 does not fit we called", [Typed("F2", "doesnt_fit", "we called")]),
    ("F3 comment: the form, unlike F2, was new", [Typed("F3", "comment", "the form, unlike F2, was new")]),
    ("F1 fitz; F2 dosent fit, F3 coment: ok", [Typed("F1", "fits"), Typed("F2", "doesnt_fit"),
                                               Typed("F3", "comment", "ok")]),
    ("F1 fits and F2 fits my experience\nF3 doesnt fit", [Typed("F1", "fits"), Typed("F2", "fits"),
                                                         Typed("F3", "doesnt_fit")]),
    ("F 4 fits. F5 fits", [Typed("F4", "fits"), Typed("F5", "fits")]),
    # The buttons' own words, typed after the key.
    ("F1 This fits my experience", [Typed("F1", "fits")]),
    ("F2 This doesn't fit: we rang twice", [Typed("F2", "doesnt_fit", "we rang twice")]),
    ("F3 Comment: the leaflet was all we had", [Typed("F3", "comment", "the leaflet was all we had")]),
])
def test_typed_responses_are_read_with_typos_case_and_apostrophes(typed, expected):
    parsed = parse_responses(typed)
    assert parsed.responses == expected and parsed.unreadable == []


@pytest.mark.parametrize("typed", ["F1", "F1 maybe", "F2 perhaps not", "F1 is a fair point"])
def test_unreadable_responses_are_named(typed):
    assert parse_responses(typed).unreadable == [typed] and parse_responses(typed).responses == []


def test_a_buttons_words_typed_without_a_key_ask_which_finding_and_note_nothing(fake, slack, store, findings,
                                                                                 prompts):
    CaseGroupCheck(store, prompts).share("child-d", actor=LEAD)
    slack.dm(HV, "This fits my experience")
    assert said_to(fake, HV, "Which finding is that about? Type its key first, like `F1 This fits my experience`. "
                             "The findings shared with you: F1, F2, F3.")
    slack.dm(HV, "F2 This fits my experience")
    assert said_to(fake, HV, "Noted for F2")
    assert responses(store) == {("F2", HV): ("fits", "")}


def test_a_typed_line_that_is_no_response_goes_to_the_reflection_unchanged(fake, slack, store, findings, prompts):
    CaseGroupCheck(store, prompts).share("child-d", actor=LEAD)
    # The GP is mid-way through their reflection and was shared nothing: `F1 fits` is their answer.
    Reflections(store, prompts).invite_all("child-d", actor="test", only=[GP])
    slack.dm(GP, "F1 fits")
    wait_until(lambda: dms(fake, GP), what="the reflection's reply")
    assert store.conversations.answers("child-d", GP) != {} and responses(store) == {}
    assert "Noted" not in json.dumps(dms(fake, GP))
    # The health visitor, with findings shared, writes a sentence: the reflection answers, nothing is noted.
    before = len(dms(fake, HV))
    slack.dm(HV, "I wanted to add something about the hostel")
    wait_until(lambda: dms(fake, HV)[before:], what="the reflection's reply")
    assert "Noted" not in json.dumps(dms(fake, HV)[before:]) and responses(store) == {}


def test_nothing_is_stored_from_someone_who_declined_or_a_member_not_shared_with(fake, slack, store, findings, prompts):
    slack.command(LEAD, "/review", "share child-d", fake.response_url)
    wait_until(lambda: len(dms(fake, SW)) == 4, what="the share")
    # A forged click from the member who declined, and the form's submission from one never sent the findings.
    slack.click(NK, ANSWER, "child-d|F1|fits")
    assert said_to(fake, NK, "Only members of the case group who took part in *Child D* can answer its findings")
    slack.click(GP, ANSWER, "child-d|F2|comment")   # no form opens: the click says why
    assert said_to(fake, GP, "Only members of the case group who took part")
    assert not [c for c in fake.calls("views.open") if c["view"]["callback_id"] == ANSWER_FORM]
    submit_view(slack, GP, ANSWER_FORM, "child-d|F2|comment", {"words": "sneaked in"})
    wait_until(lambda: len([p for p in posts_to(fake, GP) if "Only members" in p]) == 2, what="the second refusal")
    # A lead is not in the case group: refused, and audited.
    slack.click(LEAD, ANSWER, "child-d|F1|fits")
    assert said_to(fake, LEAD, "Sorry, only in the case group of that review can answer the review team's findings")
    submit_view(slack, TEAM, ANSWER_FORM, "child-d|F1|comment", {"words": "the team's own view"})
    assert said_to(fake, TEAM, "Sorry, only in the case group of that review")
    assert responses(store) == {}
    assert [a for a in store.audit.trail("child-d") if a["action"] == "access.refused" and a["actor"] in (LEAD, TEAM)]


def test_hostile_words_are_kept_whole_and_shown_safely(fake, slack, store, findings, prompts):
    slack.command(LEAD, "/review", "share child-d", fake.response_url)
    wait_until(lambda: len(dms(fake, HV)) == 4, what="the share")
    slack.dm(HV, "F3 comment: " + HOSTILE[:39_988])
    said = said_to(fake, HV, "Noted for F3")[0]
    assert "<!channel>" not in said and "&lt;!channel&gt;" in said
    assert responses(store)[("F3", HV)] == ("comment", HOSTILE[:39_988].strip())   # nothing lost
    text = respond_text(fake, slack, LEAD, "findings child-d")
    assert "<!channel>" not in text and len(text) < 3000
    digest = build_digest(store, store.reviews.get("child-d"), prompts)
    page = html(digest)
    # The files make Slack's markup readable, as for every quote of the digest: no ping, no hidden link.
    assert "<!channel>" not in page and "the policy (https://evil.example)" in page
    # (The fake Web API checks every outgoing call for raw markup and Block Kit limits when the test ends.)


def test_withdrawal_and_purge_remove_the_responses(fake, slack, store, findings, prompts, clock):
    slack.command(LEAD, "/review", "stage child-d meeting", fake.response_url)
    wait_until(lambda: len(dms(fake, SW)) == 4, what="the share")
    slack.dm(SW, "F1 fits; F3 comment: a leaflet was all we had")
    said_to(fake, SW, "Noted for F3")
    slack.dm(HV, "F1 fits")
    said_to(fake, HV, "Noted for F1")
    # The social worker withdraws (before the analysis stage): their responses go, and what was shared with them.
    slack.dm(SW, "withdraw")
    said_to(fake, SW, "it can't be undone")
    slack.click(SW, "reflect_confirm_yes", "child-d|confirm|yes")
    said_to(fake, SW, "your answers have been deleted")
    assert set(responses(store)) == {("F1", HV)} and store.finding_responses.shared("child-d", SW) == {}
    audit = [a for a in store.audit.trail("child-d") if a["action"] == "reflection.withdrawn"]
    assert "2 responses to findings deleted" in audit[0]["detail"]
    slack.dm(SW, "F1 fits")     # too late to answer: they withdrew
    wait_until(lambda: [p for p in posts_to(fake, SW) if "You withdrew" in p], what="the withdrawn reply")
    assert set(responses(store)) == {("F1", HV)}
    # Purge, after closing: the responses and the shares go, each deletion audited.
    store.reviews.set_stage("child-d", "closed", "test", clock.now)
    counts = store.retention.purge("child-d", actor="cli")
    assert counts["finding_responses"] == 1 and counts["finding_shares"] == 6
    assert store.finding_responses.of_review("child-d") == []
    assert [a for a in store.audit.trail("child-d") if a["action"] == "purge.deleted"
            and a["detail"].startswith("response of U0HV0001 to finding F1")]


def test_review_findings_lists_five_responses_under_a_finding_and_counts_them_all(store, findings, prompts):
    """One Slack message holds every finding: past five responses to one, the rest are counted, not listed (the
    ones that don't fit first, so they are never the ones left out)."""
    from bot.team_analysis import TeamAnalysis
    members = [m.slack_id for m in store.reviews.get("child-d").members]
    with store.transaction() as tx:
        for n, member in enumerate(members):
            store.finding_responses.record_shared(tx, "child-d", member, [("F1", 1)], actor=LEAD)
            kind = "doesnt_fit" if n == len(members) - 1 else "fits"
            store.finding_responses.save(tx, "child-d", member, "F1", kind, f"words of member {n}")
    text = TeamAnalysis(store, prompts).findings_text("child-d")
    assert len(members) == 7
    assert "case group: 6 fit · 1 doesn't fit · 0 comments" in text
    assert "words of member 6" in text.split("case group:")[1].split("\n")[1]   # the one that doesn't fit, first
    assert text.count("words of member") == 5
    assert "…and 2 more: every one is under the finding in `/summary`, the exports and the report." in text
