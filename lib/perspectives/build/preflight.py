"""Validate a partner's inputs once, before any run starts or any file is written.

The export is read (or a previous build's record of the same bytes, code and form is reused),
its summary printed, and the eligible completes by country returned: they decide which
reports the export can build. Approved open-text answers and conversations beside it are
refused here rather than in each run. The configuration check a build makes while its run
server starts is likewise remembered (:func:`checked_meanwhile`).
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from perspectives.build.plan import LibraryIndex, data_files, read_json
from perspectives.build.progress import progress
from perspectives.files import write_atomic
from perspectives.hashing import sha256_json
from perspectives.project import Project, default

__all__ = ["CHECKED_FILE", "VALIDATED_FILE", "ValidatedExport", "checked_meanwhile", "configuration_digest",
           "library_digest", "preflight"]


# The partner's export validated by a previous build (a hidden file of the output folder,
# counts only, never a row): the same bytes read by the same code against the same form are
# not read again before planning, so that a build with nothing to do stays fast for a
# network-wide export of 30,000 rows. Runs due still read the export in the run server.
VALIDATED_FILE = ".validated-export.json"


@dataclass
class ValidatedExport:
    """A survey export validated now or by a previous build into the same output folder.

    Attributes:
        out: the output folder (None: nothing is remembered).
        key: SHA-256 over everything the reading depends on (see :func:`_validation_key`);
            None when nothing is remembered.
        lines: what the reader said (file, responses, layout, id column, normalisation
            counts, eligible responses by country).
        countries: eligible completes by ISO3 code (counts only, never a row): the countries
            the export holds, which decide the reports it builds.
        file: the export's file name.
        new: whether this build read the export (False: a previous build's record matched).
    """

    out: Path | None
    key: str | None
    lines: list[str]
    countries: dict[str, int] | None = None
    file: str = ""
    new: bool = True

    def remember(self) -> None:
        """Write the record atomically (called under the build lock); nothing when not new."""
        if not self.new or self.out is None or self.key is None:
            return
        write_atomic(self.out / VALIDATED_FILE, json.dumps(
            {"key": self.key, "lines": self.lines, "countries": self.countries}, indent=1, sort_keys=True) + "\n")


def _validation_key(data_path: Path, id_column: str | None, root: Path, library: LibraryIndex,
                    lock: Path) -> str:
    """SHA-256 over what reading an export depends on.

    The file's name (its extension chooses the parser; the summary names it) and bytes, the
    id column asked for, every module of the library, the form and study parameters (the
    plan's data files, ``plan.data_files``) and the environment lock: a change to any of them
    validates the export again.
    """
    hasher = library.hasher
    from perspectives.open_text import APPROVALS_FILE

    approvals = data_path.parent / APPROVALS_FILE  # checked against the export with it
    return sha256_json({"export": [data_path.name, hasher(data_path)], "id_column": id_column or "",
                        "approvals": hasher(approvals) if approvals.is_file() else
                        "none" if not (approvals.exists() or approvals.is_symlink()) else "not a file",
                        "library": library.hashes(None), "forms": data_files(root, hasher),
                        "environment": hasher(lock) if lock.is_file() else "none"})


def _remembered(out: Path, key: str, file: str) -> ValidatedExport | None:
    """The record a previous build left for ``key``, or None (missing, another key, another shape)."""
    before = read_json(out / VALIDATED_FILE)
    if not isinstance(before, dict) or before.get("key") != key:
        return None
    lines, countries = before.get("lines"), before.get("countries")
    if not (isinstance(lines, list) and all(isinstance(x, str) for x in lines)):
        return None
    if not (isinstance(countries, dict) and all(isinstance(k, str) and type(v) is int and v >= 0
                                                for k, v in countries.items())):
        return None  # a record of an earlier version, without the countries: read again
    return ValidatedExport(out, key, lines, countries, file, new=False)


def _read_export(data_path: str | Path, id_column: str | None, project: Project | None) -> tuple[list[str], dict[str, int]]:
    """Read and validate an export against the project's form: what the reader said, and eligible completes by country.

    Raises:
        DataError: the export cannot be used as it is.
    """
    from perspectives.readers import load_survey

    survey = load_survey(data_path, id_column=id_column, project=project)
    read = survey.read
    lines = []
    if read is not None:
        # The partner sees what was read and what was changed (counts only), as `check` says.
        lines.append(f"read {read.file}: {read.responses} responses; layout: {read.tool}; id column: "
                     f"{read.id_column or 'none'}")
        lines += [f"    normalised: {item.what} ({item.cells})" for item in read.normalisations]
        lines += [f"    warning: {warning}" for warning in read.warnings]  # as `check` warns
    from perspectives.open_text import check_approvals, load_approvals

    # The approvals beside it, read by the runs: refused here, not in each run.
    study = (project or default()).study
    check_approvals(load_approvals(data_path), survey, str(study.data.get("id_column", "respondent_id")))
    counts = survey.eligible["country"].value_counts()
    countries = {str(code): int(n) for code, n in sorted(counts.items())}
    lines.append("    eligible responses by country: " + (", ".join(f"{c} {n}" for c, n in countries.items())
                                                         or "none"))
    return lines, countries


def preflight(data_path: str | Path | None, conversations_path: str | Path | None,
               id_column: str | None = None, *, out: Path | None = None, root: Path | None = None,
               library: LibraryIndex | None = None, lock: Path | None = None,
               project: Project | None = None) -> ValidatedExport | None:
    """Validate a partner's inputs once, before any run starts or any file is written.

    A bad export raises ``readers.DataError`` (or ``qualitative.QualitativeDataError``), both
    ``ValueError``: the command line prints the one message and exits 2. A good one is
    summarised on stderr: what was read, each normalisation with its count, and the eligible
    responses by country. The embedded default data are validated by the test suite, so they
    are not read again here.

    An export whose bytes, id column, reading code, form and environment are those a previous
    build into ``out`` validated (its record, :data:`VALIDATED_FILE`) is not read again: its
    summary is repeated as then.

    ``project`` is the study folder whose form and study read the files (default: the one
    around the working directory).

    Returns:
        The export's validation (its countries decide the reports; the build remembers it
        once it holds the output folder, given ``out``, ``root``, ``library`` and ``lock``);
        None without a partner export.
    """
    validated = None
    if data_path is not None:
        file = Path(data_path).name
        key = None
        if out is not None and root is not None and library is not None and lock is not None:
            key = _validation_key(Path(data_path), id_column, root, library, lock)
            validated = _remembered(out, key, file)
        if validated is None:
            lines, countries = _read_export(data_path, id_column, project)
            validated = ValidatedExport(out if key is not None else None, key, lines, countries, file)
        for line in validated.lines:
            progress(line)
    if conversations_path is not None:
        from perspectives.qualitative import load_conversations

        load_conversations(conversations_path, project=project)
    return validated


# The configuration check an earlier build passed, by the digest of everything it reads (a
# hidden file of the output folder): with nothing changed it passes again, so a rebuilt
# section's run does not wait for it.
CHECKED_FILE = ".checked-configuration.json"


def library_digest(library: LibraryIndex) -> str:
    """The digest of every file of the library package (its modules, templates and word lists)."""
    package = library.lib_dir / library.package
    return sha256_json({p.relative_to(package).as_posix(): library.hasher(p) for p in sorted(package.rglob("*"))
                        if p.is_file() and "__pycache__" not in p.parts})


def configuration_digest(root: Path, library: LibraryIndex, lang: str) -> str:
    """A digest of what the configuration check reads.

    The data and parameter files (the catalogues among them), every file of the library
    package (the schemas and the readers), the language.
    """
    return sha256_json({"data": data_files(root, library.hasher), "library": library_digest(library), "lang": lang})


def checked_meanwhile(check: Callable[[], None], memo: Path | None = None,
                      digest: str | None = None) -> Callable[[], None]:
    """``check`` in a thread; call the result to wait for it and raise what it raised.

    With ``memo`` and ``digest``: a check an earlier build passed on the same inputs (the
    memo holds their digest) is not made again, and a check that passes is remembered.
    """
    if memo is not None and digest is not None and read_json(memo) == {"digest": digest}:
        return lambda: None
    done: Future[None] = Future()

    def run() -> None:
        try:
            check()
            if memo is not None and digest is not None:
                write_atomic(memo, json.dumps({"digest": digest}) + "\n")
            done.set_result(None)
        except BaseException as exc:  # noqa: BLE001 - raised again by done.result(), in the build's thread
            done.set_exception(exc)

    threading.Thread(target=run, name="check-configuration", daemon=True).start()
    return done.result
