"""Command line entry point: ``perspectives <command> ...``.

Purpose
    ``perspectives build`` runs the section notebooks and assembles the reports
    (``perspectives.build.build``); ``perspectives server stop|status`` stops or describes the
    run server a build keeps for the next one (``perspectives.build.resident``). ``check``, ``instrument``, ``fidelity``, ``diff``, ``preview``,
    ``check-report`` and ``codebook`` are delegated to ``perspectives.check``, ``perspectives.instrument``,
    ``perspectives.fidelity``, ``perspectives.diff``, ``perspectives.preview``,
    ``perspectives.reportcheck`` and ``perspectives.codebook``: each of
    those modules provides ``main(argv: list[str]) -> int`` and receives the arguments after
    the command name; until it exists the command says it is not available yet.

Inputs
    Command line arguments (``argv``); the study folder (``--project DIR``, before or after
    the command; default: the one around the working directory, the first folder going up
    that holds ``params/study.yml``), made once here into a
    :class:`perspectives.project.Project` and passed to the command.

Outputs
    Files under ``--out`` (default ``outputs/``); progress and a summary on stderr. Whatever
    a command prints passes :func:`perspectives.escape.terminal_text`: a file name, a column,
    an answer or a label quoted in a message shows its control characters as their codes,
    and never retitles, clears or recolours the terminal.
    Exit codes: 0 success, 1 failed runs or reports or a file that could not be written (a
    full disk, a read-only folder: one sentence names the cause), 2 usage or parameter
    errors, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from perspectives.files import file_error

__all__ = ["file_error", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shells' convention for a process stopped by Ctrl-C

# command -> (module providing main(argv), one-line help)
DELEGATED: dict[str, tuple[str, str]] = {
    "check": ("perspectives.check", "read and validate a survey export without building or writing anything"),
    "instrument": ("perspectives.instrument", "work with the survey instrument"),
    "fidelity": ("perspectives.fidelity", "check built values against the published claims"),
    "diff": ("perspectives.diff", "compare two builds"),
    "preview": ("perspectives.preview", "serve the reports and rebuild them on every edit"),
    "check-report": ("perspectives.reportcheck", "check that a built report is accessible (HTML, PDF, Word)"),
    "i18n": ("perspectives.untranslated", "what a reader of each translated report meets in English; "
             "`i18n init LANG` starts a new language's catalogue"),
    "app": ("perspectives.app", "the partners' report page on this computer: drop an export, check, build, download"),
    "audit": ("perspectives.audit", "audit published outputs for small groups: `audit OUT [OUT ...]`, "
              "one build or several side by side (a partner's next to the study's)"),
    "codebook": ("perspectives.codebook", "the theme codebook as a REFI-QDA .qdc: `codebook export FILE.qdc`, "
                 "`codebook check FILE` (a partner's .qdc or a project's .qdpx)"),
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="perspectives", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    b = sub.add_parser("build", help="run the section notebooks and assemble the reports")
    b.add_argument("--country", action="extend", nargs="+", metavar="ISO3",
                   help="report code(s): ISO3 or ALL for the synthesis (default: all)")
    b.add_argument("--section", action="extend", nargs="+", metavar="ID",
                   help="section id(s) from params/grid.yml (default: all)")
    b.add_argument("--data", type=Path, metavar="PATH", help="survey export to use")
    b.add_argument("--id-column", metavar="NAME",
                   help="column identifying each response in --data (default: the study's id column, else "
                        "_uuid, _id, KEY, meta-instanceID, instanceID)")
    b.add_argument("--conversations", type=Path, metavar="PATH",
                   help="conversations file to use")
    b.add_argument("--lang", default="en", help="report language code (default: en)")
    b.add_argument("--jobs", type=int, metavar="N", help="parallel runs (default: CPU count)")
    b.add_argument("--force", action="store_true", help="re-run even if nothing changed")
    b.add_argument("--out", type=Path, metavar="DIR",
                   help="output folder (default: outputs)")
    b.add_argument("--timeout", type=int, metavar="S", help="per-cell timeout in seconds")
    b.add_argument("--engine", choices=("fork", "kernel"),
                   help="fork: one pre-warmed process forked per run (default); kernel: a Jupyter kernel per run")
    b.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local: runs on this machine (default); dask: each run a task of a Dask cluster")
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --executor dask: a running Dask scheduler (tcp://host:8786); "
                        "default: a LocalCluster of --jobs workers")
    b.add_argument("--dry-run", action="store_true",
                   help="list the runs that would execute and why, execute nothing")
    b.add_argument("--strict", action="store_true",
                   help="fail when a report built in another language than English would show English text, "
                        "naming each string and where it appears")
    b.add_argument("--keep-server", type=float, metavar="MINUTES",
                   help="keep the run server (libraries imported, data loaded) this many idle minutes for the "
                        "next build into the same --out, which reuses it when nothing it loaded changed; "
                        "0: stop it with the build (default: $PERSPECTIVES_KEEP_SERVER, else 10). "
                        "`perspectives server stop` stops it")
    b.add_argument(PROJECT_OPTION, type=Path, metavar="DIR",
                   help="the study folder to build (default: the one around the working directory)")
    s_ = sub.add_parser("server", help="the run server a build keeps for the next one: `server stop` stops it, "
                                       "`server status` describes it")
    s_.add_argument("action", choices=("stop", "status"),
                    help="stop: stop it (its runs with it); status: its process, age, builds served and idle time")
    s_.add_argument("--out", type=Path, metavar="DIR", default=Path("outputs"),
                    help="the output folder whose builds it serves (default: outputs)")
    s_.add_argument("--all", action="store_true", help="with stop: every run server of this user")
    s_.add_argument(PROJECT_OPTION, type=Path, metavar="DIR", help=argparse.SUPPRESS)
    for name, (_, help_text) in DELEGATED.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return p


# Delegated commands that read the project's configuration: every file is checked first.
CONFIGURED = ("check", "instrument", "fidelity", "preview", "i18n", "codebook", "audit")
# The option naming the study folder, taken by every command.
PROJECT_OPTION = "--project"


def _take_project(args: list[str]) -> tuple[Path | None, list[str]]:
    """``--project DIR`` (or ``--project=DIR``) taken out of ``args``: the folder, and the other arguments.

    Raises:
        ValueError: ``--project`` without a folder.
    """
    for i, arg in enumerate(args):
        if arg == PROJECT_OPTION:
            if i + 1 >= len(args):
                raise ValueError(f"{PROJECT_OPTION} needs a folder: {PROJECT_OPTION} DIR")
            return Path(args[i + 1]), [*args[:i], *args[i + 2:]]
        if arg.startswith(PROJECT_OPTION + "="):
            return Path(arg.split("=", 1)[1]), [*args[:i], *args[i + 1:]]
    return None, args


def _project(folder: Path | None):
    """The command's study folder: ``folder``, else the one around the working directory (made once, here)."""
    from perspectives.project import Project

    return Project.at(folder) if folder is not None else Project.here()


