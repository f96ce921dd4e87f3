"""Build the reports: run every section notebook of the grid for every report, then assemble.

Purpose
    Execute the run grid (the sections of ``params/grid.yml`` for each report: the study's
    countries and the synthesis, from ``params/study.yml``) with papermill, in parallel,
    re-running only what changed, keeping every run atomic, and assembling each report
    (HTML, Word, PDF) plus ``outputs/index.html``. :func:`build` reads as the four steps,
    each a module of this package:

    * select: the reports and sections asked for, validated once, here, where they enter; with a
      partner's export, only the reports of the countries it holds (and the synthesis from
      two countries on), any other asked for refused before anything runs;
    * :mod:`~perspectives.build.plan`: every run's stamp, and which runs are due and why;
    * :mod:`~perspectives.build.schedule`: the due runs in parallel (workers from
      :mod:`~perspectives.build.forkserver` or a process pool, each run through
      :mod:`~perspectives.build.run`), folders swapped in atomically;
    * :mod:`~perspectives.build.publish`: each report assembled and printed as soon as its
      runs are done.

Inputs
    A study folder (:class:`perspectives.project.Project`: ``--project DIR``, by default the
    one around the working directory): its ``params/study.yml`` and ``params/grid.yml``, the
    section notebooks, the data files (``--data``/``--conversations`` or the synthetic
    defaults); the ``perspectives`` library sources (the study folder's ``lib/`` when it holds
    the package, else the installed library) and ``requirements.lock`` (these four are hashed
    to decide what to re-run).

Outputs (under ``out``, default ``outputs/``)
    ``<REPORT>/sections/<section_id>/``  one folder per successful run: ``executed.ipynb``,
        ``stamp.json`` and whatever the notebook wrote (``values.json``, ``figures/``,
        ``tables/``); ``<REPORT>`` is the ISO3 code or ``synthesis``, followed by
        ``/<lang>`` for a report in another language than English (``MDA/ro``: see
        ``perspectives.study.report_folder``), so languages live side by side.
    ``<REPORT>/failed/<section_id>.ipynb``  the partial executed notebook of a failed run
        (and ``<section_id>.log``, the kernel's stderr). A run executes in a hidden folder
        ``<REPORT>/sections/.<section_id>.tmp-*`` and replaces its run folder only on success.
    ``<REPORT>/report.html`` and ``index.html``  (see ``perspectives.assemble``).

The contract a section notebook follows
    1. Exactly one cell tagged ``parameters`` defining ``country``, ``lang``, ``data_path``,
       ``conversations_path``, ``output_dir`` and, where the grid declares it, ``project``
       (the schema in ``params/grid.yml``; no other names). The build gives ``project`` the
       study folder it builds. ``country`` is an ISO3 code or ``ALL`` (the synthesis). ``data_path`` and
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
       refuses to write a report containing the repository, output or home folder path. In
       the executed notebook the build names an input by its file name (``stamp.json``
       beside it gives the SHA-256) and the machine's folders by placeholders; a run whose
       files still hold a local path in any form fails (:mod:`perspectives.build.run`).
    5. The working directory is the notebook's folder (as in JupyterLab); do not rely on it,
       open the study's files through the project (``perspectives.project.Project``,
       ``Section(..., project)``).
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
    With ``executor="dask"`` (``--executor dask``) each run is a task of a Dask cluster whose
        workers fork it from a run server of their own (the fork engine), writing into the same
        output folder (shared by every worker); see :mod:`perspectives.build.dask`.
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
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from perspectives import config
from perspectives.build.outcome import BuildResult, RunError, RunResult
from perspectives.build.plan import (
    FileHasher,
    LibraryIndex,
    PlannedRun,
    data_files,
    environment_lock,
    library_dependencies,
    library_folder,
    plan_runs,
    read_json,
)
from perspectives.build.preflight import (
    CHECKED_FILE,
    ValidatedExport,
    checked_meanwhile,
    configuration_digest,
    preflight,
)
from perspectives.build.progress import CONSOLE, RunProgress, progress
from perspectives.build.publish import Publisher
from perspectives.build.resident import keep_for, keep_minutes
from perspectives.build.schedule import (
    DEFAULT_EXECUTOR,
    KERNEL_NAME,
    build_lock,
    check_executor,
    choose_engine,
    clear_stale,
    execute_all,
    start_order,
)
from perspectives.build.warm import DECISIONS_FILE, warm_up
from perspectives.files import check_writable, write_atomic
from perspectives.hashing import sha256_json
from perspectives.hints import command
from perspectives.pdf_setting import check_pdf_setting
from perspectives.project import Project, project_of
from perspectives.study import (
    SOURCE_LANGUAGE,
    SYNTHESIS_MIN_COUNTRIES,
    Grid,
    Study,
    report_folder,
    validate_parameters,
)

if TYPE_CHECKING:  # only named in annotations: the build imports them when it uses them
    from perspectives.build.forkserver import ForkServer
    from perspectives.pdf import Printer

__all__ = ["BuildResult", "RunError", "RunProgress", "RunResult", "Warm", "build", "check_configuration",
           "library_dependencies", "select_reports", "data_files", "read_json", "write_atomic", "sha256_json", "DECISIONS_FILE"]


def build(
    countries: Iterable[str] | None = None,
    sections: Iterable[str] | None = None,
    data_path: str | Path | None = None,
    conversations_path: str | Path | None = None,
    lang: str = "en",
    jobs: int | None = None,
    out: Path | str | None = None,
    force: bool = False,
    *,
    project: Project | None = None,
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
    strict: bool = False,
    on_progress: Callable[[RunProgress], None] | None = None,
    executor: str = DEFAULT_EXECUTOR,
    scheduler: str | None = None,
    keep_server: float | None = None,
) -> BuildResult:
    """Run the grid for the selected reports and sections, then assemble their reports.

    Args:
        countries: report codes (ISO3, or the synthesis code); None selects every report:
            with ``data_path``, the reports of the countries the export holds, and the
            synthesis when it holds at least two.
        sections: section ids of the grid; None selects every section.
        data_path: a survey export to use instead of the embedded one.
        conversations_path: a conversations file to use instead of the embedded one.
        lang: the reports' language.
        jobs: runs at a time (default: the CPU count).
        out: the output folder (default: ``outputs`` in the working directory).
        force: redo every selected run.
        project: the study folder to build (default: ``root``, else the one around the
            working directory).
        root: the study folder, given as a folder (tests use a stand-in project).
        grid: the run grid (default: the project's ``params/grid.yml``).
        study: the study (default: the project's ``params/study.yml``).
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
        strict: fail the build when a report in another language than English shows English
            text (:func:`perspectives.untranslated.strict_failures` names each string and where).
        on_progress: called after each run with the runs done, the total and the estimate of
            the time left (:class:`perspectives.build.progress.RunProgress`).
        executor: ``"local"`` (this machine) or ``"dask"``: each run a task of a Dask cluster
            (:mod:`perspectives.build.dask`), the results written to the same output folder.
        scheduler: with ``dask``, a running scheduler's address (``tcp://host:8786``); None
            starts a LocalCluster of ``jobs`` worker processes.
        keep_server: minutes the run server waits for the next build into ``out``, which uses
            it when nothing it loaded changed (:mod:`perspectives.build.resident`); 0 stops
            it with the build; None: ``$PERSPECTIVES_KEEP_SERVER``, else 10.

    Returns:
        What happened to every run and report.

    Raises:
        ValueError: an unknown report code (asked for, or named by ``PERSPECTIVES_PDF``),
            section, engine, language or parameter, or a
            missing data file, before anything runs; or a partner export that cannot be read
            exactly (``readers.DataError``), or a report asked for that the export's countries
            cannot give, or conversations that do not go with them, before anything is
            written; or a configuration file with a mistake (``config.ConfigError``), before
            any run.
        RuntimeError: another build holds the output folder.
    """
    t_start = time.perf_counter()
    engine = choose_engine(engine)
    check_executor(executor, engine, scheduler)
    minutes = keep_minutes(keep_server)
    project = project or project_of(root)
    root = project.root
    st = study or project.study
    gr = grid or project.grid
    out_given = out if out is not None else Path("outputs")  # as the caller wrote it, for a command to print
    out = Path(out_given)
    out = (out if out.is_absolute() else Path.cwd() / out).resolve()
    _check_out(out, root)
    check_pdf_setting(st.report_codes)  # a report named for its PDF is one of the study's

    # select: what was asked for is validated once, here, where it enters
    section_ids = _sections(gr, sections)
    result = BuildResult()
    library = LibraryIndex(library_folder(root, package), package, FileHasher(), remembered=out / IMPORTS_FILE)
    lock = environment_lock(root, library.lib_dir)
    again = _Again(data_path, conversations_path, id_column, lang, sections, out_given, _named_project(project))
    reports, validated = _choose(st, gr, countries, again, out, project, library, lock)
    given = _given(lang, data_path, conversations_path, id_column, project, gr)
    params = {code: validate_parameters({"country": code, **given}, st, gr) for code in reports}
    with contextlib.ExitStack() as held:
        if not dry_run:
            # One build at a time per output folder, taken before anything is said or read.
            held.enter_context(build_lock(out))
            held.enter_context(CONSOLE.keep_status())
            clear_stale([out / report_folder(code, st, lang) / "sections" for code in reports])
            if validated is not None:
                validated.remember()
        # plan
        runs = plan_runs(root=root, study=st, sections=gr.sections, selected=section_ids, reports=reports,
                         params=params, out=out, library=library,
                         environment=library.hasher(lock) if lock.is_file() else "none", force=force)
        if not dry_run:
            library.remember()
        todo = [r for r in runs.values() if r.reason is not None]
        # Before any run: every configuration file, and the catalogue of the report language
        # (one message naming file, line and fix; a build with nothing to run reads only the
        # study and the grid, validated as they load). A dry run checks them now; a build
        # checks them while its run server starts, and starts no run before they pass.
        if todo and dry_run:
            check_configuration(root, lang, project)
        progress(f"perspectives build: {len(runs)} runs, {len(todo)} to execute, {len(runs) - len(todo)} up to date"
                 + (f"; in {lang}, beside the other languages (each report's {lang}/ folder)"
                    if lang != SOURCE_LANGUAGE else ""))
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
                              on_html=warm.on_html, force=force, lang=lang)
        if todo:
            todo = start_order(todo, st)
            # A read-only or full report folder is said now, not after the run server started.
            for code in dict.fromkeys(r.report for r in todo):
                check_writable(out / report_folder(code, st, lang) / "sections")
            try:
                # checked while the run server starts, or remembered from an earlier build
                checked = checked_meanwhile(lambda: check_configuration(root, lang, project), out / CHECKED_FILE,
                                            configuration_digest(root, library, lang))
                keep = keep_for(minutes, out, root, library, lock, given) if warm.server is None else None
                # The server assembles too when the study and grid are the project's files, which it reads.
                publisher.print_through(keep, engine == "fork" and executor == DEFAULT_EXECUTOR,
                                        own_study=study is None and grid is None)
                publisher.prepare()
                # schedule
                execute_all(todo, results, out, root, library.lib_dir, jobs, timeout, kernel_name, engine,
                            _preload(todo, library), on_report_done=publisher.report_done,
                            warm=warm_up(todo, st, package, out, project), server=warm.server,
                            synthesis=st.synthesis_code, on_progress=on_progress, executor=executor,
                            scheduler=scheduler, before_runs=checked,
                            keep=keep)
            except BaseException:
                # Interrupted (Ctrl-C) or broken: stop assembling and close the browser;
                # reports already written stay, the rest keep their previous version.
                publisher.abort()
                raise
        result.runs = [results[k] for k in runs]
        # publish what is left
        publisher.finish({r.report for r in result.runs if r.status == "failed"})
        if strict and lang != "en":
            from perspectives.untranslated import strict_failures

            result.untranslated = strict_failures({code: out / report_folder(code, st, lang) for code in reports
                                                   if code not in result.reports_not_written})
    result.seconds = time.perf_counter() - t_start
    progress(result.summary())
    from perspectives.provenance import loss_line

    if line := loss_line([out / report_folder(code, st, lang) for code in reports]):
        progress(line)
    return result


def select_reports(countries: Iterable[str] | None = None, data_path: str | Path | None = None,
                   conversations_path: str | Path | None = None, lang: str = SOURCE_LANGUAGE, *,
                   id_column: str | None = None, out: Path | str | None = None, root: Path | None = None,
                   study: Study | None = None, grid: Grid | None = None, package: str = "perspectives",
                   project: Project | None = None) -> list[str]:
    """The reports :func:`build` would build with these arguments; nothing is built or written.

    With a partner's export, those of the countries it holds (and the synthesis from two on),
    read from the export or from the output folder's record of it.

    Raises:
        ValueError: as :func:`build` before anything runs (an unknown code, a refused export, a
            report the export cannot give, conversations that do not go with it).
    """
    project = project or project_of(root)
    st = study or project.study
    gr = grid or project.grid
    out = out if out is not None else Path("outputs")
    resolved = Path(out) if Path(out).is_absolute() else Path.cwd() / out
    library = LibraryIndex(library_folder(project.root, package), package, FileHasher())
    reports, _ = _choose(st, gr, countries, _Again(data_path, conversations_path, id_column, lang, None, out,
                                                   _named_project(project)),
                         resolved.resolve(), project, library, environment_lock(project.root, library.lib_dir))
    return reports


def _named_project(project: Project) -> Path | None:
    """The study folder as a command must name it (``--project``), or None when it is the one around the working directory."""
    try:
        here = project_of(None).root
    except ValueError:
        here = None
    return None if here == project.root else project.root


def _choose(study: Study, grid: Grid, countries: Iterable[str] | None, again: _Again, out: Path, project: Project,
            library: LibraryIndex, lock: Path) -> tuple[list[str], ValidatedExport | None]:
    """The reports to build and the export's validation, everything checked before anything is written.

    A partner's export is read and validated before anything is written, the lock file and
    the output folder included: a refused file leaves no trace. Its countries decide the
    reports (a dry run reads it too, and writes nothing).
    """
    asked = _asked(study, grid, countries, again.data_path, again.conversations_path, again.lang, again.id_column,
                   project)
    validated = preflight(again.data_path, again.conversations_path, again.id_column, out=out, root=project.root,
                          library=library, lock=lock, project=project)
    reports = _reports(study, asked, validated, again)
    _conversations_fit(study, reports, validated, again.conversations_path, project)
    if again.data_path is not None and again.conversations_path is None:
        refused = study.partner_conversations_problem(reports)  # a partner's survey never gets synthetic ones
        if refused:
            raise ValueError(refused)
    return reports, validated


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


def check_configuration(root: Path, lang: str, project: Project | None = None) -> None:
    """Validate every configuration file of ``root`` and the catalogue of ``lang``.

    ``project``: the study folder at ``root``, which keeps the catalogue it read (default: a
    reading of the file as it is).

    Raises:
        ConfigError: the first mistake, naming its file, line and fix (a ``ValueError``:
            the command line prints it and exits 2).
    """
    config.check_all(root)
    from perspectives.i18n import load_catalogue

    load_catalogue(lang, root / "params" / "i18n", project=project)


# The folders of the checkout a build reads (the notebooks, the library, the data and
# parameter files hashed into every stamp, the preview's watched folders).
INPUT_FOLDERS = ("data", "params", "notebooks", "lib")


def _check_out(out: Path, root: Path) -> None:
    """Refuse an output folder inside a folder the build reads.

    Its reports would be read back as input: every build found its own outputs changed and
    ran every run again, and the preview rebuilt for ever.

    Raises:
        ValueError: ``out`` is one of :data:`INPUT_FOLDERS` of ``root`` or inside one.
    """
    for name in INPUT_FOLDERS:
        folder = (root / name).resolve()
        if out == folder or folder in out.parents:
            raise ValueError(f"the output folder ({out.name}) is inside {name}/, which the build reads as its input: "
                             "every build would find its own reports changed and run again. Fix: give --out a "
                             "folder outside data/, params/, notebooks/ and lib/ (the default is outputs/)")


def _given(lang: str, data_path: str | Path | None, conversations_path: str | Path | None,
           id_column: str | None, project: Project, grid: Grid) -> dict[str, object]:
    """The notebook parameters every report of a build shares (the study folder where the grid takes it)."""
    return {"lang": lang, "data_path": data_path, "conversations_path": conversations_path,
            **({"id_column": id_column} if id_column else {}),
            **({PROJECT_PARAMETER: str(project.root)}
               if PROJECT_PARAMETER in {p.name for p in grid.parameters} else {})}


# The notebook parameter naming the study folder (papermill passes it; the grid declares it).
PROJECT_PARAMETER = "project"


def _asked(study: Study, grid: Grid, countries: Iterable[str] | None, data_path: str | Path | None,
           conversations_path: str | Path | None, lang: str, id_column: str | None,
           project: Project) -> list[str] | None:
    """The report codes asked for (None: not named), each checked with the build's parameters.

    Raises:
        ValueError: an unknown code, language or parameter; a data path that is not a file.
    """
    wanted = list(dict.fromkeys(countries)) if countries else None
    given = _given(lang, data_path, conversations_path, id_column, project, grid)
    for code in wanted or [study.synthesis_code]:
        validate_parameters({"country": code, **given}, study, grid)
    for p in (data_path, conversations_path):
        if p is None:
            continue
        # Imported here: the reader's numpy is needed only when an export is given, and a
        # researcher's rebuild of one section waits for every import of the build's start.
        from perspectives.rawtable import path_problem

        # A folder, a named pipe, a device or a broken link is refused for what it is (a
        # pipe is never opened, so the build cannot wait on it).
        problem = path_problem(p)
        if problem is not None:
            raise ValueError(problem.text(Path(p).name))
    return wanted


def _sections(grid: Grid, sections: Iterable[str] | None) -> list[str]:
    """The section ids asked for, in grid order (all of them when none is named).

    Raises:
        ValueError: an unknown section (the message lists the allowed ids).
    """
    section_ids = list(grid.section_ids)
    if sections:
        wanted_s = list(dict.fromkeys(sections))
        for s in wanted_s:
            grid.section(s)  # raises listing the allowed ids
        section_ids = [s for s in section_ids if s in wanted_s]
    return section_ids


@dataclass(frozen=True)
class _Again:
    """How the build was asked for, to write the command that builds what the export holds."""

    data_path: str | Path | None
    conversations_path: str | Path | None
    id_column: str | None
    lang: str
    sections: Iterable[str] | None
    out: Path | str
    project: Path | None = None  # the study folder, when it is not the one around the working directory

    def command(self, reports: Iterable[str]) -> str:
        """The build command for ``reports``, every other option as given."""
        words: list[str | Path] = ["build"]
        for option, value in (("--data", self.data_path), ("--conversations", self.conversations_path),
                              ("--id-column", self.id_column)):
            if value:
                words += [option, value]
        words += ["--country", *reports, "--lang", self.lang]
        if self.sections:
            words += ["--section", *dict.fromkeys(self.sections)]
        if Path(self.out) != Path("outputs"):
            words += ["--out", self.out]
        return command(*words, project=self.project)


def _reports(study: Study, asked: list[str] | None, validated: ValidatedExport | None, again: _Again) -> list[str]:
    """The reports to build, in study order.

    Without a partner export, those asked for (every report when none is named). With one,
    the reports its countries give (:meth:`Study.reports_for`): all of them when none is
    named, and a report asked for that they cannot give is refused.

    Raises:
        ValueError: a report asked for that the export cannot give, in one sentence naming the
            countries it holds and the command that builds them.
    """
    if validated is None or validated.countries is None:
        return [code for code in study.report_codes if asked is None or code in asked]
    present = study.present(validated.countries)
    possible = study.reports_for(present)
    if asked is None:
        return list(possible)
    refused = [code for code in asked if code not in possible]
    if not refused:
        return [code for code in study.report_codes if code in asked]
    names = ", ".join(f"{study.country(c).name} ({c})" for c in present) or "no country"
    why = [f"no responses from {', '.join(c for c in refused if c != study.synthesis_code)}"] \
        if any(c != study.synthesis_code for c in refused) else []
    if study.synthesis_code in refused:
        why.append(f"the synthesis ({study.synthesis_code}) pools at least {SYNTHESIS_MIN_COUNTRIES} countries")
    run = f"; build what it holds with: {again.command(possible)}" if possible else ""
    raise ValueError(f"{validated.file} holds eligible responses from {names} only, so it cannot build "
                     f"{', '.join(refused)} ({'; '.join(why)}){run}")


def _conversations_fit(study: Study, reports: list[str], validated: ValidatedExport | None,
                       conversations_path: str | Path | None, project: Project) -> None:
    """Refuse conversations that do not go with the reports planned (:meth:`Study.conversations_problem`).

    Checked when a partner gives conversations, or an export with the study's own
    conversations and a synthesis to pool them; the study's embedded pair always fits.

    Raises:
        ValueError: one sentence naming the file, the countries and the fix.
    """
    partner_survey = validated is not None and validated.countries is not None
    if conversations_path is None and not (partner_survey and study.synthesis_code in reports):
        return
    from perspectives.qualitative import load_conversations

    held = frozenset(load_conversations(conversations_path, project=project)["country"])
    survey = frozenset(study.present(validated.countries)) if partner_survey and validated.countries is not None \
        else frozenset(study.codes)
    problem = study.conversations_problem(reports, survey, held)
    if problem is not None:
        name = Path(conversations_path).name if conversations_path is not None else \
            f"{Path(study.data['conversations']).name} (the study's own conversations)"
        raise ValueError(f"{name} {problem}")


# The library modules' imports as a previous build found them, by module and content (a
# hidden file of the output folder): the notebooks' import closure is then not parsed again.
IMPORTS_FILE = ".library-imports.json"


def _preload(todo: list[PlannedRun], library: LibraryIndex) -> list[str]:
    """The library modules the due runs' notebooks import: the run server imports them once."""
    preload: set[str] = set()
    for r in todo:
        preload |= set(library.modules) if r.modules is None else set(r.modules)
    return sorted(preload)
