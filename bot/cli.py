"""The `casegroup` command (also `python -m bot`).

    casegroup start                 Socket Mode if Slack tokens are set, else the offline mode
    casegroup try [--as WHO]        the bot in the terminal, without Slack: nothing is sent anywhere
    casegroup run                   Socket Mode
    casegroup serve [--port 3000]   HTTP mode, POST /slack/events
    casegroup review import FILE [--force]   load (or update) a review file
    casegroup review list
    casegroup review invite KEY     DM the case group their invitation
    casegroup purge [--yes]         delete the conversations of closed reviews past their retention date
    casegroup export KEY [--episode K] [--format md|json|html] [--out FILE]
    casegroup analysis export KEY [--out FILE]   the review team's appraisals and findings, as TOML
    casegroup analysis import KEY FILE           apply an edited analysis file: new versions of what changed
    casegroup report KEY [--format docx|html|md] [--out FILE] [--template FILE]   the draft report
    casegroup db encrypt [--db FILE] encrypt a plain database with CASEGROUP_DB_KEY
    casegroup report comments import KEY FILE.docx --from AGENCY   an agency's commented draft report, brought in
    casegroup report comments list KEY                             the comments, by section and finding
    casegroup report comments resolve KEY ID accepted|not-accepted "reason"

Every command that uses the database takes `--db FILE` (default CASEGROUP_DB, or ./casegroup.db);
a command that only reads it never creates one.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Callable

from bot.config import Settings, database_path, load_settings
from bot.errors import CasegroupError, ConfigError, NotFoundError, StageError

EXIT_USAGE = 2
log = logging.getLogger("casegroup")


def _store(settings: Settings):
    from storage import Store
    return Store(settings.db_path, key=settings.db_key)


def _warn_if_unencrypted(store) -> None:
    """Said once as the bot starts: the file holds the most sensitive text a council has."""
    if not store.encrypted and store.path != ":memory:":
        log.warning("the database %s is not encrypted at rest: set CASEGROUP_DB_KEY and run `casegroup db "
                    "encrypt` (README, 'Encryption at rest')", store.path)


def _where(settings: Settings) -> str:
    """The database a command uses, as its messages name it."""
    if settings.db_path == ":memory:":
        return "memory (CASEGROUP_DB=:memory:)"
    return f"{Path(settings.db_path).resolve()} (--db, or CASEGROUP_DB; default ./casegroup.db)"


def _has_database(settings: Settings) -> bool:
    return settings.db_path == ":memory:" or Path(settings.db_path).is_file()


def _existing_store(settings: Settings):
    """The store of a command that only reads (or acts on what is there): it never creates a database,
    so a mistyped path or a forgotten --db is said, not answered from a new empty file."""
    if not _has_database(settings):
        raise NotFoundError(f"there is no database at {_where(settings)}; "
                            "`casegroup review import FILE` creates one")
    return _store(settings)


def _review(store, key: str, settings: Settings):
    """The review `key` names, typed in any case; NotFoundError naming the database looked in."""
    review = store.reviews.get(store.reviews.key_for(key) or key)
    if review is None:
        raise NotFoundError(f"there is no review with the key {key!r} in {_where(settings)}; "
                            "`casegroup review list` shows the reviews there")
    return review


def _prompts():
    from bot.core.prompts import load_prompts
    return load_prompts()


def _app(settings: Settings, store=None):
    """The Bolt App; a token Slack refuses, or a Slack that can't be reached, is one clear line."""
    from urllib.error import URLError

    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    from bot.app import build_app
    try:
        return build_app(settings, store or _store(settings), _prompts())
    except (BoltError, SlackApiError) as error:
        code = re.search(r"'error': '([a-z_]+)'", str(error))
        raise ConfigError(f"Slack refused SLACK_BOT_TOKEN ({code.group(1) if code else 'auth.test failed'}): "
                          "check the bot token in the environment or .env") from None
    except (URLError, OSError) as error:
        raise ConfigError(f"couldn't reach Slack at {settings.api_url} ({type(error).__name__}): "
                          "check the network or SLACK_API_URL") from None


