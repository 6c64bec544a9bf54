"""The case group checks the review team's findings: shared in each member's DM, answered by button or by typing.

    check = CaseGroupCheck(store, prompts)
    check.share("child-d", actor="U0LEAD01")           # ShareRound: what to tell the lead, and the DMs to send
    check.typed(tx, review, state, "U0HV0001", "F2 doesn't fit: we called", channel)   # from Reflections.take
    check.click("U0HV0001", "child-d", "F1", "fits", channel, event_key)               # *This fits my experience*
    check.form("child-d", "U0HV0001", "F2", "comment")                                 # the modal for words

Who may answer: the members who took part (consented, not withdrawn, submitted at least once), and only about
the findings shared with them; nothing is stored from anyone else. Answers can change until the review moves
to its analysis stage. A second share sends each member only the findings new or changed since their last
(bot.core.finding_responses.to_share), so sharing twice never floods a DM. No Slack calls here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.analysis import shown
from bot.core.analysis_digest import FindingShown, team_analysis
from bot.core.conversation import State
from bot.core.finding_responses import (OPEN_STAGES, Typed, kind_alone, looks_like_responses, parse_responses,
                                        to_share)
from bot.core.review import Review
from bot.core.text import neutralise, one_line, shorten
from bot.errors import StageError
from bot.flow import Flow
from bot.reflect import Delivery
from bot.render.blocks import notice
from bot.render.finding_check_blocks import WORDS_SHOWN, answer_form, kind_said, share_messages
from storage import Transaction
from storage.finding_responses import TAKING_PART


@dataclass
class ShareRound:
    said: str                                            # for the lead
    told: list[Delivery] = field(default_factory=list)   # each member's DM


class CaseGroupCheck(Flow):
    SECTION = "finding_check"

    def _shown(self, review: Review) -> dict[str, FindingShown]:
        """The findings a member may see (draft and agreed), as every output shows them: pseudonymised."""
        analysis = team_analysis(review, {}, self.store.analysis.findings(review.key), self.prompts.digest)
        return {f.key: f for f in analysis.findings}

    # ----- the lead shares ------------------------------------------------

    def share(self, review_key: str, actor: str) -> ShareRound:
        """`/review share KEY`, and the move to the case group meeting stage: the findings to each member who
        took part, those new or changed since they were last sent. Recorded before anything is sent."""
        review = self._review(review_key)
        title = neutralise(review.title)
        if review.stage not in OPEN_STAGES:
            raise StageError(self._say("wrong_stage", review=review_key,
                                       stage=self.prompts.say(f"stages.{review.stage}")))
        findings = self.store.analysis.findings(review_key)
        if not shown(findings):
            return ShareRound(self._say("no_findings", title=title, review=review_key))
        members = [m for m in (review.member(s) for s in self.store.finding_responses.took_part(review_key)) if m]
        if not members:
            return ShareRound(self._say("nobody_took_part", title=title))
        by_key, told, unchanged, sent = self._shown(review), [], 0, set()
        with self.store.transaction() as tx:
            for member in members:
                shared = self.store.finding_responses.shared(review_key, member.slack_id)
                new = [f for f in to_share(findings, shared) if f.key in by_key]
                if not new:
                    unchanged += 1
                    continue
                own = self.store.finding_responses.of_member(review_key, member.slack_id)
                payloads = share_messages(self.prompts, review, [by_key[f.key] for f in new], own, again=bool(shared))
                self.store.finding_responses.record_shared(tx, review_key, member.slack_id,
                                                           [(f.key, f.version) for f in new], actor)
                told.append(Delivery(member.slack_id, payloads, review_key, member.attribution))
                sent.update(f.key for f in new)
        if not told:
            return ShareRound(self._say("nothing_new", title=title, findings=", ".join(by_key), review=review_key))
        said = self._say("shared", title=title, review=review_key, count=len(told),
                         findings=", ".join(k for k in by_key if k in sent))
        if unchanged:
            said += " " + self._say("shared_again_note", unchanged=unchanged)
        return ShareRound(said, told)

    # ----- a member answers -----------------------------------------------

    def _answer(self, tx: Transaction, review: Review, member: str, stage: str | None, typed: list[Typed],
                unreadable: list[str] = ()) -> str:
        """Store what a member answered, in the caller's transaction, and say which finding each answer went to."""
        title = neutralise(review.title)
        if review.stage not in OPEN_STAGES:
            return self._say("closed", title=title, stage=self.prompts.say(f"stages.{review.stage}"))
        shared = self.store.finding_responses.shared(review.key, member)
        if stage not in TAKING_PART or not shared:
            return self._say("not_taking_part", title=title)
        findings = self._shown(review)
        open_keys = [k for k in findings if k in shared]
        lines = []
        for answer in typed:
            finding = findings.get(answer.finding)
            if finding is None or answer.finding not in shared:
                lines.append(self._say("not_shared", key=answer.finding, keys=", ".join(open_keys) or "–"))
                continue
            if answer.kind == "comment" and not answer.text.strip():
                lines.append(self._say("needs_words", key=answer.finding))
                continue
            outcome = self.store.finding_responses.save(tx, review.key, member, answer.finding, answer.kind,
                                                        answer.text.strip())
            said = self._say({"new": "saved"}.get(outcome, outcome), key=answer.finding, title=shorten(one_line(neutralise(finding.title)), 150),
                             kind=kind_said(self.prompts, answer.kind))
            if answer.text.strip() and outcome != "same":
                said = self._say("with_words", said=said,
                                 words=shorten(one_line(neutralise(answer.text.strip())), WORDS_SHOWN))
            lines.append(said)
        lines += [self._say("unreadable", typed=shorten(one_line(neutralise(u)), 120)) for u in unreadable]
        return "\n".join(lines)

    def typed(self, tx: Transaction, review: Review | None, state: State | None, user: str, text: str,
              channel: str) -> list[Delivery] | None:
        """A DM that answers the findings (it starts with a finding's key, and findings were shared with its writer
        in the review the DM is about), answered in the DM's transaction; None for anything else, which is the
        reflection's, unchanged."""
        if review is None or not (looks_like_responses(text) or kind_alone(text)):
            return None
        shared = self.store.finding_responses.shared(review.key, user)
        if not shared:
            return None
        if not looks_like_responses(text):
            # A button's words typed with no key: which finding? Unless a reflection waits for its answer.
            if (state and state.stage != "submitted") or review.stage not in OPEN_STAGES:
                return None
            keys = sorted(shared, key=lambda key: int(key[1:]))
            return [Delivery(channel, [notice(self._say("which_finding", keys=", ".join(keys),
                                                        example=f"{keys[0]} {text.strip()[:60]}"))], review.key)]
        parsed = parse_responses(text)
        said = self._answer(tx, review, user, state.stage if state else None, parsed.responses, parsed.unreadable)
        return [Delivery(channel, [notice(said)], review.key)]

    def click(self, user: str, review_key: str, finding: str, kind: str, text: str, channel: str,
              event_key: str | None) -> list[Delivery]:
        """A button (*This fits my experience*) or the form's words (*This doesn't fit*, *Comment*)."""
        review = self._review(review_key)
        with self.store.transaction() as tx:
            if event_key and not self.store.conversations.claim_event(tx, event_key):
                return []
            state = self.store.conversations.state(review_key, user)
            said = self._answer(tx, review, user, state.stage if state else None, [Typed(finding, kind, text)])
        return [Delivery(channel, [notice(said)], review_key)]

    def form(self, review_key: str, user: str, finding: str, kind: str) -> dict | None:
        """The form for words about a finding shared with `user`; None when it isn't theirs to answer (the click
        then says why, as a typed answer would)."""
        review = self._review(review_key)
        if (review.stage not in OPEN_STAGES or finding not in self.store.finding_responses.shared(review_key, user)):
            return None
        shown_ = self._shown(review).get(finding)
        return answer_form(self.prompts, review_key, shown_, kind) if shown_ else None
