"""`pair-assistant` (also `python -m assistant`): a thin command line over the Python API.

Every command takes its settings from ASSISTANT_* environment variables (see README) and prints JSON with
--json, so scripts and researchers get the same contracts as the app.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from assistant.errors import AssistantError
from assistant.settings import DOC_TYPES, Settings

app = typer.Typer(
    help=(
        "PAIR evidence assistant: cited, COM-B-tagged answers from the evidence on commissioning "
        "parent-infant relationship services. Works offline. Settings come from ASSISTANT_* variables: "
        "ASSISTANT_HOME (index folder, default .assistant), ASSISTANT_CORPUS (default corpus), "
        "ASSISTANT_CHROMA_HOST/ASSISTANT_CHROMA_PORT (use a Chroma server), ASSISTANT_LLM (optional)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Measure answer quality and COM-B tagging on evaluation sets (JSON Lines).", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@app.callback()
def _check_settings() -> None:
    """Every command starts by validating the ASSISTANT_* settings: a bad value is one line and exit status 2."""
    try:
        Settings.from_env()
    except AssistantError as e:
        fail(str(e))


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _emit(results: dict, as_json: bool, text: str) -> None:
    _print_json(results) if as_json else sys.stdout.write(text + "\n")


def _read_lines(file: Optional[str]) -> list[str]:
    if file is None:
        return []
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text("utf-8")
    except OSError as e:
        fail(f"cannot read {file}: {e.strerror}")
    return [line.strip() for line in text.splitlines() if line.strip()]


@app.command()
def index(
    full: bool = typer.Option(False, "--full", help="Rebuild every document, not only the changed ones."),
    rollback: bool = typer.Option(False, "--rollback", help="Make the previous index version active again, with the corpus folder as it was (same as `rollback`)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    run_eval: bool = typer.Option(False, "--eval", help="After a change, re-run evals/questions.jsonl and compare with the last run."),
):
    """Index the corpus folder (incremental: unchanged files are skipped).

    A new index version is built beside the active one and switched in only when complete, so a failure
    or an interruption leaves the previous index serving. Files that cannot be read are listed with the
    reason; the exit status is 1 when any file failed.
    """
    from assistant.ingest.pipeline import build_index

    settings = Settings.from_env()
    if rollback:
        _do_rollback(settings, None, False, as_json)
        return
    try:
        report = build_index(settings, full=full, quiet=as_json)
    except AssistantError as e:
        fail(str(e))
    if as_json:
        _print_json(report.to_dict())
    else:
        reread = f" ({len(report.loader_changed)} re-read: their loader changed)" if report.loader_changed else ""
        typer.echo(
            f"index version {report.version}: {len(report.added)} added, {len(report.updated)} updated{reread}, "
            f"{len(report.unchanged)} unchanged, {len(report.removed)} removed, {len(report.failed)} failed; "
            f"{report.passages} passages in {report.seconds:.1f} s{_garbled_count(report.warnings)}"
        )
        for f in report.failed:
            typer.echo(f"  failed: {f['path']}: {f['error']}", err=True)
        _echo_warnings(report.warnings)
        _echo_near(report.near_duplicates)
    if run_eval and report.changed:
        _run_eval(settings, as_json)
    if report.failed:
        raise typer.Exit(1)


def _garbled_count(notes: list[dict]) -> str:
    """The summary line's note of pages read but doubted (see the warnings below it); "" when there are none."""
    return f"; {_count(len(notes), 'page')} may be garbled (see below)" if notes else ""


def _echo_warnings(notes: list[dict], names: dict | None = None) -> None:
    """One line per doubted page, naming the file (``names``: the user's file for a copy `add` made) and page."""
    for n in notes:
        where = (names or {}).get(n["file"], n["file"])
        typer.echo(f"  warning: {where}, page {n['page']}: {n['reason']}", err=True)


def _echo_near(near: list[dict]) -> None:
    for n in near:
        typer.echo(f"  near-duplicate: {n['doc_id']} has about {n['similarity']:.0%} of its text in common with "
                   f"{n['of']} (a new edition? then --supersedes {n['of']}; the same document? then remove one)", err=True)


