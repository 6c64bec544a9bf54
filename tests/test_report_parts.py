"""The report shows issue 17's parts: under each finding the case group's response to it, in Appendix A the
follow-up questions counted (never their words), and Appendix C the feedback at close in aggregate. Child D with
its reflections submitted, the team's findings, the responses, follow-ups and feedback stored through the
store's public methods (as the flows store them: tests/test_finding_responses.py, tests/test_feedback.py,
tests/test_follow_ups.py drive those through the App), then `casegroup report` as a lead runs it: the .docx
opened with python-docx and unzipped, the Markdown and HTML read as text."""
from __future__ import annotations

import re
import zipfile

import docx
import pytest

from bot.cli import main
from bot.core.follow_ups import FollowUp
from tests.wordcomments import comment_on, runs_of, saved
from tests.test_digest_story import real_names
# The report's own story: everyone submitted; the team's file gives F1 and F2 (drafts), F3 is agreed and comes
# first, F4 is dropped; two factual-accuracy comments (Appendix B's table).
from tests.test_report import analysed  # noqa: F401

LEAD, TEAM = "U0LEAD01", "U0TEAM01"
HV, PC, SW, TM = "U0HV0001", "U0PC0001", "U0SW0001", "U0TM0001"
HEALTH_VISITOR = "Health visitor (Brackenshire Community Health)"
POLICE = "Response police officer (Brackenshire Police)"
SOCIAL_WORKER = "Social worker (Brackenshire Children's Social Care)"
QUESTION = "Did the night sergeant see the earlier log before sending the car?"
ANSWER = "Yes, the sergeant read the log aloud at the briefing"


def share(store, members, findings=("F1", "F2", "F3")):
    with store.transaction() as tx:
        for member in members:
            store.finding_responses.record_shared(tx, "child-d", member, [(key, 1) for key in findings], actor=LEAD)


def respond(store, member, finding, kind, text=""):
    with store.transaction() as tx:
        return store.finding_responses.save(tx, "child-d", member, finding, kind, text)


@pytest.fixture
def responded(store, analysed):
    """F1 and F3 shared with three who took part; F2 not yet shared. On F1 the police officer says it doesn't fit
    (naming the mother), the social worker comments, and the health visitor first says it doesn't fit, then
    changes to fits. Nobody answers about F3."""
    share(store, (HV, PC, SW), findings=("F1", "F3"))
    assert respond(store, PC, "F1", "doesnt_fit", "we did call the GP that day, Kirsty Ashby was there") == "new"
    assert respond(store, SW, "F1", "comment", "the form is long but it asks the right things") == "new"
    assert respond(store, HV, "F1", "doesnt_fit", "not on my caseload") == "new"
    assert respond(store, HV, "F1", "fits") == "changed"
    return analysed


def closed_with_feedback(store, ratings, comments):
    """The review closed: everyone who took part thanked (as the close does, in its transaction), then answers."""
    store.reviews.set_stage("child-d", "closed", actor=LEAD)
    with store.transaction() as tx:
        thanked = store.feedback.thank(tx, "child-d", actor=LEAD)
    with store.transaction() as tx:
        for member, rating in zip(thanked, ratings):
            store.feedback.rate(tx, "child-d", member, rating)
        for member, comment in zip(thanked, comments):
            store.feedback.comment(tx, "child-d", member, comment)
    return thanked


def ask(store, member, episode, question, status="asked", answer=""):
    asked = store.follow_ups.ask(FollowUp("child-d", member, episode, question), actor=TEAM)
    if status != "asked":
        with store.transaction() as tx:
            store.follow_ups.settle(tx, asked, status, answer)


def report(db_path, tmp_path, fmt="docx"):
    out = tmp_path / f"child-d.{fmt}"
    assert main(["report", "child-d", "--db", str(db_path), "--out", str(out)]) == 0
    return out


def paragraphs(document) -> list[str]:
    """The body's paragraphs, from the first section's heading on (the contents list the same headings)."""
    texts = [p.text for p in document.paragraphs]
    first = next(i for i, p in enumerate(document.paragraphs) if p.style.name == "Heading 1")
    return texts[first:]


def finding_part(texts: list[str], heading: str) -> list[str]:
    """The paragraphs of one finding, from its heading to the next finding or section."""
    start = texts.index(heading)
    end = next((i for i in range(start + 1, len(texts)) if texts[i].startswith(("Finding ", "Appendix A"))),
               len(texts))
    return texts[start:end]


