"""The claims check's values: the withheld marker, a build's recorded values, and what a binding may read.

Held apart from :mod:`perspectives.fidelity` (which evaluates every claim and writes the
page) because it is where a claim's numbers come from: a build's ``values.json`` (a
withheld value read as :data:`WITHHELD`, the one reading of the convention), the same
values computed in-process where a build lacks them, and the :class:`Context` every
binding reads. :data:`WITHHELD`, :class:`Withheld`, :func:`recorded_value`,
:func:`read_build_values`, :func:`collect_values` and :class:`Context` are the public API
of :mod:`perspectives.fidelity`, which exports them.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import analysis, claims, qualitative, qualitative_counts
from .project import Project, default
from .study import built_reports

# A recorded value in a binding: ``{NAME@REPORT}`` within an ``expr:``, ``NAME@REPORT`` alone.
REF = re.compile(r"\{([A-Za-z0-9_.]+)@([A-Z]{3})\}")
NAME_AT = re.compile(r"^([A-Za-z0-9_.]+)@([A-Z]{3})$")


# --------------------------------------------------------------------------- withheld values

class _Withheld:
    """The one marker of a recorded value that the small-cell rule withholds."""

    _instance: _Withheld | None = None

    def __new__(cls) -> _Withheld:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "WITHHELD"


WITHHELD = _Withheld()


class Withheld(LookupError):
    """A binding read a withheld value; ``key`` is ``NAME@REPORT``."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} is withheld by the small-cell rule")
        self.key = key


class Rounded(float):
    """A share published only rounded to ``digits`` decimals (-1: the nearest ten points): "about 80%".

    The small-cell rule publishes some pooled shares so (``disclosure.share_digits``); a
    claim is judged on the published figure at that precision, never finer
    (:func:`perspectives.fidelity_compare.compare`).
    """

    digits: int

    def __new__(cls, value: float, digits: int) -> Rounded:  # noqa: D102
        made = super().__new__(cls, value)
        made.digits = int(digits)
        return made


def recorded_value(entry: Mapping[str, Any]) -> Any:
    """The value of one recorded entry (a ``values.json`` item), or ``WITHHELD``.

    The convention today (``analysis.Result.record``): a withheld cell is recorded with value
    ``null`` and ``"suppressed": true``; a share published only rounded carries its
    ``digits`` (a :class:`Rounded`). This is the one place that reads it.
    """
    if entry.get("suppressed"):
        return WITHHELD
    value = entry.get("value")
    return Rounded(value, entry["digits"]) if "digits" in entry and value is not None else value


# --------------------------------------------------------------------------- where values come from

def read_build_values(out: Path, records: dict[str, dict[str, Any]] | None = None,
                      project: Project | None = None) -> dict[str, Any]:
    """Recorded values of a build: ``name@REPORT`` -> value or ``WITHHELD``.

    ``records``, when given, receives each value's whole entry (what the audit reads).
    ``project``: the study folder that was built (default: the one around the working directory).

    Only values about a report's own place are read.

    National reports also record the pooled figure beside their own (country ALL); those are the
    synthesis's numbers and are taken from the synthesis, so they are skipped here.
    """
    study = default(project).study
    found: dict[str, Any] = {}
    # Numbers do not depend on the language: a report built in several languages is read
    # in English when it was built in English, else in its first other language.
    for report in built_reports(out, study, what="sections"):
        own: dict[str, Any] = {}
        kept: dict[str, Any] = {}
        for path in sorted((report.folder / "sections").glob("*/values.json")):
            if path.parent.name.startswith("."):
                continue  # a run being written (or left by a killed build): not a published value
            for entry in json.loads(path.read_text(encoding="utf-8")):
                if entry.get("country", report.code) == report.code:
                    own[f"{entry['name']}@{report.code}"] = recorded_value(entry)
                    kept[f"{entry['name']}@{report.code}"] = entry
        for key, value in own.items():
            if key not in found:
                found[key] = value
                if records is not None:
                    records[key] = kept[key]
    return found


def value_refs(binding: str, project: Project | None = None) -> list[tuple[str, str]]:
    """(name, report) pairs of recorded values a binding reads (``@countries`` and the like: the project's)."""
    project = default(project)
    if binding.startswith(("each(", "items(")):
        comparison = claims.comparison_items(binding, lambda name: claims.universe(name, project))
        bound = [b for _, b in comparison.items] + ([comparison.test] if comparison.test else [])
        return [ref for b in bound for ref in value_refs(b, project)]
    kind, _, body = binding.partition(":")
    if kind == "value":
        m = NAME_AT.match(body)
        return [(m.group(1), m.group(2))] if m else []
    if kind == "test":
        m = NAME_AT.match(body)
        if not m:
            return []
        return [(f"{m.group(1)}.{part}", m.group(2)) for part in ("stat", "df", "df1", "df2", "p")]
    if kind == "expr":
        return REF.findall(body)
    return []


def _needed_reports(bindings: Iterable[str], project: Project) -> dict[str, set[str]]:
    """Report code -> analysis ids (and ``sample``) that the bindings read."""
    specs = {k for k in analysis.load_specs(project=project) if k != "bands"}
    need: dict[str, set[str]] = {}
    for binding in bindings:
        for name, code in value_refs(binding, project):
            head = name.split(".", 1)[0]
            if head in specs or head == "sample":
                need.setdefault(code, set()).add(head)
    return need


