"""The review team's side of the analysis in Slack: the modals they open, and what their submissions save.
No Slack calls here: the listeners (bot/listeners/actions/analysis.py, views/analysis.py) open and answer.

    team = TeamAnalysis(store, prompts)
    team.appraisal_form("child-d", "KPE2")                        # the modal, prefilled with the latest version
    team.save_appraisal("child-d", "U0TEAM01", "KPE2", values)    # "Saved the appraisal of KPE2 (version 2)..."
    team.finding_form("child-d", pattern="missed appointments")   # drafted from the digest's emerging pattern
    team.save_finding("child-d", "U0LEAD01", "F1", "", values)    # InvalidInput: the modal's field errors

Checked with bot.core.analysis (appraisal_problems, finding_problems); a problem keeps the modal open with
the field's error, so nothing typed is lost. Every save is a new version, audited by storage/analysis.py.
"""
from __future__ import annotations

import dataclasses

from bot.core.analysis import Appraisal, Finding, appraisal_problems, finding_problems, next_key
from bot.core.analysis_forms import (APPRAISAL_FIELDS, FINDING_FIELDS, asks_from, field_errors,
                                     finding_from_pattern)
from bot.core.digest import EmergingPattern
from bot.core.finding_responses import responses_by_finding
from bot.core.redaction import Redactor
from bot.core.review import Review
from bot.core.text import neutralise
from bot.digest_builder import build_digest
from bot.errors import InvalidInput, NotFoundError
from bot.flow import Flow
from bot.render.analysis_blocks import appraisal_modal, finding_lines, finding_modal
from bot.render.finding_check_blocks import with_responses