def _delegate(command: str, args: list[str], folder: Path | None) -> int:
    from perspectives.config import ConfigError, check_all

    try:
        project = _project(folder) if command in CONFIGURED or folder is not None else None
        if command in CONFIGURED:
            check_all(project.root)  # before the command runs: one message, file, line and fix
        return _run_delegated(command, args, project)
    except (ConfigError, ValueError) as exc:  # a mistake in a file, or no study folder (NoProjectError)
        print(f"perspectives {command}: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _run_delegated(command: str, args: list[str], project: object = None) -> int:
    module_name = DELEGATED[command][0]
    try:
        module = importlib.import_module(module_name)
        entry = module.main
    except (ImportError, AttributeError) as exc:
        print(f"perspectives {command}: not available yet ({module_name}.main could not be "
              f"imported: {type(exc).__name__})", file=sys.stderr)
        return EXIT_USAGE
    # A command that reads a study takes it (``main(argv, project=...)``); the others read none.
    if project is not None and "project" in inspect.signature(entry).parameters:
        return int(entry(args, project=project) or 0)
    return int(entry(args) or 0)


class _Shown:
    """A text stream that writes through :func:`perspectives.escape.terminal_text`."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` with its control characters shown as their codes."""
        from perspectives.escape import terminal_text

        self._stream.write(terminal_text(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def _terminal_safe() -> Iterator[None]:
    """While a command runs, ``sys.stdout`` and ``sys.stderr`` show control characters as codes.

    One place for every message: a refusal quotes a partner's values, a column, a file name
    or a label, any of which may hold an escape sequence.
    """
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Shown(sys.stdout), _Shown(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code."""
    with _terminal_safe():
        return _main(argv)


def _main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # ``perspectives --project DIR COMMAND ...`` as well as ``perspectives COMMAND --project DIR ...``.
    folder = None
    if argv and (argv[0] == PROJECT_OPTION or argv[0].startswith(PROJECT_OPTION + "=")):
        try:
            folder, argv = _take_project(argv)
        except ValueError as exc:
            print(f"perspectives: {exc}", file=sys.stderr)
            return EXIT_USAGE
    # Delegated commands get their arguments untouched (argparse would reject their options).
    if argv and argv[0] in DELEGATED:
        try:
            given, rest = _take_project(argv[1:])
        except ValueError as exc:
            print(f"perspectives {argv[0]}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return _delegate(argv[0], rest, given or folder)
    args = _parser().parse_args(argv)
    if args.command == "server":
        return _server(args)
    if args.jobs is not None and args.jobs < 1:
        print("perspectives build: --jobs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    from perspectives.build import build

    try:
        project = _project(args.project or folder)
        result = build(
            countries=args.country, sections=args.section, data_path=args.data,
            conversations_path=args.conversations, lang=args.lang, jobs=args.jobs,
            out=args.out, force=args.force, timeout=args.timeout, dry_run=args.dry_run, engine=args.engine,
            id_column=args.id_column, strict=args.strict, project=project,
            executor=args.executor, scheduler=args.scheduler, keep_server=args.keep_server,
        )
    except (ValueError, RuntimeError) as exc:
        print(f"perspectives build: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a full disk, a read-only or forbidden folder: said in one sentence
        print(f"perspectives build: {file_error(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("perspectives build: interrupted; reports already written are kept, the others keep their "
              "previous version", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK if result.ok else EXIT_FAILED


def _server(args: argparse.Namespace) -> int:
    """``perspectives server stop|status``: the run server kept for the builds into ``--out``."""
    from perspectives.build import resident

    if args.action == "status":
        state = resident.status(args.out)
        if state is None:
            print(f"no run server kept for {args.out}", file=sys.stderr)
            return EXIT_FAILED
        browser = (f"; its browser printed {state['reports_printed']} reports"
                   if state.get("browser_running") else "; no browser running")
        print(f"run server {state['pid']} for {args.out}: started {time.time() - state['started']:.0f} s ago, "
              f"{state['builds']} builds served, leaves after {state['idle'] / 60:g} idle minutes{browser}")
        return EXIT_OK
    stopped = resident.stop_all() if args.all else [pid for pid in [resident.stop(args.out)] if pid]
    where = "of this user" if args.all else f"for {args.out}"
    print(f"stopped run server {', '.join(map(str, stopped))} {where}" if stopped else f"no run server {where}",
          file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
