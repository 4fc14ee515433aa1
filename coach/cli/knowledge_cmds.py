"""``coach search`` and ``coach ingest``: query and (re)build the practices index.

Heavy imports (numpy, chromadb, bm25s) happen inside the commands so other commands start fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from coach.cli.common import print_json, user_errors

if TYPE_CHECKING:
    from coach.knowledge.search import KnowledgeBase

SNIPPET_CHARS = 320


@contextmanager
def _progress_bar(label: str, always: bool) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr, shown when there is something to embed (or ``always``).

    rich is imported only when the bar is shown: a ``coach search`` on an up-to-date index never
    pays for it.
    """
    bar: list[Any] = []  # [Progress, task id] once started

    def update(done: int, total: int) -> None:
        if not bar:
            if total == 0 and not always:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=Console(stderr=True), transient=not always)
            progress.start()
            bar.extend([progress, progress.add_task(label, total=max(total, 1))])
        bar[0].update(bar[1], completed=done if total else 1, total=max(total, 1))

    try:
        yield update
    finally:
        if bar:
            bar[0].stop()


def _open(rebuild: bool, corpus: Path | None, always_show: bool) -> KnowledgeBase:
    from coach.knowledge.search import KnowledgeBase
    from coach.settings import get_settings

    with _progress_bar("Embedding knowledge chunks", always_show) as update:
        return KnowledgeBase.open(get_settings(), progress=update, corpus_dir=corpus, rebuild=rebuild,
                                  refresh=always_show)


def search(
    query: Annotated[str, typer.Argument(help="A plain-language question, e.g. \"they say the price is final\".")],
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=50, help="How many passages to show.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print [{id, title, kind, score, text}] as JSON.")] = False,
) -> None:
    """Search the practices library (hybrid: local embeddings + BM25), best first."""
    with user_errors():
        from coach.knowledge.search import MAX_QUERY_CHARS, clean_query

        text, truncated = clean_query(query)
        if truncated:
            typer.echo(f"warning: query cut to its first {MAX_QUERY_CHARS} characters", err=True)
        kb = _open(rebuild=False, corpus=None, always_show=False)
        skipped = [p for p in kb.problems if p.severity == "error"]
        if skipped:
            typer.echo(f"warning: {len(skipped)} knowledge file(s) skipped; run `coach ingest` for details",
                       err=True)
        passages = kb.search(text, k=k)
        if as_json:
            print_json([{"id": p.id, "title": p.title, "kind": p.kind, "score": p.score, "text": p.text}
                        for p in passages])
            return
        _print_passages(passages)


def _print_passages(passages: list[Any]) -> None:
    if not passages:
        typer.echo("No matching passages.")
        return
    for rank, p in enumerate(passages, 1):
        snippet = " ".join(p.text.split())
        if len(snippet) > SNIPPET_CHARS:
            snippet = snippet[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"
        typer.echo(f"{rank}. [{p.id}] {p.title} ({p.kind}, {p.section}) score {p.score:.4f}")
        typer.echo(f"   {snippet}\n")


def ingest(
    changed_only: Annotated[bool, typer.Option(
        "--changed-only", help="Re-embed only new or edited chunks instead of rebuilding.")] = False,
    corpus: Annotated[Path | None, typer.Option(
        "--corpus", help="Knowledge folder (default: knowledge/).")] = None,
) -> None:
    """Rebuild the knowledge index from knowledge/*.md, listing any file problems."""
    with user_errors():
        kb = _open(rebuild=not changed_only, corpus=corpus, always_show=True)
        for problem in kb.problems:
            typer.echo(str(problem), err=True)
        missing = kb.corpus.missing_required()
        if missing:
            typer.echo(f"warning: required knowledge ids missing: {', '.join(missing)}", err=True)
        r = kb.sync_report
        typer.echo(f"Indexed {len(kb.doc_ids())} documents, {len(kb.chunks)} chunks "
                   f"(embedded {r.embedded}, unchanged {r.unchanged}, removed {r.removed}).")


def register(app: typer.Typer) -> None:
    """Add ``search`` and ``ingest`` to the ``coach`` app."""
    app.command("search")(search)
    app.command("ingest")(ingest)
