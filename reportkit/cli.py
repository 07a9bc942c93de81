"""``reportkit run PARAMS.yaml`` and ``reportkit demo``: one line on failure, no traceback."""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

from . import __version__
from .errors import ContractError, ParamsError, ReportkitError, SourceError

EXIT_CODES = {ParamsError: 2, ContractError: 4, SourceError: 3}


def _exit_code(exc: ReportkitError) -> int:
    for cls, code in EXIT_CODES.items():
        if isinstance(exc, cls):
            return code
    return 1


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    from .runner import run

    start = time.perf_counter()
    _say(f"reportkit: running {args.params}")
    result = run(
        args.params,
        progress=_say,
        cell_timeout=args.cell_timeout,
        progress_bar=not args.no_progress and sys.stderr.isatty(),
        notebook_dir=args.notebooks,
        parallel=not args.sequential,
    )
    _say(f"reportkit: done in {time.perf_counter() - start:.1f} s; outputs in {result.output_dir}:")
    for path in result.outputs:
        print(path)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .jobs import prepare
    from .params import load_params

    params = load_params(args.params)
    job = prepare(**params.model_dump(mode="python"))
    _say(
        f"reportkit: {args.params} is valid; run {job.run.run_id} ({job.run.kind}), "
        f"period {job.period}, outputs to {job.output_dir}"
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import build_demo

    last = [0.0]

    def progress(step: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 2 or done == total:
            last[0] = now
            _say(f"  {step}: {done:,}/{total:,}")

    start = time.perf_counter()
    _say(f"reportkit: building the {args.scale} demo database at {args.path}")
    info = build_demo(args.path, scale=args.scale, seed=args.seed, progress=progress)
    _say(
        f"reportkit: {info.dossiers:,} dossiers, {info.services:,} services, {info.calls:,} calls "
        f"in {time.perf_counter() - start:.1f} s"
    )
    print(info.path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportkit",
        description="Monthly billing-control and profitability reports for telephony resellers: "
        "the dossier export of a billing run, the recurring export of a month, and their HTML "
        "reports.",
    )
    parser.add_argument("--version", action="version", version=f"reportkit {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show the Python traceback of an error"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # -v also after the command ("reportkit run p.yaml -v"); SUPPRESS keeps a -v given before it.
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the Python traceback of an error",
    )

    p_run = sub.add_parser(
        "run",
        parents=[verbose],
        help="run both notebooks for a params file and publish the outputs",
        description="Check the params and the source, execute notebooks/dossiers.ipynb and "
        "notebooks/recurrent.ipynb with papermill, convert them to HTML (no code), and write "
        "dossiers_{run_id}.xlsx, recurrent_{period}.xlsx, dossiers_{run_id}.html, "
        "deficits_{period}.html and the executed notebooks under output_dir. Outputs are "
        "published only when everything succeeded. Exit codes: 0 success, 2 bad params, "
        "3 source unreadable, 4 data breaking the contract, 1 any other failure.",
    )
    p_run.add_argument("params", type=Path, help="params YAML file (see params/demo.yaml)")
    p_run.add_argument(
        "--cell-timeout",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="give up on a notebook cell after this long (default 3600)",
    )
    p_run.add_argument("--no-progress", action="store_true", help="no progress bars")
    p_run.add_argument(
        "--sequential",
        action="store_true",
        help="run the two notebooks one after the other (slower, with a progress bar of cells) "
        "instead of side by side",
    )
    p_run.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        metavar="DIR",
        help="run your own copies of dossiers.ipynb and recurrent.ipynb from DIR",
    )
    p_run.set_defaults(func=cmd_run)

    p_check = sub.add_parser(
        "check",
        parents=[verbose],
        help="check a params file and its source against the contract, write nothing",
        description="Validate the params file, open the source, check every table against the "
        "contract and resolve the billing run. Writes nothing.",
    )
    p_check.add_argument("params", type=Path, help="params YAML file")
    p_check.set_defaults(func=cmd_check)

    p_demo = sub.add_parser(
        "demo",
        help="build the demo billing database (SQLite)",
        description="Build a deterministic French demo billing database in the contract's "
        "SQLite form: final runs 2026-05 to 2026-10 and the preprod run R-2026-11-PREPROD.",
    )
    p_demo.add_argument(
        "--path",
        type=Path,
        default=Path("data/demo.sqlite"),
        help="where to write the database (default data/demo.sqlite)",
    )
    p_demo.add_argument(
        "--scale",
        choices=["demo", "medium", "large"],
        default="demo",
        help="demo: 300 dossiers/100k calls; medium: 20k/4M; large: 50k/10M",
    )
    p_demo.add_argument("--seed", type=int, default=20261101, help="random seed")
    p_demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ReportkitError as exc:
        if getattr(args, "verbose", False):
            traceback.print_exc()
        _say(f"reportkit: error: {exc}")
        return _exit_code(exc)
    except KeyboardInterrupt:
        _say("reportkit: interrupted; published outputs are unchanged")
        return 130
    except Exception as exc:
        if getattr(args, "verbose", False):
            traceback.print_exc()
        detail = " ".join(str(exc).split())[:300]
        _say(
            f"reportkit: unexpected error: {type(exc).__name__}: {detail} (run with --verbose "
            "for the traceback)"
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