def _run_eval(settings, quiet: bool) -> None:
    """Re-run the shipped questions and compare with the last saved run (`index`, `add`, `remove` --eval);
    warn when the two runs are not like for like: another question set, other settings, another corpus."""
    from assistant.evaluation.runner import eval_after_index

    out = eval_after_index(settings, quiet=quiet)
    comp = (out or {}).get("comparison")
    if comp:
        for line in eval_differences(comp):
            typer.echo(line, err=True)


SETTING_FIELDS = ("retrieval", "model", "mode", "package_version")


def eval_differences(comp: dict) -> list[str]:
    """What differs between the two runs a comparison is made of: a warning when the question set (file,
    content, questions) or a setting differs, since then the deltas are not the change's alone; a note with
    the corpus hash and document count, which the change itself moves (the index version always does)."""
    a, b = comp.get("run_a") or {}, comp.get("run_b") or {}
    lines = []
    if a.get("file_sha256") != b.get("file_sha256") or comp.get("only_in_a") or comp.get("only_in_b"):
        lines.append(f"warning: the question sets differ ({a.get('file')} -> {b.get('file')}; "
                     f"{len(comp.get('only_in_a') or [])} question(s) only in the last run, "
                     f"{len(comp.get('only_in_b') or [])} only in this one): compare the shared questions only")
    for key in SETTING_FIELDS:
        if a.get(key) != b.get(key):
            lines.append(f"warning: {key} differs: {a.get(key)} -> {b.get(key)}")
    if a.get("corpus_hash") != b.get("corpus_hash"):
        lines.append(f"note: the corpus differs: corpus_hash {str(a.get('corpus_hash'))[:12]} -> "
                     f"{str(b.get('corpus_hash'))[:12]}, n_documents {a.get('n_documents')} -> {b.get('n_documents')}")
    return lines


@app.command()
def edit(
    doc_id: str = typer.Argument(..., help="The document id (see `status`)."),
    title: Optional[str] = typer.Option(None, help="New title."),
    publisher: Optional[str] = typer.Option(None, help="New publisher."),
    year: Optional[int] = typer.Option(None, help="New year of publication."),
    url: Optional[str] = typer.Option(None, help="New public URL."),
    doc_type: Optional[str] = typer.Option(None, "--doc-type", help=f"New type: one of {', '.join(DOC_TYPES)}."),
    licence: Optional[str] = typer.Option(None, help="New licence."),
    supersedes: Optional[str] = typer.Option(None, "--supersedes", help="doc_id this document makes out of date; '' clears it."),
    as_json: bool = typer.Option(False, "--json", help="Print the index summary as JSON."),
):
    """Change some metadata of an indexed document without re-adding it; every field not given is kept, and the
    document is re-indexed. Example: `pair-assistant edit guide-2026 --supersedes guide-2025`."""
    from assistant.ingest.maintain import edit_document

    given = {"title": title, "publisher": publisher, "year": year, "url": url, "doc_type": doc_type,
             "licence": licence, "supersedes": supersedes}
    changes = {k: v for k, v in given.items() if v is not None}
    try:
        report = edit_document(Settings.from_env(), doc_id, changes, quiet=as_json)
    except AssistantError as e:
        fail(str(e))
    if as_json:
        _print_json(report.to_dict())
        return
    typer.echo(f"edited {doc_id} ({', '.join(changes)}); index version {report.version}{_garbled_count(report.warnings)}")
    _echo_warnings(report.warnings)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
           search: Optional[str] = typer.Option(None, "--search", "-s", help="Only documents whose id, title or publisher contains this text (any case).")):
    """Show the index: where it is, the active and previous versions, and every indexed document with its title
    (``--search`` narrows the list)."""
    from assistant.ingest.pipeline import status as get_status

    try:
        info = get_status(Settings.from_env())
    except AssistantError as e:
        fail(str(e))
    if search:
        needle = search.casefold()
        info["documents"] = [d for d in info["documents"]
                             if any(needle in str(d.get(f) or "").casefold() for f in ("doc_id", "title", "publisher"))]
    if as_json:
        _print_json(info)
        return
    typer.echo(f"index: {info['index']}\nmodel: {info['model']}\nactive version: {info['active_version']} "
               f"(previous: {info['previous_versions']})\nlast indexed: {info['last_indexed']}\n"
               f"{info['passages']} passages; " + _count(len(info["documents"]), "document")
               + (f" {'matches' if len(info['documents']) == 1 else 'match'} {search!r}" if search else ""))
    for d in info["documents"]:
        sup = f"  [superseded by {d['superseded_by']}]" if d["superseded_by"] else ""
        typer.echo(f"  {d['doc_id']}  ({d['doc_type']}, {d['year']}, {d['passages']} passages){sup}\n      {d['title']}")