class TeamAnalysis(Flow):
    SECTION = "team_analysis"

    # ----- appraisals -----------------------------------------------------

    def _headings(self, review: Review, episode: str, chosen: tuple[str, ...]) -> list[str]:
        """The factor headings the episode's digest names (and any the appraisal chose before); the whole
        framework's while nobody has named one."""
        digest = build_digest(self.store, review, self.prompts, episode)
        named = [t.heading for t in digest.episode(episode).factors] if digest and digest.episode(episode) else []
        named += [h for h in chosen if h not in named]
        return named or [h.name for h in self.prompts.headings]

    def appraisal_form(self, review_key: str, episode_key: str) -> dict:
        review = self._review(review_key)
        episode = review.episode(episode_key)
        if episode is None:
            raise NotFoundError(self.prompts.say("leads.no_such_review", key=f"{review_key} {episode_key}"))
        appraisal = self.store.analysis.appraisals(review_key).get(episode_key)
        return appraisal_modal(self.prompts, review, episode,
                               self._headings(review, episode_key, appraisal.factors if appraisal else ()), appraisal)

    def save_appraisal(self, review_key: str, actor: str, episode: str, values: dict) -> str:
        review = self._review(review_key)
        appraisal = Appraisal(episode, values.get("what_happened", ""), values.get("appraisal", ""),
                              values.get("explanation", ""), tuple(values.get("factors") or ()))
        problems = appraisal_problems(appraisal, review, [h.name for h in self.prompts.headings])
        if problems:
            raise InvalidInput(field_errors(problems, APPRAISAL_FIELDS))
        saved, changed = self.store.analysis.save_appraisal(review_key, appraisal, actor)
        return self._say("appraisal_saved" if changed else "appraisal_unchanged", key=episode, version=saved.version)

    # ----- findings -------------------------------------------------------

    def _patterns(self, review: Review) -> list[EmergingPattern]:
        """The digest's emerging patterns, as the digest is now."""
        digest = build_digest(self.store, review, self.prompts)
        return digest.patterns if digest else []

    def _pattern(self, review: Review, factor: str) -> EmergingPattern | None:
        """The digest's emerging pattern of that name (its factor group's words; a modal's value may cut them)."""
        return next((p for p in self._patterns(review) if p.factor == factor or p.factor[:150] == factor), None)

    def finding_form(self, review_key: str, key: str = "", pattern: str = "") -> dict:
        """The modal of a finding: `key`'s latest version, a draft from the emerging pattern `pattern`, or new.
        Its private_metadata says which: "review|key|pattern"."""
        review = self._review(review_key)
        if key:
            finding = self.store.analysis.finding(review_key, key)
            if finding is None:
                raise NotFoundError(self._say("finding_not_found", review=review_key, key=key))
        elif pattern:
            found = self._pattern(review, pattern)
            if found is None:
                raise NotFoundError(self._say("pattern_not_found", key=review_key))
            finding = finding_from_pattern(found, review, self.prompts.digest.patterns)
        else:
            finding = Finding("", "", "")
        groups = [p.factor for p in self._patterns(review) if p.factor != pattern]
        return finding_modal(self.prompts, review, finding, f"{review_key}|{key}|{pattern}", groups)

    def save_finding(self, review_key: str, actor: str, key: str, pattern: str, values: dict) -> str:
        review = self._review(review_key)
        findings = self.store.analysis.findings(review_key)
        said = []
        if key:
            base = next((f for f in findings if f.key == key), None)
            if base is None:
                raise InvalidInput({"title": self._say("finding_not_found", review=review_key, key=key)})
        else:
            # The key is given on saving, not on opening: two modals open at once don't take the same one.
            base = Finding(next_key(findings), "", "", order=len(findings) + 1)
            if pattern:
                found = self._pattern(review, pattern)
                if found is None:   # the digest changed while the modal was open: keep what was typed
                    said.append(self._say("pattern_gone", factor=pattern, key=review_key))
                else:
                    base = dataclasses.replace(base, evidence=finding_from_pattern(
                        found, review, self.prompts.digest.patterns).evidence)
        for group in values.get("groups") or ():
            # Evidence of another emerging pattern, chosen in the modal: its statements join the finding's, and
            # its episodes the finding's episodes (two patterns merged into one finding).
            found = self._pattern(review, group)
            if found is None:
                said.append(self._say("pattern_gone", factor=group, key=review_key))
                continue
            drafted = finding_from_pattern(found, review, self.prompts.digest.patterns)
            base = dataclasses.replace(base, evidence=tuple(dict.fromkeys((*base.evidence, *drafted.evidence))))
            values = {**values, "episodes": [*(values.get("episodes") or ()),
                                             *(e for e in drafted.episodes if e not in (values.get("episodes") or ()))]}
        order = values.get("order", "")
        if order and not order.isdigit():
            raise InvalidInput({"order": self._say("order_not_number")})
        finding = dataclasses.replace(
            base, title=values.get("title", ""), pattern=values.get("pattern") or "",
            episodes=tuple(values.get("episodes") or ()), in_this_case=values.get("in_this_case", ""),
            how_widespread=values.get("how_widespread", ""), why_it_matters=values.get("why_it_matters", ""),
            asks=asks_from(values.get("questions", "")), status=values.get("status") or "draft",
            order=int(order) if order else base.order)
        problems = finding_problems(finding, review, [p.key for p in self.prompts.digest.patterns])
        if problems:
            raise InvalidInput(field_errors(problems, FINDING_FIELDS))
        saved, changed = self.store.analysis.save_finding(review_key, finding, actor)
        title = neutralise(Redactor.for_review(review).clean(saved.title))   # as everyone sees it: pseudonymised
        if changed:
            said.insert(0, self._say("finding_saved", key=saved.key, title=title, status=self._say(
                f"status_{saved.status}"), version=saved.version))
        else:
            said.insert(0, self._say("finding_unchanged", key=saved.key, version=saved.version))
        return " ".join(said)

    def findings_text(self, review_key: str) -> str:
        """`/review findings KEY`: every finding, in the team's order, with its status."""
        review = self._review(review_key)
        findings = self.store.analysis.findings(review_key)
        lines = [self._say("findings_header", title=neutralise(review.title), key=review_key)]
        # Under each, the case group's response by role and agency (issue 17), a ⚠ line first if it doesn't fit.
        answered = responses_by_finding(review, self.store.finding_responses.of_review(review_key))
        lines += [f"• {with_responses(self.prompts, line, answered.get(f.key), detail=True)}"
                  for f, line in zip(findings, finding_lines(self.prompts, review, findings))] or [
            self._say("no_findings", key=review_key)]
        if findings:
            lines.append(self._say("findings_footer"))
        return "\n".join(lines)