def after(texts: list[str], label: str) -> list[str]:
    return texts[texts.index(label) + 1:]


def test_under_each_finding_the_case_group_s_response_counts_first_then_each_by_role_and_agency(
        responded, db_path, tmp_path):
    document = docx.Document(str(report(db_path, tmp_path)))
    texts = paragraphs(document)
    # F3 is agreed, so Finding 1; the file's drafts F1 and F2 follow.
    f1 = finding_part(texts, "Finding 2: Forms ask about the adults, not the child")
    response = after(f1, "The case group's response")
    assert response == [
        "3 responses: 1 fit, 1 doesn't fit, 1 comment.",
        "Challenged: 1 member of the case group said this doesn't fit their experience.",
        # The one that doesn't fit first, then the comments, then those that fit: the health visitor's change
        # replaced the earlier words ("not on my caseload" is gone).
        f"{POLICE}: doesn't fit their experience: “we did call the GP that day, Mother was there”",
        f"{SOCIAL_WORKER}: comment: “the form is long but it asks the right things”",
        f"{HEALTH_VISITOR}: fits their experience"]
    assert "not on my caseload" not in "\n".join(texts)
    styled = {p.text: p for p in document.paragraphs}
    # The label and the counts keep with what follows: never alone at the foot of a page.
    assert styled["The case group's response"].runs[0].bold
    assert styled["The case group's response"].paragraph_format.keep_with_next
    assert styled["3 responses: 1 fit, 1 doesn't fit, 1 comment."].paragraph_format.keep_with_next
    warning = styled["Challenged: 1 member of the case group said this doesn't fit their experience."]
    assert warning.runs[0].bold and str(warning.runs[0].font.color.rgb) == "9C1C1C"
    bullet = styled[f"{POLICE}: doesn't fit their experience: “we did call the GP that day, Mother was there”"]
    assert bullet.style.name == "List Bullet" and bullet.runs[0].text == POLICE and bullet.runs[0].bold

    # Shared and unanswered, and never shared: one line each, in italics, nothing else.
    f3 = finding_part(texts, "Finding 1: Mother's calls went to a queue nobody owned")
    assert after(f3, "The case group's response") == ["Shared with the case group: no responses yet."]
    f2 = finding_part(texts, "Finding 3: Health records follow a family weeks late")
    assert after(f2, "The case group's response") == ["Not yet shared with the case group."]
    assert styled["Not yet shared with the case group."].runs[0].italic


def test_appendix_a_counts_the_follow_ups_and_holds_none_of_their_words(analysed, store, db_path, tmp_path):
    ask(store, PC, "KPE2", QUESTION, "answered", ANSWER)
    ask(store, HV, "KPE1", "Which list was the family on in March?", "declined")
    ask(store, SW, "KPE3", "Who else read the referral from the nursery?")
    out = report(db_path, tmp_path)
    texts = paragraphs(docx.Document(str(out)))
    appendix_a = texts[texts.index("Appendix A: The case group"):texts.index("Appendix B: Factual accuracy")]
    assert ("The review team asked the case group 3 follow-up questions about their accounts: 1 answered, 1 declined, "
            "1 not answered yet. The questions and answers are in the digest, under each account.") in appendix_a
    # The board's report counts them only: no question or answer in any part of the package.
    with zipfile.ZipFile(out) as package:
        everything = "\n".join(package.read(n).decode("utf-8") for n in package.namelist() if n.endswith(".xml"))
    for words in (QUESTION, ANSWER, "Which list was the family on", "referral from the nursery"):
        assert words not in everything
    md = report(db_path, tmp_path, "md").read_text()
    assert "3 follow-up questions about their accounts: 1 answered, 1 declined, 1 not answered yet" in md
    assert QUESTION not in md and ANSWER not in md


def test_no_follow_ups_is_one_line_and_one_question_is_singular(analysed, store, db_path, tmp_path):
    texts = paragraphs(docx.Document(str(report(db_path, tmp_path))))
    assert "The review team asked the case group no follow-up questions." in texts
    ask(store, PC, "KPE2", QUESTION)
    texts = paragraphs(docx.Document(str(report(db_path, tmp_path))))
    assert any(t.startswith("The review team asked the case group 1 follow-up question about their accounts: "
                            "0 answered, 0 declined, 1 not answered yet.") for t in texts)


