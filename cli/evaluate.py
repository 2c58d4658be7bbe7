"""`casebook eval`: run evaluation suites and mine new cases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from casebook.errors import CasebookError
from casebook.settings import Settings
from cli.common import JsonOpt, TenantOpt, fail, open_or_fail

# What `pip install 'casebook[eval]'` adds; a server install leaves them out.
EVAL_FRAMEWORKS = ("ragas", "langchain_community", "langchain_core", "rouge_score")
MISSING_EXTRA = (
    "casebook eval needs the evaluation frameworks ({}), which are not installed: "
    "pip install 'casebook[eval]'"
)

eval_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Evaluation suites: score retrieval, answers and summaries; gate on thresholds.",
    no_args_is_help=True,
)


@eval_app.command("run")
def eval_run(
    suite: Annotated[str, typer.Argument(help="A shipped suite (smoke, full) or a suite file.")],
    as_json: JsonOpt = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", help="Write results.json, report.md, report.html and plots/ here."
        ),
    ] = None,
    against: Annotated[
        str | None, typer.Option("--against", help="URL of a running service to ask instead.")
    ] = None,
    key: Annotated[
        str | None, typer.Option("--key", envvar="CASEBOOK_API_KEY", help="API key for --against.")
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", exists=True, dir_okay=False, help="A stored results.json."),
    ] = None,
    tolerance: Annotated[
        float, typer.Option("--tolerance", help="Largest drop below the baseline allowed.")
    ] = 0.02,
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="KEY=VALUE: a setting (answer_min_confidence=0.9) or a set's option "
            "(clapnq.top_k=10; sets.mode=dense for every set); repeatable; wins over the suite.",
        ),
    ] = None,
) -> None:
    """Run a suite and gate on it.

    Exit status: 0 every gate and baseline comparison passed; 1 a gate or a baseline
    comparison failed (or the baseline shares no metric); 2 the suite, --set or the baseline
    file is invalid (the message names the key and line), or the eval extra is not installed;
    3 the --against service refused the key (401/403), could not be reached, or answered with
    an error.
    """
    try:
        from eval.command import EXIT_TARGET, EXIT_USAGE, emit, evaluate
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in EVAL_FRAMEWORKS:
            raise
        raise fail(MISSING_EXTRA.format(exc.name), 2) from exc
    from eval.suite import SuiteError
    from eval.targets import TargetError

    try:
        result = evaluate(
            suite, against=against, key=key, baseline=baseline, tolerance=tolerance,
            overrides=overrides or [],
        )  # fmt: skip
    except (SuiteError, CasebookError) as exc:
        raise fail(str(exc), EXIT_USAGE) from exc
    except TargetError as exc:
        raise fail(str(exc), EXIT_TARGET) from exc
    raise typer.Exit(emit(result, as_json, report, typer.echo))


@eval_app.command("report")
def eval_report(
    results: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A results.json of `eval run`.")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for report.html, report.md and plots/.")
    ] = Path("report"),
) -> None:
    """Write the HTML and Markdown reports (settings, metrics, plots, worst answers) of a run."""
    import json

    from eval.report import write_report

    try:
        result = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise fail(f"cannot read {results}: {exc}", 2) from exc
    written = write_report(result, out)
    typer.echo(f"wrote {', '.join(str(p) for p in written)}")


@eval_app.command("mine")
def eval_mine(
    tenant: TenantOpt = "default",
    out: Annotated[
        Path, typer.Option("--out", help="Suite file to write; its cases go beside it.")
    ] = Path("mined.toml"),
    limit: Annotated[int, typer.Option("--limit", min=0, help="At most N cases (0: all).")] = 0,
    against: Annotated[
        str | None,
        typer.Option("--against", help="URL of a running service (POST /v1/eval/mine)."),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option("--key", envvar="CASEBOOK_API_KEY", help="Admin key for --against."),
    ] = None,
) -> None:
    """Write a suite of cases for review from resolved interactions and negative feedback."""
    from casebook.feedback import FeedbackStore
    from mining.cases import mine, write_mined

    if against:
        from eval.targets import HttpTarget, TargetError

        http = HttpTarget(against, key)
        try:
            data = http._post("/v1/eval/mine", {"limit": limit})
        except TargetError as exc:
            raise fail(str(exc), 3) from exc
        finally:
            http.close()
        cases, tenant = data["cases"], data["tenant"]
    else:
        settings = Settings()
        index = open_or_fail(settings)
        try:
            cases = mine(index, FeedbackStore(settings.data_dir), tenant, limit)
        finally:
            index.close()
    folder = write_mined(cases, out, tenant)
    typer.echo(f"wrote {len(cases)} cases to {folder / 'queries.jsonl'} and the suite {out}")