def _reminders(settings: Settings, store, app):
    """The background thread that sends due reminders while the bot runs."""
    from bot.reminding import reminder_loop
    return reminder_loop(store, _prompts(), settings.reminder_rules, app.client).start()


def cmd_run(args, settings: Settings) -> int:
    settings.require("bot_token", "app_token")
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    store = _store(settings)
    _warn_if_unencrypted(store)
    app = _app(settings, store)
    handler = SocketModeHandler(app, app_token=settings.app_token, web_client=app.client)
    try:
        handler.connect()
    except SlackApiError as error:
        raise ConfigError(f"Slack refused SLACK_APP_TOKEN ({error.response.get('error')}): it must be an "
                          "app-level token (xapp-...) with the connections:write scope") from None
    print("casegroup is connected to Slack (Socket Mode). Press Ctrl-C to stop.", flush=True)
    reminders = _reminders(settings, store, app)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        reminders.stop()
        handler.close()
    return 0


def cmd_serve(args, settings: Settings) -> int:
    settings.require("bot_token", "signing_secret")
    from bot.server import make_server

    store = _store(settings)
    _warn_if_unencrypted(store)
    app = _app(settings, store)
    server = make_server(app, args.host, args.port)
    print(f"casegroup is listening on http://{args.host}:{server.effective_port}/slack/events", flush=True)
    reminders = _reminders(settings, store, app)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        reminders.stop()
        server.close()
    return 0


def cmd_start(args, settings: Settings) -> int:
    if settings.has_slack:
        return cmd_run(args, settings)
    print("No Slack tokens found (SLACK_BOT_TOKEN, SLACK_APP_TOKEN): to connect Slack see README, "
          "'Connecting Slack'. Starting the offline mode, `casegroup try`.", file=sys.stderr, flush=True)
    return cmd_try(build_parser().parse_args(["try"] + (["--db", args.db] if args.db else [])), settings)


def cmd_try(args, settings: Settings) -> int:
    from bot.offline import run_try
    return run_try(who=args.who, review_file=args.review, db=args.db, script=args.script, files=args.files,
                   settings=settings)


def cmd_review_import(args, settings: Settings) -> int:
    from bot.core.review import parse_review_file
    from bot.errors import ReviewFileError

    review = parse_review_file(args.file)
    try:
        saved = _store(settings).reviews.save(review, actor="cli", force=args.force)
    except ReviewFileError as error:  # a key that clashes with another review's
        raise ReviewFileError(args.file, error.problems) from None
    counted = _prompts().counted
    print(f"{'Imported' if saved.outcome == 'created' else 'Updated'} review {review.key!r} ({review.title}): "
          f"{counted('short_episode', len(review.episodes))}, "
          f"{counted('case_group_member', len(review.members))}, "
          f"{counted('person', len(review.people))} pseudonymised.")
    for old, new in review.renames:
        print(f"  Episode {old} is now {new}: its answers moved with it.")
    for line in saved.hidden:
        print(f"  Forced: {line}. They stay in the database; anyone dropped can still read and withdraw them.")
    return 0


def cmd_review_list(args, settings: Settings) -> int:
    keys = _store(settings).reviews.keys() if _has_database(settings) else []
    if not keys:
        print(f"No reviews yet in {_where(settings)}. Import one with: casegroup review import FILE")
        return 0
    store, counted = _store(settings), _prompts().counted
    for key in keys:
        review = store.reviews.get(key)
        stages = store.conversations.stages(key)
        submitted = sum(1 for s in stages.values() if s == "submitted")
        print(f"{key}\t{review.title}\tstage: {review.stage}\t{counted('short_episode', len(review.episodes))}\t"
              f"{submitted} of {len(review.members)} reflections submitted")
    return 0