@app.command()
def ask(
    question: Optional[List[str]] = typer.Argument(None, help="One or more questions (quote each one)."),
    file: Optional[str] = typer.Option(None, "--file", "-f", help="Read questions from a file, one per line ('-' for stdin)."),
    as_json: bool = typer.Option(False, "--json", help="Print the Answer contract as JSON (JSON Lines for several)."),
    k: Optional[int] = typer.Option(None, "--k", help="Number of passages to cite (default 5)."),
    doc_type: Optional[List[str]] = typer.Option(None, "--doc-type", help=f"Only cite these document types: {', '.join(DOC_TYPES)}."),
    component: Optional[List[str]] = typer.Option(None, "--component", help="Only cite passages tagged with this COM-B component."),
    year_min: Optional[int] = typer.Option(None, "--since", help="Only cite documents from this year on."),
    year_max: Optional[int] = typer.Option(None, "--until", help="Only cite documents up to this year."),
):
    """Ask questions; get an answer with cited, COM-B-tagged passages. Builds the index first if none exists."""
    from assistant.api import EvidenceAssistant
    from assistant.app.gaps import open_gaps
    from assistant.models import Filters

    questions = list(question or []) + _read_lines(file)
    if not questions:
        fail("no question given: pass a question in quotes, or --file PATH (one question a line)")
    for t in doc_type or []:
        if t not in DOC_TYPES:
            fail(f"unknown document type {t!r}; choose from {', '.join(DOC_TYPES)}")
    filters = Filters(doc_types=doc_type or None, components=component or None, year_min=year_min, year_max=year_max)
    try:
        assistant = EvidenceAssistant.open(quiet=as_json)
        gaps = open_gaps(assistant.settings)
        for q in questions:
            answer = assistant.ask(q, filters=filters, k=k)
            if gaps is not None:
                gaps.record_answer(answer, assistant.version)
            if as_json:
                _print_json(answer.to_dict())
            else:
                typer.echo(format_answer(answer))
    except AssistantError as e:
        fail(str(e))


def format_answer(answer) -> str:
    """The human form: the question (and how a follow-up was understood), the answer, then each source with
    its place, link, evidence strength and COM-B link in plain words. Scores stay in --json."""
    from assistant.answering.composer import short_source, without_escapes
    from assistant.comb.catalogue import also_lists, describe

    lines = [f"Q: {answer.question}"]
    if answer.standalone_question and answer.standalone_question != answer.question:
        lines.append(f"(understood as: {answer.standalone_question})")
    lines += [f"note: {n}" for n in answer.notices]
    lines += ["", without_escapes(answer.answer), ""]
    for c in answer.citations:
        lines.append(f"[{c.n}] {short_source(c)}, {c.locator}. {c.publisher}. {c.url}")
        design = c.strength.get("design")
        if design:
            lines.append(f"    evidence: {design.replace('_', ' ')}" + (f", {c.strength['setting']}" if c.strength.get("setting") else ""))
        words = describe(c.com_b)
        if words:
            lines.append(f"    {words[0]}")
        also = also_lists(c.com_b)  # a table passage cited for another of its rows: the card says so too
        if also:
            lines.append(f"    {also}")
        if c.superseded_by:
            lines.append(f"    superseded by: {c.superseded_by_title or c.superseded_by}")
    return "\n".join(lines) + "\n"


@app.command()
def tag(
    text: Optional[List[str]] = typer.Argument(None, help="Statements to tag (quote each one)."),
    file: Optional[str] = typer.Option(None, "--file", "-f", help="Read statements from a file, one per line ('-' for stdin)."),
    as_json: bool = typer.Option(False, "--json", help="Print one COMB object per statement (JSON Lines)."),
):
    """Link statements to the study's barriers and enablers: the item, how the text bears on it (reports it, or is
    evidence against it), its COM-B component or system level, and what the study proposes for it."""
    from assistant.comb.tagger import require_tagger
    from assistant.embedding import get_embedder

    texts = list(text or []) + _read_lines(file)
    if not texts:
        fail("no statement given: pass text in quotes, or --file PATH (one statement a line)")
    try:
        tagger = require_tagger(get_embedder())
        tags = tagger.tag_texts(texts)
    except AssistantError as e:
        fail(str(e))
    for t, tg in zip(texts, tags):
        d = tg.to_dict()
        d["text"] = t
        if as_json:
            _print_json(d)
        else:
            typer.echo(f"{t}\n    {format_tag(tg)}")