def collect_values(bindings: Iterable[str], data_path: str | Path | None = None,
                   failures: dict[str, str] | None = None,
                   records: dict[str, dict[str, Any]] | None = None, project: Project | None = None) -> dict[str, Any]:
    """Compute in-process the recorded values the bindings need, as a build would record them.

    Analyses go through ``analysis.run`` and the sample flow through ``report.Section.sample_flow``
    (the functions the section notebooks call); only the analyses and reports actually referenced
    are run, which keeps a full evaluation to a few seconds. An analysis that raises is noted in
    ``failures`` (``analysis@REPORT`` -> error) and its values stay missing. ``project``: the
    study folder (default: the one around the working directory).
    """
    from .report import Section

    project = default(project)
    values: dict[str, Any] = {}
    failures = {} if failures is None else failures
    need = _needed_reports(bindings, project)
    with tempfile.TemporaryDirectory() as tmp:
        for code in sorted(need):
            section = Section("methods", country=code, data_path=str(data_path) if data_path else None,
                              output_dir=str(Path(tmp) / code), project=project)
            for analysis_id in sorted(need[code]):
                if analysis_id == "sample":
                    # Outside a notebook IPython's display prints object reprs; nothing of it is wanted.
                    with contextlib.redirect_stdout(io.StringIO()):
                        section.sample_flow()
                    continue
                try:
                    result = analysis.run(analysis_id, section.survey, code, section.names)
                except Exception as error:  # a broken analysis is a finding: its claims become misses
                    failures[f"{analysis_id}@{code}"] = f"{type(error).__name__}: {error}"
                    continue
                section.values.extend(result.values)
            for entry in section.values:
                if entry.get("country", code) == code:
                    values[f"{entry['name']}@{code}"] = recorded_value(entry)
                    if records is not None:
                        records[f"{entry['name']}@{code}"] = entry
    return values


# --------------------------------------------------------------------------- evaluation context

@dataclass
class Context:
    """Everything a binding may read; the survey and conversations load lazily, once."""

    values: dict[str, Any]
    data_path: str | Path | None = None
    conversations_path: str | Path | None = None
    failures: dict[str, str] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # name@REPORT -> its values.json entry
    shown: dict[str, Any] = field(default_factory=dict)  # what the claim being judged shows (for the audit)
    project: Project | None = None  # the study folder (None: the one around the working directory)

    def __post_init__(self) -> None:
        self.project = default(self.project)

    @property
    def synthesis(self) -> str:
        """The code of the report of every country together."""
        return self.study.synthesis_code

    @property
    def study(self):
        """The study."""
        return self.project.study

    def items(self, binding: str) -> claims.Comparison:
        """The items a comparison binding compares, its universes (``@countries``) this study's."""
        return claims.comparison_items(binding, lambda name: claims.universe(name, self.project))

    def value(self, name: str, code: str) -> Any:
        """The recorded value ``name`` of report ``code``.

        Raises:
            LookupError: no such value (or its analysis failed).
            Withheld: the value is withheld (it is never computed, nor judged).
        """
        key = f"{name}@{code}"
        if key not in self.values:
            failed = self.failures.get(f"{name.split('.', 1)[0]}@{code}")
            raise LookupError(f"analysis {name.split('.', 1)[0]} failed ({failed})" if failed
                              else f"no recorded value {key}")
        value = self.values[key]
        if value is WITHHELD:
            raise Withheld(key)
        if key in self.records:
            self.shown.setdefault("values", {})[key] = self.records[key]
        return value

    def show_mask(self, mask: Any) -> None:
        """Note a mask whose numbers the claim being judged shows: its cells go to the audit."""
        self.shown.setdefault("masks", {})[mask.universe] = mask

    def show_count(self, what: str, place: str, count: int, out_of: int) -> None:
        """Note a count of participants the claim being judged shows, with what it is out of."""
        self.shown.setdefault("counts", []).append((what, place, count, out_of))

    @property
    def survey(self):
        """The validated survey, read once."""
        if "survey" not in self._cache:
            from .report import survey_data  # the loader (and cache) the report sections use

            self._cache["survey"] = survey_data(str(self.data_path) if self.data_path else None, None, self.project)
        return self._cache["survey"]

    @property
    def codebook(self) -> qualitative.Codebook:
        """The theme codebook, read once."""
        # Loaded once: count_target would otherwise read and validate it for every claim.
        if "codebook" not in self._cache:
            self._cache["codebook"] = qualitative.load_codebook(project=self.project)
        return self._cache["codebook"]

    @property
    def participants(self) -> pd.DataFrame:
        """The conversation participants, read once."""
        if "participants" not in self._cache:
            source = qualitative.participants_source(self.conversations_path)
            self._cache["participants"] = qualitative.load_participants(source, codebook=self.codebook,
                                                                        project=self.project)
        return self._cache["participants"]

    @property
    def conversations(self) -> pd.DataFrame:
        """The coded conversation segments, read once."""
        if "conversations" not in self._cache:
            self._cache["conversations"] = qualitative.load_conversations(
                self.conversations_path, codebook=self.codebook, participants=self.participants, project=self.project)
        return self._cache["conversations"]

    @property
    def counts(self) -> dict[str, qualitative_counts.CountTarget]:
        """The printed conversation counts by id, read once."""
        if "counts" not in self._cache:
            self._cache["counts"] = {t.id: t for t in qualitative_counts.load_counts(codebook=self.codebook,
                                                                              project=self.project)}
        return self._cache["counts"]