def cmd_review_invite(args, settings: Settings) -> int:
    settings.require("bot_token")
    from bot.delivery import send
    from bot.reflect import Reflections
    from bot.slack_client import make_client

    store = _existing_store(settings)
    review = _review(store, args.key, settings)
    prompts = _prompts()
    deliveries, skipped = Reflections(store, prompts).invite_all(review.key, actor="cli")
    failures = send(make_client(settings.bot_token, settings.api_url), deliveries)
    print(f"Invited {prompts.counted('member', len(deliveries) - len(failures))} of {args.key!r}; "
          f"{skipped} already taking part or declined.")
    for delivery, code in failures:
        print(f"Could not deliver to {delivery.about}: Slack said {code}", file=sys.stderr)
    return 1 if failures else 0


def cmd_purge(args, settings: Settings) -> int:
    from bot.lead_actions import LeadActions, day

    if not _has_database(settings):
        print(f"There is no database at {_where(settings)}: nothing to purge.")
        return 0
    store = _store(settings)
    lead_actions = LeadActions(store, _prompts(), settings)
    reviews = lead_actions.purgeable()
    if not reviews:
        print("No closed review is past its retention date: nothing to purge.")
        return 0
    print("These closed reviews are past their retention date:")
    for review in reviews:
        print(f"  {review.key}\t{review.title}\tkept until {day(store.reviews.lifecycle(review.key).retain_until)}")
    if not args.yes:
        try:
            answer = input(f"Delete the conversations of {lead_actions.prompts.counted('review', len(reviews))} "
                           "for good? Answers, submitted "
                           "reflections and pseudonyms go; the audit trail stays. This can't be undone. "
                           "Type 'yes' to go on: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            print("Nothing was deleted.")
            return 1
    for review in reviews:
        counts = lead_actions.purge(review.key, actor="cli")
        print(f"Purged {review.key!r}: " + ", ".join(f"{n} {table.replace('_', ' ')}" for table, n in counts.items())
              + "; an audit row records each.")
    return 0


def _write_out(out: str | None, text: str, written: str) -> None:
    """An export's text: to `out`, created readable by its owner only (it holds case material), saying
    `written` on standard error; or, without --out, to standard output."""
    from bot.files import write_private
    if out:
        write_private(out, text)
        print(written, file=sys.stderr)
    else:
        sys.stdout.write(text)


def cmd_export(args, settings: Settings) -> int:
    from bot.core.digest import match_episode
    from bot.digest_builder import build_digest
    from bot.render.digest_text import render

    store = _existing_store(settings)
    review = _review(store, args.key, settings)
    suffix = Path(args.out or "").suffix.lower()
    fmt = args.format or {".json": "json", ".html": "html", ".htm": "html"}.get(suffix, "md")
    episode = None
    if args.episode:
        found = match_episode(args.episode, review.episodes)
        if found.episode is None:
            offered = found.candidates or review.episodes
            raise NotFoundError(f"{'several episodes match' if found.ambiguous else 'no episode matches'} "
                                f"{args.episode!r}; use one of: {', '.join(e.key for e in offered)}")
        episode = found.episode.key
    digest = build_digest(store, review, _prompts(), episode, store.clock())
    if digest is None:
        print(f"Nobody has submitted a reflection on {review.key!r} yet, so there is nothing to export. "
              f"`casegroup review list` shows progress.", file=sys.stderr)
        return 1
    _write_out(args.out, render(digest, fmt, episode),
               f"Wrote the {episode or 'review'} digest of {review.key!r} ({fmt}) to {args.out}, readable by you "
               "only. It holds pseudonymised case material: keep it within the review.")
    store.audit.add("cli", "digest.exported", review.key,
                f"{'episode ' + episode if episode else 'whole review'} as {fmt}, exported by the CLI")
    return 0


REPORT_FORMATS = ("docx", "html", "md")


def cmd_report(args, settings: Settings) -> int:
    """The draft report. Its version is "Draft" and the day it was made: nothing counts the reports made (a draft
    made and thrown away would take a number), and a date is what a board cites a draft by."""
    from bot.files import write_private_bytes
    from bot.render.report_docx import docx_bytes
    from bot.render.report_text import render
    from bot.report_builder import build_report

    store = _existing_store(settings)
    review = _review(store, args.key, settings)
    suffix = Path(args.out or "").suffix.lower().lstrip(".")
    fmt = args.format or {"htm": "html", "markdown": "md"}.get(suffix, suffix if suffix in REPORT_FORMATS else "docx")
    if args.template and fmt != "docx":
        raise CasegroupError(f"--template is a Word document's: it can't shape the {fmt} report")
    today = store.clock().date()
    out = args.out or f"{review.key}-report-draft-{today.isoformat()}.{fmt}"
    if not args.out and Path(out).exists():
        # Never over a draft already made today: the agencies' commented copies may be named like it.
        raise CasegroupError(f"{out} is there already: give --out FILE to write the report elsewhere")
    report = build_report(store, review, _prompts(), today, with_digest=fmt == "html")
    data = docx_bytes(report, args.template) if fmt == "docx" else render(report, fmt).encode("utf-8")
    write_private_bytes(out, data)
    print(f"Wrote the draft report of {review.key!r} ({fmt}, {len(report.findings)} findings) to {out}, readable by "
          "you only. It holds pseudonymised case material: check every name before it goes beyond the review.",
          file=sys.stderr)
    store.audit.add("cli", "report.made", review.key,
                    f"as {fmt}{', on a template' if args.template else ''}, made by the CLI")
    return 0


def _entry(saved) -> str:
    from bot.core.analysis import Appraisal
    return f"appraisal of {saved.episode}" if isinstance(saved, Appraisal) else f"finding {saved.key}"


def cmd_analysis_export(args, settings: Settings) -> int:
    from bot.core.analysis_file import analysis_toml

    store = _existing_store(settings)
    review = _review(store, args.key, settings)
    appraisals, findings = store.analysis.appraisals(review.key), store.analysis.findings(review.key)
    entries = [_entry(item) for item in (*appraisals.values(), *findings)]
    _write_out(args.out, analysis_toml(review, appraisals.values(), findings),
               f"Wrote the analysis of {review.key!r} to {args.out}, readable by you only: "
               f"{', '.join(entries) or 'no appraisal or finding yet, only the header to start from'}. It holds case "
               "material as the review team wrote it, not pseudonymised: keep it within the review.")
    store.audit.add("cli", "analysis.exported", review.key,
                    f"{len(appraisals)} appraisals, {len(findings)} findings, exported by the CLI")
    return 0


def cmd_analysis_import(args, settings: Settings) -> int:
    from bot.core.analysis_file import analysis_from, read_analysis_file
    from bot.errors import AnalysisFileError

    store = _existing_store(settings)
    review = _review(store, args.key, settings)
    if review.stage == "closed":
        raise StageError(f"{review.key!r} is closed, and a closed review is read-only: nothing was applied")
    data = read_analysis_file(args.file)
    prompts = _prompts()
    headings, patterns = [h.name for h in prompts.headings], [p.key for p in prompts.digest.patterns]
    try:
        saved = store.analysis.apply(review.key, lambda stored: analysis_from(data, review, headings, patterns,
                                                                              stored), actor="cli")
    except AnalysisFileError as error:
        raise AnalysisFileError(args.file, error.problems) from None
    changed = [f"{_entry(item)} (version {item.version})" for item, new in saved if new]
    unchanged = [_entry(item) for item, new in saved if not new]
    if changed:
        print(f"Applied {args.file} to {review.key!r}: " + ", ".join(changed) + " saved as new versions"
              + (f"; unchanged: {', '.join(unchanged)}." if unchanged else "."))
    else:
        print(f"Nothing changed: {args.file} says what {review.key!r} already holds"
              + (f" ({', '.join(unchanged)})." if unchanged else " (it has no appraisal or finding)."))
    return 0


def cmd_db_encrypt(args, settings: Settings) -> int:
    settings.require("db_key")
    from storage.database import encrypt_file

    if settings.db_path == ":memory:":
        raise ConfigError("CASEGROUP_DB is :memory:, which is never on the disk: there is nothing to encrypt")
    aside = encrypt_file(settings.db_path, settings.db_key)
    if aside is None:
        print(f"{settings.db_path} is already encrypted, and CASEGROUP_DB_KEY opens it: nothing to do.")
        return 0
    print(f"Encrypted {settings.db_path} with CASEGROUP_DB_KEY. The unencrypted original is now {aside}: "
          f"once casegroup runs with the key, delete it for good (e.g. `shred -u {aside}`), and any backup "
          "of it. Keep the key safe: without it the database can't be read, by anyone.")
    return 0


def cmd_report_comments_import(args, settings: Settings) -> int:
    from bot.accuracy_import import comments_from_file
    from bot.accuracy_review import AccuracyReview

    store = _existing_store(settings)
    review = _review(store, args.key, settings)
    prompts = _prompts()
    accuracy = AccuracyReview(store, prompts)
    accuracy.review(review.key, changing=True)   # a closed review says so before the file is read
    if not args.agency.strip():
        raise CasegroupError(prompts.say("accuracy.no_agency"))
    comments = comments_from_file(args.file, review, prompts)
    print(accuracy.bring_in(review.key, comments, args.agency, actor="cli", name=Path(args.file).name))
    return 0


def cmd_report_comments_list(args, settings: Settings) -> int:
    from bot.accuracy_review import AccuracyReview

    store = _existing_store(settings)
    review = _review(store, args.key, settings)
    print(AccuracyReview(store, _prompts()).listing(review.key))
    return 0


def cmd_report_comments_resolve(args, settings: Settings) -> int:
    from bot.accuracy_review import AccuracyReview

    store = _existing_store(settings)
    review = _review(store, args.key, settings)
    if not args.id.isdigit():
        raise CasegroupError(f"a comment's ID is its number, like 3, not {args.id!r}: "
                             f"`casegroup report comments list {review.key}` shows them")
    print(AccuracyReview(store, _prompts()).resolve(review.key, int(args.id), args.resolution, args.reason or "",
                                                    actor="cli"))
    return 0


def _report_comments_parser() -> argparse.ArgumentParser:
    """`casegroup report comments ...`: the agencies' factual-accuracy comments on the draft report. Its own parser,
    which main() routes to, beside `casegroup report KEY` (the report itself)."""
    parser = argparse.ArgumentParser(prog="casegroup report comments",
                                     description="The agencies' factual-accuracy comments on the draft report: "
                                                 "brought in from their commented .docx, listed, resolved.")
    parser.set_defaults(command="report", func=lambda args, settings: (parser.print_help(), EXIT_USAGE)[1])
    actions = parser.add_subparsers(dest="comments_command", metavar="ACTION")
    uses_db = argparse.ArgumentParser(add_help=False)
    uses_db.add_argument("--db", metavar="FILE", help="the SQLite file (default: CASEGROUP_DB, or ./casegroup.db)")
    bring_in = actions.add_parser("import", parents=[uses_db], help="read every comment of an agency's commented "
                                  "draft; the same file twice adds nothing")
    bring_in.add_argument("key", help="the review's key")
    bring_in.add_argument("file", help="the .docx the agency sent back, with its Word comments")
    bring_in.add_argument("--from", dest="agency", required=True, metavar="AGENCY",
                          help="the agency it came from: any name (one of the case group's is kept in its spelling)")
    bring_in.set_defaults(func=cmd_report_comments_import)
    listing = actions.add_parser("list", parents=[uses_db], help="every comment, by section and finding, with its "
                                 "agency, anchor and status (pseudonymised)")
    listing.add_argument("key", help="the review's key")
    listing.set_defaults(func=cmd_report_comments_list)
    resolve = actions.add_parser("resolve", parents=[uses_db], help="resolve a comment: accepted (the text is "
                                 "changed) or not-accepted, with a reason (needed when not accepted)")
    resolve.add_argument("key", help="the review's key")
    resolve.add_argument("id", help="the comment's number, from `casegroup report comments list`")
    resolve.add_argument("resolution", choices=("accepted", "not-accepted"))
    resolve.add_argument("reason", nargs="?", default="", help="why (Appendix B of the next draft gives it)")
    resolve.set_defaults(func=cmd_report_comments_resolve)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="casegroup", description="A Slack bot for Learning Together case reviews.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # One option for every command that uses the database (`try` has its own: its default is memory).
    uses_db = argparse.ArgumentParser(add_help=False)
    uses_db.add_argument("--db", metavar="FILE", help="the SQLite file (default: CASEGROUP_DB, or ./casegroup.db)")
    start = commands.add_parser("start", parents=[uses_db],
                                help="Socket Mode if Slack tokens are set, else the offline mode")
    start.set_defaults(func=cmd_start)
    try_ = commands.add_parser("try", help="the bot in your terminal, without Slack: nothing is sent anywhere")
    try_.add_argument("--as", dest="who", metavar="WHO",
                      help="who you are: lead, team, a case group number (default 1) or a Slack ID")
    try_.add_argument("--review", metavar="FILE", help="a review file (default: the bundled demo review); "
                      "imported again over the same review in --db")
    try_.add_argument("--db", metavar="FILE",
                      help="keep the session in this SQLite file and carry on from it next time (default: memory)")
    try_.add_argument("--script", metavar="FILE",
                      help="read the lines to type from FILE (# starts a comment line) instead of the keyboard")
    try_.add_argument("--files", metavar="DIR",
                      help="where files the bot shares are saved (default: beside --db, or a temporary folder)")
    try_.set_defaults(func=cmd_try)
    run = commands.add_parser("run", parents=[uses_db], help="connect to Slack in Socket Mode (needs SLACK_BOT_TOKEN, SLACK_APP_TOKEN)")
    run.set_defaults(func=cmd_run)
    serve = commands.add_parser("serve", parents=[uses_db], help="HTTP mode: Slack posts to /slack/events "
                                              "(needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)")
    serve.add_argument("--port", type=int, default=3000, help="port to listen on (default 3000; 0 picks a free one)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.set_defaults(func=cmd_serve)

    review = commands.add_parser("review", help="import, list and invite reviews")
    review_commands = review.add_subparsers(dest="review_command", metavar="ACTION")
    review_import = review_commands.add_parser("import", parents=[uses_db], help="load a review file (again, to update it)")
    review_import.add_argument("file", help="the review's TOML file (see README, 'The review file')")
    review_import.add_argument("--force", action="store_true",
                               help="import even if it hides answers already given (a member who answered dropped, "
                                    "an answered episode removed); those dropped can still read and withdraw them")
    review_import.set_defaults(func=cmd_review_import)
    review_list = review_commands.add_parser("list", parents=[uses_db], help="the reviews in the database")
    review_list.set_defaults(func=cmd_review_list)
    review_invite = review_commands.add_parser("invite", parents=[uses_db], help="DM the case group their invitation")
    review_invite.add_argument("key", help="the review's key, as in its file")
    review_invite.set_defaults(func=cmd_review_invite)
    review.set_defaults(func=lambda args, settings: (review.print_help(), EXIT_USAGE)[1])

    purge = commands.add_parser("purge", parents=[uses_db], help="irreversibly delete the conversations of closed reviews past their "
                                              "retention date (CASEGROUP_RETENTION_DAYS); the audit trail stays")
    purge.add_argument("--yes", action="store_true", help="don't ask for confirmation")
    purge.set_defaults(func=cmd_purge)

    export = commands.add_parser("export", parents=[uses_db], help="write a review's digest (pseudonymised) as Markdown, JSON or HTML")
    export.add_argument("key", help="the review's key, as in its file")
    export.add_argument("--episode", metavar="K", help="one episode: its key (KPE2), number (2) or title words")
    export.add_argument("--format", choices=("md", "json", "html"),
                        help="md (default), json, or html (a self-contained page that prints well); "
                             "taken from --out's extension when not given")
    export.add_argument("--out", metavar="FILE", help="write to FILE (created 0600) instead of standard output")
    export.set_defaults(func=cmd_export)

    analysis = commands.add_parser("analysis", help="the review team's appraisals and findings, as a file to edit")
    analysis_commands = analysis.add_subparsers(dest="analysis_command", metavar="ACTION")
    analysis_export = analysis_commands.add_parser(
        "export", parents=[uses_db], help="write the appraisals and findings as TOML (see README, 'The analysis file')")
    analysis_export.add_argument("key", help="the review's key, as in its file")
    analysis_export.add_argument("--out", metavar="FILE", help="write to FILE (created 0600) instead of standard output")
    analysis_export.set_defaults(func=cmd_analysis_export)
    analysis_import = analysis_commands.add_parser(
        "import", parents=[uses_db], help="apply an analysis file: what changed is saved as new versions, all or "
                                          "nothing; the same file twice changes nothing")
    analysis_import.add_argument("key", help="the review's key, as in its file")
    analysis_import.add_argument("file", help="the analysis file (from `casegroup analysis export`)")
    analysis_import.set_defaults(func=cmd_analysis_import)
    analysis.set_defaults(func=lambda args, settings: (analysis.print_help(), EXIT_USAGE)[1])

    report = commands.add_parser("report", parents=[uses_db], help="write the draft report (Word, HTML or Markdown), "
                                                                 "in the shape of a Learning Together report",
                                 epilog="The agencies' factual-accuracy comments on the draft: `casegroup report "
                                        "comments import|list|resolve ...` (`casegroup report comments --help`).")
    report.add_argument("key", help="the review's key, as in its file")
    report.add_argument("--format", choices=REPORT_FORMATS,
                        help="docx (default), html (self-contained, prints on A4) or md; taken from --out's extension "
                             "when not given")
    report.add_argument("--out", metavar="FILE", help="write to FILE (created 0600); default "
                                                      "KEY-report-draft-DATE.FORMAT here")
    report.add_argument("--template", metavar="FILE", help="a board's own Word document: its styles, header and "
                                                           "footer are kept, its body replaced")
    report.set_defaults(func=cmd_report)

    database = commands.add_parser("db", help="the database file: encrypt it")
    database_commands = database.add_subparsers(dest="db_command", metavar="ACTION")
    encrypt = database_commands.add_parser("encrypt", parents=[uses_db], help="encrypt a plain database with CASEGROUP_DB_KEY "
                                                           "(stop casegroup first); the original is kept beside it")
    encrypt.set_defaults(func=cmd_db_encrypt)
    database.set_defaults(func=lambda args, settings: (database.print_help(), EXIT_USAGE)[1])
    return parser


# The subcommands of `casegroup report` (`casegroup report comments import ...`): a parser builder for each word
# after "report", e.g. REPORT_SUBPARSERS["comments"] = comments_parser, where comments_parser() returns an
# ArgumentParser(prog="casegroup report comments") whose actions set `func` (and take `--db`) as build_parser's do.
# `casegroup report KEY` takes any key, so main() routes these words before argparse reads a key from them.
REPORT_SUBPARSERS: dict[str, Callable[[], argparse.ArgumentParser]] = {"comments": _report_comments_parser}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    routed = argv[:1] == ["report"] and len(argv) > 1 and argv[1] in REPORT_SUBPARSERS
    parser = REPORT_SUBPARSERS[argv[1]]() if routed else build_parser()
    args = parser.parse_args(argv[2:] if routed else argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = load_settings()
        if getattr(args, "db", None) and args.command != "try":
            settings = replace(settings, db_path=database_path(args.db, "--db"))
        # The secrets live in `settings` from here on: out of the environment, they can't leak into a
        # child process, and Bolt doesn't pick the token up a second time.
        for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "CASEGROUP_DB_KEY"):
            os.environ.pop(name, None)
        from bot.logs import configure_logging
        configure_logging(settings.log_level)
        return args.func(args, settings)
    except CasegroupError as error:
        print(f"casegroup: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
