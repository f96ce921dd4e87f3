"""Build the reports: run every section notebook of the grid for every report, then assemble.

Purpose
    Execute the run grid (the sections of ``params/grid.yml`` for each report: the study's
    countries and the synthesis, from ``params/study.yml``) with papermill, in parallel,
    re-running only what changed, keeping every run atomic, and assembling each report
    (HTML, Word, PDF) plus ``outputs/index.html``. :func:`build` reads as the four steps,
    each a module of this package:

    * select: the reports and sections asked for, validated once, here, where they enter;
    * :mod:`~perspectives.build.plan`: every run's stamp, and which runs are due and why;
    * :mod:`~perspectives.build.schedule`: the due runs in parallel (workers from
      :mod:`~perspectives.build.forkserver` or a process pool, each run through
      :mod:`~perspectives.build.run`), folders swapped in atomically;
    * :mod:`~perspectives.build.publish`: each report assembled and printed as soon as its
      runs are done.

Inputs
    ``params/study.yml`` and ``params/grid.yml`` (via ``perspectives.study``), the section
    notebooks, the data files (``--data``/``--conversations`` or the synthetic defaults), the
    ``perspectives`` library sources and ``requirements.lock`` (these four are hashed to decide
    what to re-run).

Outputs (under ``out``, default ``outputs/``)
    ``<REPORT>/sections/<section_id>/``  one folder per successful run: ``executed.ipynb``,
        ``stamp.json`` and whatever the notebook wrote (``values.json``, ``figures/``,
        ``tables/``); ``<REPORT>`` is the ISO3 code or ``synthesis``.
    ``<REPORT>/failed/<section_id>.ipynb``  the partial executed notebook of a failed run
        (and ``<section_id>.log``, the kernel's stderr). A run executes in a hidden folder
        ``<REPORT>/sections/.<section_id>.tmp-*`` and replaces its run folder only on success.
    ``<REPORT>/report.html`` and ``index.html``  (see ``perspectives.assemble``).

The contract a section notebook follows
    1. Exactly one cell tagged ``parameters`` defining ``country``, ``lang``, ``data_path``,
       ``conversations_path`` and ``output_dir`` (the schema in ``params/grid.yml``; no other
       names). ``country`` is an ISO3 code or ``ALL`` (the synthesis). ``data_path`` and
       ``conversations_path`` are absolute paths or ``None`` (``None``: read the defaults named
       in ``study.yml``). The build always passes ``output_dir``, an absolute path to the run's
       own (temporary) folder; a notebook opened in JupyterLab gets ``None`` and should then
       write nowhere or to a scratch folder of its choice.
    2. Everything the run produces goes under ``output_dir``: ``values.json`` (a JSON list of
       objects with at least ``name`` and ``value``, plus ``n``, ``country``, ``section``...;
       a ``country`` given must be the run's country), ``figures/*.png|svg``,
       ``tables/*.csv``. Nothing is written elsewhere (outputs are pure functions of inputs).
    3. A section listed with ``after:`` in the grid reads the other sections' values from
       ``Path(output_dir).parent / <section_id> / "values.json"`` (the sibling run folders
       of the same report); the build runs it only once those runs have succeeded.
    4. Paths must never be shown: no printing of ``data_path``/``output_dir`` or of any file
       path in an output; the report shows outputs only (no code) and drops the
       ``parameters``/``injected-parameters`` cells and cells tagged ``remove`` (or
       ``remove-cell``); outputs of cells tagged ``remove-output`` are dropped. The assembler
       refuses to write a report containing the repository, output or home folder path.
    5. The working directory is the notebook's folder (as in JupyterLab); do not rely on it,
       locate repository files with ``perspectives.study.repo_root()``.
    6. Import library code as ``import perspectives.x`` / ``from perspectives import x`` /
       ``from perspectives.x import y``: these are read (with ``ast``) to know which library
       modules a notebook depends on. Dynamic imports make every module a dependency.
    7. Start with a markdown heading (``#``/``##``); they make the table of contents. A
       section without an h1 gets the grid title as its heading.
    8. No ``try/except: pass``: an error fails the run loudly, which is what we want.

Engines (how a run executes; ``build(engine=...)`` or ``$PERSPECTIVES_ENGINE``)
    ``fork`` (default): papermill with the in-process engine of
        :mod:`perspectives.build.engine`, in forks of one server process that imported
        pandas, matplotlib, the library modules the notebooks import and papermill once; one
        fresh fork per run, so runs share no state. Same executed notebooks as the kernel path (outputs equal
        modulo execution metadata); a failing cell still raises PapermillExecutionError.
    ``kernel``: papermill's standard engine, one Jupyter kernel per run, in a process pool
        (also used where ``os.fork`` does not exist).
    Both run at most ``jobs`` runs at a time (default: the CPU count) with numerical
    threads capped at one per run.

Rebuild rules
    A run is skipped only if its ``stamp.json`` matches the hashes of: the notebook (cells'
    type, source and tags only, so saving in Lab without edits does not count), the validated
    parameters without ``output_dir``, the data files, the library modules the notebook imports
    (transitively), ``requirements.lock``, and for ``after:`` sections the stamps of their
    upstream runs (:mod:`perspectives.build.plan`). A run whose previous attempt failed is
    always redone.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from perspectives.build.outcome import BuildResult, RunError, RunResult
from perspectives.build.plan import (
    FileHasher,
    LibraryIndex,
    PlannedRun,
    data_files,
    library_dependencies,
    plan_runs,
    read_json,
)
from perspectives.build.publish import Publisher
from perspectives.build.schedule import KERNEL_NAME, build_lock, choose_engine, clear_stale, execute_all, progress
from perspectives.files import write_atomic
from perspectives.hashing import sha256_json
from perspectives.study import Grid, Study, load_grid, load_study, repo_root, report_folder, validate_parameters

if TYPE_CHECKING:  # only named in annotations: the build imports them when it uses them
    from perspectives.build.forkserver import ForkServer
    from perspectives.pdf import Printer

__all__ = ["BuildResult", "RunError", "RunResult", "Warm", "build", "library_dependencies"]


def build(
    countries: Iterable[str] | None = None,
    sections: Iterable[str] | None = None,
    data_path: str | Path | None = None,
    conversations_path: str | Path | None = None,
    lang: str = "en",
    jobs: int | None = None,
    out: Path | str = Path("outputs"),
    force: bool = False,
    *,
    root: Path | None = None,
    grid: Grid | None = None,
    study: Study | None = None,
    package: str = "perspectives",
    timeout: int | None = None,
    dry_run: bool = False,
    kernel_name: str = KERNEL_NAME,
    engine: str | None = None,
    warm: Warm | None = None,
    id_column: str | None = None,
) -> BuildResult:
    """Run the grid for the selected reports and sections, then assemble their reports.

    Args:
        countries: report codes (ISO3, or the synthesis code); None selects every report.
        sections: section ids of the grid; None selects every section.
        data_path: a survey export to use instead of the embedded one.
        conversations_path: a conversations file to use instead of the embedded one.
        lang: the reports' language.
        jobs: runs at a time (default: the CPU count).
        out: the output folder.
        force: redo every selected run.
        root: repository root (tests use a stand-in project).
        grid: the run grid (default: ``params/grid.yml`` of ``root``).
        study: the study (default: ``params/study.yml`` of ``root``).
        package: the library package whose modules are followed for stamps.
        timeout: per-cell timeout in seconds.
        dry_run: list the due runs and why, execute nothing.
        kernel_name: the Jupyter kernel of the kernel engine.
        engine: ``"fork"`` or ``"kernel"`` (default: ``$PERSPECTIVES_ENGINE``, else fork;
            kernel where ``os.fork`` is missing).
        warm: processes a long-lived caller keeps between builds (the preview's run server
            and browser) and what it wants to hear; None for a build of its own.
        id_column: the column identifying each response of ``data_path`` (None: the reader's
            rule: the study's id column, else the tools' own ids).

    Returns:
        What happened to every run and report.

    Raises:
        ValueError: an unknown report code, section, engine, language or parameter, or a
            missing data file, before anything runs; or a partner export that cannot be read
            exactly (``readers.DataError``), before anything is written.
        RuntimeError: another build holds the output folder.
    """
    t_start = time.perf_counter()
    engine = choose_engine(engine)
    root = (root or repo_root()).resolve()
    st = study or load_study(root / "params" / "study.yml")
    gr = grid or load_grid(root / "params" / "grid.yml")
    out = Path(out)
    out = (out if out.is_absolute() else Path.cwd() / out).resolve()

    # select: what was asked for is validated once, here, where it enters
    reports, section_ids, params = _select(st, gr, countries, sections, data_path, conversations_path, lang,
                                           id_column)
    result = BuildResult()
    library = LibraryIndex(root / "lib", package, FileHasher(), remembered=out / IMPORTS_FILE)
    lock = root / "requirements.lock"
    validated: ValidatedExport | None = None
    if not dry_run:
        # A partner's export is read and validated before anything is written, the lock file
        # and the output folder included: a refused file leaves no trace.
        validated = _preflight(data_path, conversations_path, id_column, out=out, root=root, library=library,
                               lock=lock)
    with contextlib.ExitStack() as held:
        if not dry_run:
            # One build at a time per output folder, taken before anything is said or read.
            held.enter_context(build_lock(out))
            clear_stale([out / report_folder(code, st) / "sections" for code in reports])
            if validated is not None:
                validated.remember()
        # plan
        runs = plan_runs(root=root, study=st, sections=gr.sections, selected=section_ids, reports=reports,
                         params=params, out=out, library=library,
                         environment=library.hasher(lock) if lock.is_file() else "none", force=force)
        if not dry_run:
            library.remember()
        todo = [r for r in runs.values() if r.reason is not None]
        progress(f"perspectives build: {len(runs)} runs, {len(todo)} to execute, {len(runs) - len(todo)} up to date")
        results = {r.key: RunResult(r.report, r.section.id, r.section.notebook, "skipped")
                   for r in runs.values() if r.reason is None}
        if dry_run:
            for r in todo:
                progress(f"would run {r.report} {r.section.id} (reason: {r.reason})")
            result.runs = [results.get(k) or RunResult(r.report, r.section.id, r.section.notebook, "skipped", r.reason)
                           for k, r in runs.items()]
            return result
        warm = warm or Warm()
        publisher = Publisher(result, reports, out, root, st, gr, jobs, printer=warm.printer,
                              on_html=warm.on_html, force=force)
        if todo:
            todo = _start_order(todo, st)
            try:
                publisher.prepare()
                # schedule
                execute_all(todo, results, out, root, library.lib_dir, jobs, timeout, kernel_name, engine,
                            _preload(todo, library), on_report_done=publisher.report_done,
                            warm=_warm_up(todo, st, package, out), server=warm.server,
                            synthesis=st.synthesis_code)
            except BaseException:
                # Interrupted (Ctrl-C) or broken: stop assembling and close the browser;
                # reports already written stay, the rest keep their previous version.
                publisher.abort()
                raise
        result.runs = [results[k] for k in runs]
        # publish what is left
        publisher.finish({r.report for r in result.runs if r.status == "failed"})
    result.seconds = time.perf_counter() - t_start
    progress(result.summary())
    from perspectives.provenance import loss_line

    if line := loss_line([out / report_folder(code, st) for code in reports]):
        progress(line)
    return result


@dataclass
class Warm:
    """What a long-lived caller (the preview) keeps from one build to the next.

    Attributes:
        server: a started run server (:class:`perspectives.build.forkserver.ForkServer`)
            whose imports and caches match the checkout; the build uses it and leaves it
            running. The caller restarts it when the library, data or parameters change.
        printer: a started :class:`perspectives.pdf.Printer`, used and left open.
        on_html: called with a report's code as soon as its HTML is written.
    """

    server: ForkServer | None = None
    printer: Printer | None = None
    on_html: Callable[[str], None] | None = None


def _select(study: Study, grid: Grid, countries: Iterable[str] | None, sections: Iterable[str] | None,
            data_path: str | Path | None, conversations_path: str | Path | None, lang: str,
            id_column: str | None = None) -> tuple[list[str], list[str], dict[str, dict[str, object]]]:
    """The reports (study order), sections (grid order) and each report's checked parameters.

    Raises:
        ValueError: an unknown code, section, language or parameter; a missing data file.
    """
    wanted = list(dict.fromkeys(countries)) if countries else list(study.report_codes)
    given = {"lang": lang, "data_path": data_path, "conversations_path": conversations_path,
             **({"id_column": id_column} if id_column else {})}
    params = {code: validate_parameters({"country": code, **given}, study, grid) for code in wanted}
    reports = [code for code in study.report_codes if code in params]
    section_ids = list(grid.section_ids)
    if sections:
        wanted_s = list(dict.fromkeys(sections))
        for s in wanted_s:
            grid.section(s)  # raises listing the allowed ids
        section_ids = [s for s in section_ids if s in wanted_s]
    for p in (data_path, conversations_path):
        if p is not None and not Path(p).is_file():
            raise ValueError(f"data file not found: {Path(p).name}")
    return reports, section_ids, params


# The library modules' imports as a previous build found them, by module and content (a
# hidden file of the output folder): the notebooks' import closure is then not parsed again.
IMPORTS_FILE = ".library-imports.json"

# The partner's export validated by a previous build (a hidden file of the output folder,
# counts only, never a row): the same bytes read by the same code against the same form are
# not read again before planning, so that a build with nothing to do stays fast for a
# network-wide export of 30,000 rows. Runs due still read the export in the run server.
VALIDATED_FILE = ".validated-export.json"


@dataclass
class ValidatedExport:
    """A survey export validated now or by a previous build into the same output folder.

    Attributes:
        out: the output folder.
        key: SHA-256 over everything the reading depends on (see :func:`_validation_key`).
        lines: what the reader said (file, responses, layout, id column, normalisation counts).
        new: whether this build read the export (False: a previous build's record matched).
    """

    out: Path
    key: str
    lines: list[str]
    new: bool = True

    def remember(self) -> None:
        """Write the record atomically (called under the build lock); nothing when not new."""
        if not self.new:
            return
        write_atomic(self.out / VALIDATED_FILE, json.dumps({"key": self.key, "lines": self.lines}, indent=1) + "\n")


def _validation_key(data_path: Path, id_column: str | None, root: Path, library: LibraryIndex,
                    lock: Path) -> str:
    """SHA-256 over what reading an export depends on.

    The file's name (its extension chooses the parser; the summary names it) and bytes, the
    id column asked for, every module of the library, the form and study parameters (the
    plan's data files, ``plan.data_files``) and the environment lock: a change to any of them
    validates the export again.
    """
    hasher = library.hasher
    return sha256_json({"export": [data_path.name, hasher(data_path)], "id_column": id_column or "",
                        "library": library.hashes(None), "forms": data_files(root, hasher),
                        "environment": hasher(lock) if lock.is_file() else "none"})


def _preflight(data_path: str | Path | None, conversations_path: str | Path | None,
               id_column: str | None = None, *, out: Path | None = None, root: Path | None = None,
               library: LibraryIndex | None = None, lock: Path | None = None) -> ValidatedExport | None:
    """Validate a partner's inputs once, before any run starts or any file is written.

    A bad export raises ``readers.DataError`` (or ``qualitative.QualitativeDataError``), both
    ``ValueError``: the command line prints the one message and exits 2. A good one is
    summarised on stderr: what was read, and each normalisation with its count. The embedded
    default data are validated by the test suite, so they are not read again here.

    An export whose bytes, id column, reading code, form and environment are those a previous
    build into ``out`` validated (its record, :data:`VALIDATED_FILE`) is not read again: its
    summary is repeated as then.

    Returns:
        The export's validation, for the build to remember once it holds the output folder;
        None without a partner export or without ``out``, ``root``, ``library`` and ``lock``.
    """
    validated = None
    if data_path is not None:
        key = None
        if out is not None and root is not None and library is not None and lock is not None:
            key = _validation_key(Path(data_path), id_column, root, library, lock)
            before = read_json(out / VALIDATED_FILE)
            lines = before.get("lines") if isinstance(before, dict) and before.get("key") == key else None
            if isinstance(lines, list) and all(isinstance(x, str) for x in lines):
                validated = ValidatedExport(out, key, lines, new=False)
        if validated is None:
            from perspectives.readers import load_survey

            read = load_survey(data_path, id_column=id_column).read
            lines = []
            if read is not None:
                # The partner sees what was read and what was changed (counts only), as `check` says.
                lines.append(f"read {read.file}: {read.responses} responses; layout: {read.tool}; id column: "
                             f"{read.id_column or 'none'}")
                lines += [f"    normalised: {item.what} ({item.cells})" for item in read.normalisations]
            if out is not None and key is not None:
                validated = ValidatedExport(out, key, lines)
        else:
            lines = validated.lines
        for line in lines:
            progress(line)
    if conversations_path is not None:
        from perspectives.qualitative import load_conversations

        load_conversations(conversations_path)
    return validated


def _start_order(todo: list[PlannedRun], study: Study) -> list[PlannedRun]:
    """The due runs, the synthesis's first.

    The synthesis pools every country and is the slowest report: its runs start first, so
    that its assembly overlaps the country runs instead of ending the build.
    """
    return sorted(todo, key=lambda r: r.report != study.synthesis_code)


def _preload(todo: list[PlannedRun], library: LibraryIndex) -> list[str]:
    """The library modules the due runs' notebooks import: the run server imports them once."""
    preload: set[str] = set()
    for r in todo:
        preload |= set(library.modules) if r.modules is None else set(r.modules)
    return sorted(preload)


# The small-cell rule's results of the previous build's warm-up (a hidden file of the
# output folder, rewritten by each build with the results it used): with a hundred
# countries, searching every question's mask again is most of a one-country rebuild.
DECISIONS_FILE = ".disclosure-decisions.json"


def _warm_up(todo: list[PlannedRun], study: Study, package: str,
             out: Path | None = None) -> tuple[str, dict[str, object]]:
    """The run server's warm-up function and its arguments.

    Every run of a build reads the same data (the first run's data paths and language are
    every run's): the server loads them once, for the places of the runs due, and starts from
    the small-cell rule's results the previous build saved in ``out``.
    """
    first = todo[0].params
    args: dict[str, object] = {
        **{k: first[k] for k in ("data_path", "conversations_path", "lang", "id_column") if k in first},
        "countries": sorted({r.report for r in todo} - {study.synthesis_code})}
    if out is not None and package == "perspectives":
        args["decisions"] = str(out / DECISIONS_FILE)
        # Only the synthesis and countries that held conversations screen excerpts.
        args["gazetteer"] = any(r.report == study.synthesis_code or study.country(r.report).conversations
                                for r in todo)
    return (f"{package}.report:warm_up", args)