def test_appendix_c_before_the_review_closes_says_when_the_feedback_is_asked(analysed, db_path, tmp_path):
    document = docx.Document(str(report(db_path, tmp_path)))
    texts = paragraphs(document)
    assert texts[-2:] == ["Appendix C: The case group's feedback",
                          "Asked when the review closes: everyone who took part is thanked on behalf of the board, "
                          "and asked how they found taking part."]
    assert document.paragraphs[-1].runs[0].italic
    assert len(document.tables) == 4     # no ratings table: chronology, appraisal, case group, comments


def test_appendix_c_gives_the_feedback_in_aggregate_counts_per_rating_and_the_comments_unattributed(
        analysed, store, db_path, tmp_path, sample_review):
    thanked = closed_with_feedback(store, ratings=[4, 5, 4, None, 2],
                                   comments=["More time to write it", None, "A call first, as Kirsty Ashby's worker had",
                                             "Shorter questions"])
    assert len(thanked) == 7
    out = report(db_path, tmp_path)
    document = docx.Document(str(out))
    texts = paragraphs(document)
    annex = texts[texts.index("Appendix C: The case group's feedback"):]
    assert annex == [
        "Appendix C: The case group's feedback",
        "When the review closed, 7 case group members who took part were thanked on behalf of Brackenshire "
        "Safeguarding Children Partnership and asked two optional questions. The answers are reported only in "
        "aggregate: counts, and comments with nothing beside them.",
        "4 of 7 rated how they found taking part, from 1 (very hard) to 5 (very easy).",
        "What would have made taking part easier (unattributed, in alphabetical order):",
        # Sorted by their words, pseudonymised: nothing tells whose each is.
        "A call first, as Mother's worker had", "More time to write it", "Shorter questions"]
    ratings = document.tables[-1]
    assert [[c.text for c in row.cells] for row in ratings.rows] == [
        ["How they found taking part", "Answers"], ["1. Very hard", "0"], ["2. Hard", "1"], ["3. OK", "0"],
        ["4. Easy", "2"], ["5. Very easy", "1"]]
    # Nothing beside a comment: no role, agency or time anywhere in the annex.
    annex_text = "\n".join(annex)
    for member in sample_review.members:
        assert member.role not in annex_text and member.agency not in annex_text

    md, page = report(db_path, tmp_path, "md").read_text(), report(db_path, tmp_path, "html").read_text()
    # "4. Easy" escaped, so that Markdown doesn't read a numbered list in the cell.
    assert "| 4\\. Easy | 2 |" in md and "- A call first, as Mother's worker had" in md
    assert "## Appendix C: The case group's feedback" in md and "- [Appendix C: The case group's feedback](#section-7)" in md
    assert "<td>4. Easy</td><td>2</td>" in page and "<li>A call first, as Mother&#x27;s worker had</li>" in page
    assert '<a href="#section-7">Appendix C: The case group&#x27;s feedback</a>' in page


def test_below_the_minimum_the_counts_and_comments_are_held_back_so_nobody_s_answer_can_be_told(
        analysed, store, db_path, tmp_path):
    closed_with_feedback(store, ratings=[3, 5], comments=["I would have liked a call first, before the DM"])
    document = docx.Document(str(report(db_path, tmp_path)))
    texts = paragraphs(document)
    assert texts[texts.index("Appendix C: The case group's feedback") + 2:] == [
        "2 of 7 rated how they found taking part, from 1 (very hard) to 5 (very easy).",
        "The count for each rating is held back until 3 have answered, so that nobody's answer can be told.",
        "1 comment on what would have made taking part easier is held back until there are 3, so that nobody's "
        "can be told by its words."]
    assert "I would have liked a call first" not in "\n".join(texts)
    assert len(document.tables) == 4     # no ratings table


def test_a_review_closed_with_nobody_who_took_part_says_nobody_was_asked(store, imported, db_path, tmp_path):
    closed_with_feedback(store, ratings=[], comments=[])
    texts = paragraphs(docx.Document(str(report(db_path, tmp_path))))
    assert texts[-1] == "Nobody was thanked or asked for feedback: nobody in the case group took part."