def format_tag(tag) -> str:
    """A tag in plain words, as the chat's badge shows it."""
    from assistant.comb.catalogue import describe

    words = describe(tag)
    if words is None:
        return "No link to the study's barriers or enablers."
    return f"{words[0]}\n    {words[1]}"


@app.command()
def add(
    files: List[Path] = typer.Argument(..., help="Files to add (md, pdf, html, txt), or folders: every supported file in them."),
    title: Optional[str] = typer.Option(None, help="Title of the source (one file only; required unless the file's front matter, a sidecar or --replace gives it)."),
    publisher: Optional[str] = typer.Option(None, help="Publisher (with several files, it applies to each: an option given wins over a file's own metadata)."),
    year: Optional[int] = typer.Option(None, help="Year of publication (1900 to next year)."),
    url: Optional[str] = typer.Option(None, help="Public URL of the source."),
    doc_type: Optional[str] = typer.Option(None, "--doc-type", help=f"One of: {', '.join(DOC_TYPES)}."),
    licence: Optional[str] = typer.Option(None, help="Licence as stated by the source (default: unknown, or kept by --replace)."),
    doc_id: Optional[str] = typer.Option(None, "--doc-id", help="Document id (one file only; default: from the file name)."),
    supersedes: Optional[str] = typer.Option(None, "--supersedes", help="doc_id of an older document this one makes out of date (both stay; the older ranks lower and is marked)."),
    replace: bool = typer.Option(False, "--replace", help="Replace the document with the same id (a corrected or updated file); metadata not given is kept from it."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything and say what would be added or refused; change nothing."),
    run_eval: bool = typer.Option(False, "--eval", help="Afterwards, re-run evals/questions.jsonl and compare with the last run."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
):
    """Copy documents into the corpus folder with their metadata, and index them in one change. Metadata comes
    from the options, then the file's own front matter or .meta.yaml sidecar, then (--replace) the indexed
    document. A folder adds every supported file in it; files that are refused are listed and the rest added.
    A document with the same text as an indexed one is refused, one with nearly the same text is reported.
    Example: `pair-assistant add ~/guides/ --doc-type guidance --dry-run`."""
    from assistant.ingest.maintain import add_files, expand

    settings = Settings.from_env()
    options = {"title": title, "publisher": publisher, "year": year, "url": url, "doc_type": doc_type,
               "licence": licence, "supersedes": supersedes}
    try:
        paths = expand(files)
        single = len(files) == 1 and Path(files[0]).is_file()
        if not single and (title or doc_id):
            fail("--title and --doc-id name one document: give each file's title in its front matter or a "
                 ".meta.yaml sidecar beside it")
        result = add_files(settings, paths, options, doc_id=doc_id, replace=replace, quiet=as_json, dry_run=dry_run,
                           strict=single and not dry_run)
    except AssistantError as e:
        fail(str(e))
    _echo_add(result, replace, as_json)
    if run_eval and result.report is not None and result.report.changed:
        _run_eval(settings, as_json)
    if result.refused or (result.report is not None and result.report.failed):
        raise typer.Exit(1)


def _echo_add(result, replace: bool, as_json: bool) -> None:
    report = result.report
    if as_json:
        out = report.to_dict() if report is not None else {}
        _print_json({**out, "dry_run": result.dry_run, "added_files": result.added, "refused_files": result.refused,
                     "near_duplicates": result.near_duplicates})
        return
    verb = "replace" if replace else "add"
    n, total = len(result.added), len(result.added) + len(result.refused)
    if result.dry_run:
        typer.echo(f"dry run, nothing changed: would {verb} {n} of {_count(total, 'file')}")
    elif report is not None:
        names = sorted(a["doc_id"] for a in result.added)
        ids = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        typer.echo(f"{verb}{'d' if replace else 'ed'} {ids or 'nothing'}"
                   + (f" ({n} of {_count(total, 'file')})" if total > 1 else "")
                   + f"; index version {report.version}, {report.passages} passages{_garbled_count(report.warnings)}")
    else:
        typer.echo(f"nothing {verb}{'d' if replace else 'ed'}: every file was refused")
    if result.dry_run or total > 1:
        for a in result.added:
            typer.echo(f"  + {a['doc_id']}  <- {a['file']}\n      {a['title']}")
    for r in result.refused:
        typer.echo(f"  refused: {r['error']}", err=True)
    for f in report.failed if report is not None else []:
        typer.echo(f"  failed: {f['path']}: {f['error']}", err=True)
    if report is not None:
        _echo_warnings(report.warnings, {a["path"]: a["file"] for a in result.added})
    _echo_near(result.near_duplicates)


@app.command()
def remove(doc_id: str = typer.Argument(..., help="The document id to remove (see `status`)."),
           yes: bool = typer.Option(False, "--yes", "-y", help="Remove without asking (needed when not at a terminal)."),
           run_eval: bool = typer.Option(False, "--eval", help="Afterwards, re-run evals/questions.jsonl and compare with the last run."),
           as_json: bool = typer.Option(False, "--json", help="Print the index summary as JSON.")):
    """Take a document out of the corpus folder and the index. Asks first, naming the document, unless --yes."""
    import sys

    from assistant.ingest.maintain import remove_document
    from assistant.ingest.pipeline import status as get_status

    settings = Settings.from_env()
    if not yes:
        try:
            doc = next((d for d in get_status(settings)["documents"] if d["doc_id"] == doc_id), None)
        except AssistantError as e:
            fail(str(e))
        if doc is None:
            fail(f"no document {doc_id!r} in the index; see `pair-assistant status --search TEXT`")
        if not sys.stdin.isatty():
            fail(f"not removing {doc_id!r} ({doc['title']}) without confirmation: add --yes")
        if not typer.confirm(f"Remove {doc_id!r} ({doc['title']}, {doc['year']}) from the corpus folder and the index?"):
            typer.echo("nothing removed")
            raise typer.Exit(1)
    try:
        report = remove_document(settings, doc_id, quiet=as_json)
    except AssistantError as e:
        fail(str(e))
    _print_json(report.to_dict()) if as_json else typer.echo(f"removed {doc_id}; index version {report.version}")
    if run_eval and report.changed:
        _run_eval(settings, as_json)


@app.command("rollback")
def rollback_cmd(to: Optional[int] = typer.Option(None, "--to", help="The version to go back (or forward) to; default: the one before the active one. See `history`."),
                 force: bool = typer.Option(False, "--force", help="Also when the corpus folder has changes no version records (they are saved first)."),
                 as_json: bool = typer.Option(False, "--json", help="Print what changed as JSON.")):
    """Make a kept index version active again and put the corpus folder back as it was at that version (files
    and metadata), in one step. No version is dropped, so you can roll forward again."""
    _do_rollback(Settings.from_env(), to, force, as_json)


def _do_rollback(settings, to, force: bool, as_json: bool) -> None:
    from assistant.ingest.pipeline import rollback_to

    try:
        r = rollback_to(settings, to=to, force=force)
    except AssistantError as e:
        fail(str(e))
    if as_json:
        _print_json(r.to_dict())
        return
    f = r.files
    typer.echo(f"rolled back: index version {r.version} is active (was {r.from_version}); corpus folder: "
               f"{len(f['added'])} file(s) put back, {len(f['changed'])} restored, {len(f['removed'])} taken out")
    for verb, key in (("put back", "added"), ("restored", "changed"), ("taken out", "removed")):
        for rel in f[key][:10]:
            typer.echo(f"  {verb}: {rel}")
        if len(f[key]) > 10:
            typer.echo(f"  ... and {len(f[key]) - 10} more {verb} (--json lists them all)")
    if r.warning:
        typer.echo(f"warning: {r.warning}", err=True)


@app.command()
def history(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")):
    """The changes to the corpus and index, newest first: version, when, command and what changed. Kept
    versions (marked) are `rollback --to` targets; ASSISTANT_KEEP_VERSIONS says how many are kept."""
    from assistant.ingest.pipeline import history as get_history

    try:
        h = get_history(Settings.from_env())
    except AssistantError as e:
        fail(str(e))
    if as_json:
        _print_json(h)
        return
    typer.echo(f"active version: {h['active_version']}; kept for rollback: {', '.join(map(str, h['kept_versions'])) or 'none'}")
    for e in h["changes"]:
        mark = "*" if e["active"] else ("k" if e["kept"] else " ")
        typer.echo(f"{mark} v{e['version']:<4} {str(e.get('when') or '')[:19]:<19}  {e['command']:<8} {e['what']}")
    typer.echo("(* active, k kept: `pair-assistant rollback --to VERSION`)")


QUESTION_SETS = ("evals/questions.jsonl", "evals/questions_intents.jsonl")


@eval_app.command("answers")
def eval_answers(
    files: Optional[List[Path]] = typer.Argument(None, help=f"Questions in JSON Lines (see evals/README.md); default: {', '.join(QUESTION_SETS)}."),
    as_json: bool = typer.Option(False, "--json", help="Print {metrics, metrics_by_split, items} as JSON."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write report.md, report.html and results.json to this folder."),
    k: Optional[int] = typer.Option(None, "--k", min=1, max=20, help="Passages to cite per answer (default 5)."),
):
    """Fact recall (answer and citations), point recall (answer text alone), abstention, out-of-scope handling
    and latency of `ask` over question sets, for the whole set and its development and held-out halves."""
    from assistant.evaluation.datasets import load_question_files
    from assistant.evaluation.reports import format_answers, write_report
    from assistant.evaluation.runner import run_answers

    paths = list(files or [Path(f) for f in QUESTION_SETS])
    try:
        items = load_question_files(paths)
        results = run_answers(items, Settings.from_env(), k=k, file=paths[0] if len(paths) == 1 else None, quiet=as_json)
        results["run"]["files"] = [str(p) for p in paths]
        written = write_report(results, report) if report else None
    except AssistantError as e:
        fail(str(e))
    _emit(results, as_json, format_answers(results) + (f"\n\nreport: {written['html']}" if written else ""))


TAG_SETS = ("evals/comb_study_rows.jsonl", "evals/comb_passages.jsonl", "evals/comb_other_styles.jsonl",
            "evals/comb_statements.jsonl")


@eval_app.command("tags")
def eval_tags(
    files: Optional[List[Path]] = typer.Argument(None, help=f"Labelled sets in JSON Lines, each reported as its own slice (default: {', '.join(TAG_SETS)})."),
    as_json: bool = typer.Option(False, "--json", help="Print {slices, run} as JSON."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write report.md, report.html and results.json to this folder."),
):
    """COM-B tagging, slice by slice, beside baselines in the same run.

    Sets labelled with catalogue items (item, relation, level) get item, component, level and relation
    accuracy, the share tagged and how often "none" is right; each is split into its development and
    held-out halves where it has them. Component-only sets get component accuracy and macro-F1.
    """
    from assistant.evaluation.datasets import load_tag_items
    from assistant.evaluation.reports import format_tags, write_report
    from assistant.evaluation.runner import run_tags

    paths = list(files or [Path(f) for f in TAG_SETS])
    try:
        slices = {p.name: load_tag_items(p) for p in paths}
        results = run_tags(slices, files=paths, corpus=Settings.from_env().corpus)
        written = write_report(results, report) if report else None
    except AssistantError as e:
        fail(str(e))
    _emit(results, as_json, format_tags(results) + (f"\n\nreport: {written['html']}" if written else ""))


@app.command()
def show(passage_id: str = typer.Argument(..., help="A passage id, as cited (`doc_id:NNNN`)."),
         context: int = typer.Option(1, "--context", min=0, max=10, help="Neighbouring passages to show on each side."),
         span: Optional[List[str]] = typer.Option(None, "--span", help="START:END offsets in the passage to mark, as an answer's `spans` give them."),
         as_json: bool = typer.Option(False, "--json", help="Print the passage, its neighbours and its document as JSON.")):
    """Show a cited passage in its place: its document, the passages around it, and the text an answer used
    marked between » and «."""
    from assistant.api import EvidenceAssistant
    from assistant.comb.catalogue import describe
    from assistant.sources import marked

    spans = []
    for sp in span or []:
        start, _, end = sp.partition(":")
        if not (start.isdigit() and end.isdigit() and int(start) < int(end)):
            fail(f"--span must be START:END with START < END, got {sp!r}")
        spans.append((int(start), int(end)))
    try:
        assistant = EvidenceAssistant.open(quiet=True, build_if_missing=False)
        view = assistant.source(passage_id, spans, context)
    except AssistantError as e:
        fail(str(e))
    if as_json:
        _print_json(view.to_dict())
        return
    p = view.passage
    typer.echo(view.reference)
    words = describe(p.com_b)
    for x in view.context:
        marker = ">>" if x.cited else "  "
        typer.echo(f"\n{marker} [{x.passage_id}] {x.locator}\n{marked(x.text, x.spans)}")
        if x.cited and words:
            typer.echo(f"   {words[0]}")


@app.command()
def gaps(as_json: bool = typer.Option(False, "--json", help="Print the groups as JSON.")):
    """The evidence-gap register: questions the assistant refused or answered only in part (from the chat and
    `ask`), grouped by topic with counts, most asked first: what guidance to add next. ASSISTANT_GAPS=0 turns
    recording off."""
    from assistant.app.gaps import open_gaps

    settings = Settings.from_env()
    store = open_gaps(settings)
    if store is None:
        fail("the evidence-gap register is off (ASSISTANT_GAPS=0)")
    groups = store.grouped()
    if as_json:
        _print_json({"gaps": groups})
        return
    if not groups:
        typer.echo("no gaps recorded yet: every question asked so far was answered in full")
        return
    for g in groups:
        typer.echo(f"{g['count']:>4}  {g['topic']}  ({', '.join(g['kinds'])}; last {g['last_asked'][:16]})")
        typer.echo(f"      e.g. {g['example'][:120]}")


@eval_app.command("compare")
def eval_compare(a: Path = typer.Argument(..., help="Earlier results.json."), b: Path = typer.Argument(..., help="Later results.json."),
                 as_json: bool = typer.Option(False, "--json", help="Print as JSON.")):
    """What changed between two runs: metrics, and the questions that flipped."""
    from assistant.evaluation.reports import (
        compare_results,
        format_comparison,
        load_results,
    )

    try:
        comp = compare_results(load_results(a), load_results(b))
    except AssistantError as e:
        fail(str(e))
    _emit(comp, as_json, f"A: {a}\nB: {b}\n\n" + format_comparison(comp))


@app.command()
def bench(as_json: bool = typer.Option(False, "--json", help="Print figures as JSON."),
          baseline: bool = typer.Option(False, "--baseline", help="Also measure a plain llama-index pipeline on the same questions."),
          load: int = typer.Option(0, "--load", help="Instead, drive a running app (`serve`) with N concurrent clients for --seconds and report throughput, latency percentiles and errors."),
          url: str = typer.Option("http://127.0.0.1:7860", "--url", help="The running app for --load."),
          seconds: float = typer.Option(120.0, "--seconds", help="How long the --load run lasts."),
          via: str = typer.Option("json", "--via", help="For --load: 'json' (POST /api/ask) or 'gradio' (the Gradio API with its queue)."),
          synthetic: int = typer.Option(0, "--synthetic", help="Instead, index the shipped corpus with N synthetic passages beside it (under a temporary home) and report indexing against raw model throughput, warm ask p50/p95, serving memory and the fall in fact recall.")):
    """Measure speed and memory on this machine (and, with --baseline, quality beside a plain pipeline)."""
    from assistant.bench.load import format_load, run_load
    from assistant.bench.speed import _log, bench_questions, format_bench, run_bench

    settings = Settings.from_env()
    try:
        if synthetic:
            from assistant.bench.synthetic import format_synthetic, run_synthetic

            result = run_synthetic(settings, synthetic, log=_log)
            text = format_synthetic(result)
        elif load:
            questions, _ = bench_questions(settings)
            result = run_load(url, load, seconds, [q["question"] for q in questions], log=_log, via=via)
            text = format_load(result)
        else:
            result = run_bench(settings, baseline=baseline)
            text = format_bench(result)
    except AssistantError as e:
        fail(str(e))
    _emit(result, as_json, text)


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="Address to bind. Non-loopback needs ASSISTANT_AUTH=user:password."),
          port: int = typer.Option(7860, help="Port."),
          open_browser: bool = typer.Option(False, "--open", help="Open the chat in a browser.")):
    """Start the chat (Gradio) on http://127.0.0.1:7860."""
    from assistant.app.web.server import serve as do_serve

    try:
        do_serve(Settings.from_env(), host=host, port=port, open_browser=open_browser)
    except AssistantError as e:
        fail(str(e))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
