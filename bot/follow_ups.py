"""The review team's follow-up questions: asked from the digest's *Ask a follow-up* button or `/review ask`,
answered in the practitioner's DM. No Slack calls but the one that posts the question (its message's ts is what a
reply in its thread is matched by).

    follow_ups = FollowUps(store, prompts)
    follow_up = follow_ups.ask("child-d", asker="U0LEAD01", member="U0PC0001", episode="KPE2",
                               question="What did the log show?")                 # stored
    follow_ups.send(client, follow_up)                                            # posted to their DM
    follow_ups.take(tx, user, text, thread_ts, candidates)                        # from Reflections.take: None
                                                                                  # when the text is the reflection's
The rules of who may be asked, and where a typed reply goes, are bot/core/follow_ups.py's.
"""
from __future__ import annotations

from bot.core.follow_ups import ASKING_STAGES, WAITING_STAGES, FollowUp, Route, ask_problem, named, route
from bot.core.redaction import Redactor
from bot.errors import InvalidInput, NotFoundError, StageError
from bot.flow import Flow
from bot.render.blocks import notice
from bot.render.follow_up_blocks import question_message, which_message
from storage import Transaction


class FollowUps(Flow):
    SECTION = "follow_ups"

    # ----- asking -------------------------------------------------------------

    def ask(self, review_key: str, asker: str, member: str, episode: str, question: str, about: str = "") -> FollowUp:
        """Store the question (send it with `send`); `about`: the step of their account it refers to (from the
        digest's button), quoted from their latest submitted reflection as the digest shows it, pseudonymised.
        Raises InvalidInput (no question), StageError or NotFoundError (who may be asked what:
        bot.core.follow_ups.ask_problem), each saying why."""
        review = self.store.reviews.get(review_key)
        question = question.strip()
        if not question:
            raise InvalidInput({"question": self._say("question_empty")})
        state = self.store.conversations.state(review_key, member)
        problem = ask_problem(review, member, episode, state.stage if state else None)
        if problem:
            person = review.assignment(member).member if review.assignment(member) else None
            error = StageError if problem == "wrong_stage" else NotFoundError
            raise error(self._say(problem, review=review.key, stage=self.prompts.say(f"stages.{review.stage}"),
                                  who=person.attribution if person else "", key=episode,
                                  episodes=", ".join(person.episodes) if person else ""))
        field, quoted = self._quoted(review, member, episode, about)
        return self.store.follow_ups.ask(FollowUp(review_key, member, episode, question, field=field, quoted=quoted),
                                         actor=asker)

    def _quoted(self, review, member: str, episode: str, step: str) -> tuple[str, str]:
        """(the digest's label of `step`, the member's submitted answer to it, pseudonymised), or ("", "")."""
        label = self.prompts.digest.steps.account.get(step)
        answer = self.store.submitted.episode_answers(review.key, episode).get(member, {}).get(episode, {}).get(step)
        if not label or not isinstance(answer, str) or not answer.strip():
            return "", ""
        return label, Redactor.for_review(review).clean_many([answer])[0]

    def send(self, client, follow_up: FollowUp) -> str:
        """Post the question to the practitioner's DM, and remember its message (a reply in its thread answers it).
        Returns what to tell the asker."""
        from bot.delivery import post   # here: bot.delivery imports bot.reflect, which imports this module
        review = self.store.reviews.get(follow_up.review_key)
        who = review.assignment(follow_up.member).member.attribution
        sent, code = post(client, follow_up.member,
                          question_message(self.prompts, review, review.episode(follow_up.episode).title, follow_up))
        if code:
            return self._say("not_delivered", name=follow_up.name, who=who, code=code)
        self.store.follow_ups.posted(follow_up.id, sent.get("channel") or "", sent.get("ts") or "")
        return self._say("asked", name=follow_up.name, who=who, key=follow_up.episode, review=review.key)

    # ----- answering, in the practitioner's DM -----------------------------------

    def take(self, tx: Transaction, user: str, text: str, thread_ts: str, candidates) -> tuple[str, dict] | None:
        """A DM, inside Reflections.take's transaction (after its event claim, so a retry counts once): the review
        and the message to answer with when it is for a follow-up, None when it is the reflection's
        (bot.core.follow_ups.route)."""
        if not text.strip():
            return None
        in_thread, thread_closed = None, False
        if thread_ts:
            found = self.store.follow_ups.in_thread(tx, user, thread_ts)
            if found:
                in_thread, stage = found
                thread_closed = stage not in ASKING_STAGES
        open_ones = [] if in_thread else self.store.follow_ups.open_for(tx, user)
        to_one = named(text) if in_thread is None and not thread_ts else None
        if to_one and not any(f.number == to_one[0] for f in open_ones):
            # `Q3 …` for a question no longer open (answered, or declined): as a reply in Q3's thread would be.
            found = self.store.follow_ups.numbered(tx, user, to_one[0])
            if found:
                (in_thread, stage), text = found, to_one[1]
                thread_closed = stage not in ASKING_STAGES
        if in_thread is None and not open_ones:
            return None   # nearly every DM: one or two indexed reads, and on to the reflection
        draft, chosen_ids = self.store.follow_ups.draft(tx, user) if open_ones else ("", [])
        choices = tuple(f for wanted in chosen_ids for f in open_ones if f.id == wanted)
        waiting = any(c.state is not None and c.state.stage in WAITING_STAGES for c in candidates)
        where = route(text, thread_ts, open_ones, in_thread, waiting, self.prompts.command_for(text) is not None,
                      choices, thread_closed)
        if where is None:
            return None
        return (where.follow_up or where.choices[0]).review_key, self._settle(tx, user, where, draft)

    def choose(self, user: str, follow_up_id: str, event_key: str | None) -> dict | None:
        """A click on one of "which question is this?"'s buttons: the words kept answer that question. Returns
        what to say (None for a repeat of a click already taken)."""
        with self.store.transaction() as tx:
            if event_key and not self.store.conversations.claim_event(tx, event_key):
                return None
            draft, _ = self.store.follow_ups.draft(tx, user)
            chosen = next((f for f in self.store.follow_ups.open_for(tx, user) if str(f.id) == follow_up_id), None)
            if chosen is None or not draft:
                return notice(self.prompts.say("replies.stale_button"))
            return self._settle(tx, user, Route("chosen", chosen), draft)

    def _settle(self, tx: Transaction, user: str, where: Route, draft: str) -> dict:
        """Store what `where` says, and return what to tell the practitioner."""
        follow_up, follow_ups = where.follow_up, self.store.follow_ups
        if where.kind == "which":
            if where.text:   # else asked again, the words typed first still kept
                follow_ups.keep_draft(tx, user, where.text, list(where.choices))
            return which_message(self.prompts, list(where.choices))
        if where.kind == "unknown":
            return notice(self._say("unknown_number", name=where.text,
                                    open=", ".join(f"*{f.name}* ({f.episode})" for f in where.choices)))
        said = {"name": follow_up.name, "key": follow_up.episode}
        if where.kind == "closed":
            return notice(self._say("closed", review=self.store.reviews.get(follow_up.review_key).title, **said))
        if where.kind == "already":
            return notice(self._say("already", status=self._say(f"{follow_up.status}_status"), **said))
        kind, text = where.kind, where.text
        if kind == "chosen":
            follow_ups.drop_draft(tx, user)
            kind, text = ("skip", "") if self.prompts.command_for(draft) == "skip" else ("answer", draft)
        if kind == "skip":
            follow_ups.settle(tx, follow_up, "declined")
            return notice(self._say("declined", **said))
        follow_ups.settle(tx, follow_up, "answered", text)
        return notice(self._say("added" if kind == "add" else "answered", **said))