def test_markdown_and_html_show_the_response_with_its_counts_warning_and_words(responded, db_path, tmp_path):
    md = report(db_path, tmp_path, "md").read_text()
    assert ("**The case group's response**\n\n3 responses: 1 fit, 1 doesn't fit, 1 comment.\n\n"
            "**Challenged: 1 member of the case group said this doesn't fit their experience.**\n\n"
            f"- **{POLICE}**: doesn't fit their experience: “we did call the GP that day, Mother was there”\n") in md
    assert "_Not yet shared with the case group._" in md and "_Shared with the case group: no responses yet._" in md
    page = report(db_path, tmp_path, "html").read_text()
    assert ('<p class="challenged">Challenged: 1 member of the case group said this doesn&#x27;t fit their '
            'experience.</p>') in page
    assert ("<li><strong>Response police officer (Brackenshire Police)</strong>: doesn&#x27;t fit their experience: "
            "“we did call the GP that day, Mother was there”</li>") in page
    assert '<p class="draft">Not yet shared with the case group.</p>' in page
    # Each finding's response sits inside its own article, after its questions.
    f1 = re.search(r'<article class="finding" id="finding-F1">.*?</article>', page).group(0)
    assert f1.index("Questions for the board") < f1.index("The case group&#x27;s response") < f1.index("fits their")


def test_no_xml_part_md_or_html_holds_a_real_name_with_every_part_filled(
        responded, store, db_path, tmp_path, sample_review):
    ask(store, PC, "KPE2", "Was Kirsty Ashby at home when Craig left?", "answered", "Kirsty was, Lennon was asleep")
    closed_with_feedback(store, ratings=[4, 4, 5], comments=["Kirsty Ashby should have been asked too",
                                                             "Craig's name was everywhere", "Lennon first"])
    names = real_names(sample_review)
    assert {"Kirsty", "Ashby", "Craig", "Lennon"} <= names
    out = report(db_path, tmp_path)
    with zipfile.ZipFile(out) as package:
        parts = [n for n in package.namelist() if n.endswith((".xml", ".rels"))]
        texts = {name: package.read(name).decode("utf-8") for name in parts}
    assert "Appendix C: The case group" in texts["word/document.xml"]
    assert "Mother should have been asked too" in texts["word/document.xml"]   # the comment is there, cleaned
    for text in (*texts.values(), report(db_path, tmp_path, "md").read_text(),
                 report(db_path, tmp_path, "html").read_text()):
        for real in names:
            assert not re.search(rf"\b{re.escape(real)}\b", text, re.IGNORECASE), real


def test_an_agency_s_comments_on_the_new_parts_land_in_appendix_c_and_under_their_finding(
        responded, store, db_path, tmp_path, capsys):
    """The importer takes any Heading 1 as a section: Appendix C is one, and the response under a finding is that
    finding's. (Before the close: a closed review takes no comments.)"""
    document = docx.Document(str(report(db_path, tmp_path)))
    comment_on(document, runs_of(document, "Asked when the review closes"),
               "Our officers were not all asked.", author="Jo Tait", initials="JT")
    comment_on(document, runs_of(document, "we did call the GP that day"),
               "The GP call is in our log at 14:10.", author="Jo Tait", initials="JT")
    commented = tmp_path / "police.docx"
    commented.write_bytes(saved(document))
    assert main(["report", "comments", "import", "child-d", str(commented), "--from", "Brackenshire Police",
                 "--db", str(db_path)]) == 0
    placed = {c.text: (c.section, c.finding) for c in store.accuracy.comments("child-d")[2:]}   # after the fixture's
    assert placed == {"Our officers were not all asked.": ("Appendix C: The case group's feedback", ""),
                      "The GP call is in our log at 14:10.": ("4 Findings", "F1")}
    # And the next draft lists them in Appendix B, by where they sit.
    rows = [[c.text for c in r.cells] for r in docx.Document(str(report(db_path, tmp_path))).tables[3].rows[1:]]
    places = {row[3].split("\n")[0]: row[2] for row in rows}
    assert places["Our officers were not all asked."] == "Appendix C: The case group's feedback"
    assert places["The GP call is in our log at 14:10."] == "4 Findings, Finding 2 (F1)"
    assert [row[2] for row in rows][-1] == "Appendix C: The case group's feedback"   # in the report's order: last
