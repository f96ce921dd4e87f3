"""The report's annex and back matter: the full tables, how to cite the report, how it was built.

Purpose
    :func:`annex` gives the blocks the assembler adds after the sections (the same blocks in
    HTML, PDF and Word): the full tables behind the figures, the suggested citation and
    licence (:func:`citation`), and the provenance a reader can check (input files with a
    short fingerprint, the code version, the small-cell rule and what it withheld).

Inputs
    The report's :class:`perspectives.texts.Texts` and its provenance record
    (:func:`perspectives.provenance.provenance`).

Outputs
    A list of :class:`Block`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perspectives import locales
from perspectives.fmt import round_half_up
from perspectives.texts import SYNTHETIC_FOLDER, count_text

if TYPE_CHECKING:
    from perspectives.study import Study
    from perspectives.texts import Texts

__all__ = ["FINGERPRINT", "INPUT_ROLES", "Block", "annex", "citation", "synthetic_input"]


def synthetic_input(name: str, sha256: str, study: Study) -> bool:
    """Whether an input file (name and digest, as provenance records it) is one of the study's embedded synthetic files."""
    from perspectives.hashing import sha256_file

    path = study.root / SYNTHETIC_FOLDER / Path(name).name
    return path.is_file() and sha256_file(path) == sha256


# What each input's role is called in the annex's table of input files.
INPUT_ROLES = {"survey": "Survey export", "conversations": "Conversation notes, coded",
               "participants": "Conversation participants", "instrument": "Survey form"}


@dataclass(frozen=True)
class Block:
    """One piece of a part the assembler adds: a heading, a paragraph, a table or the input files.

    ``kind``: ``heading`` (``level``, plain ``text``), ``paragraph`` (Markdown ``text``),
    ``table`` (an annex ``table`` of the outline), ``inputs`` (``rows``: header, then one row per file).
    ``whole`` on a heading: the part it opens (up to the next heading) is short and is printed
    on one page, as a book's colophon is: its last lines never stand alone on the report's
    last page.
    """

    kind: str
    text: str = ""
    level: int = 1
    table: Any = None
    rows: tuple[tuple[str, ...], ...] = ()
    whole: bool = False


def annex(texts: Texts, annex_tables: Iterable[Any], record: Mapping[str, Any] | None) -> list[Block]:
    """The annex: the full tables behind the figures, then how the report was built.

    Args:
        texts: the report's texts (plain or Markdown; headings are plain text either way).
        annex_tables: the outline's annex tables (:attr:`perspectives.outline.Outline.annex`).
        record: the report's provenance (:func:`perspectives.provenance.provenance`), if any.
    """
    tr = texts.tr
    tables = list(annex_tables)
    blocks = [Block("heading", _plain_heading(texts, "annex"), 1)]
    if texts.text("annex.intro"):
        blocks.append(Block("paragraph", texts.text("annex.intro") or ""))
    if tables:
        blocks.append(Block("heading", _plain_heading(texts, "annex_tables"), 2))
        blocks.extend(Block("table", table=t) for t in tables)
    blocks.extend(citation(texts))
    if record is None:
        return blocks
    blocks.append(Block("heading", _plain_heading(texts, "provenance"), 2, whole=True))
    blocks.append(Block("paragraph", texts.text("annex.provenance") or ""))
    # A reader compares a short fingerprint; the full digest is in the manifest (annex.verify).
    header = (tr("Input"), tr("File"), tr("Fingerprint"))
    rows = tuple((tr(INPUT_ROLES.get(i["role"], i["role"].capitalize())), i["file"], i["sha256"][:FINGERPRINT])
                 for i in record.get("inputs", []))
    if rows:
        blocks.append(Block("inputs", rows=(header, *rows)))
    code = record.get("code") or {}
    commit = (code.get("commit") or tr("unknown"))[:12]
    version = tr("perspectives {version} at commit {commit}", version=code.get("version", ""), commit=commit)
    if code.get("uncommitted_changes"):
        version = tr("{version}, with uncommitted changes", version=version)
    cfg = record.get("disclosure") or {}
    lines = [texts.text("annex.code", code_version=version), texts.text("annex.built"),
             texts.fill("Disclosure control: counts below {threshold} withheld; estimates on fewer than "
                        "{reliability_min_n} respondents marked.",
                        threshold=cfg.get("threshold"), reliability_min_n=cfg.get("reliability_min_n")),
             _loss_line(texts, cfg), texts.text("annex.verify")]
    blocks.extend(Block("paragraph", line) for line in lines if line)
    return blocks


# How many characters of a file's SHA-256 digest the report prints (the manifest keeps all 64).
FINGERPRINT = 12


def citation(texts: Texts) -> list[Block]:
    """How to cite the report and the licence it is published under (nothing when the study gives neither).

    The fields come from ``params/study.yml`` through :func:`report_fields` (``citation``,
    ``licence_name``, ``licence_url``).
    """
    blocks = [texts.text("annex.citation") if texts.fields.get("citation") else None,
              texts.text("annex.licence") if texts.fields.get("licence_url") else None]
    said = [Block("paragraph", b) for b in blocks if b]
    return [Block("heading", _plain_heading(texts, "citation"), 2, whole=True), *said] if said else []


def _loss_line(texts: Texts, cfg: dict[str, Any]) -> str | None:
    """What the small-cell rule cost this report: its withheld counts of those it sets out to give."""
    published, withheld = cfg.get("counts_published"), cfg.get("counts_withheld")
    if not published or withheld is None:
        return None
    # Numbers in running text are written as the report's language writes them (17,4 %; 1.123).
    lang = texts.tr.lang
    share = locales.percent_text(round_half_up(100.0 * withheld / published, 1), 1, lang)
    return texts.fill("Withheld under the small-cell rule: {withheld} of the {published} counts this report sets "
                      "out to give ({share}).", withheld=count_text(int(withheld), lang),
                      published=count_text(int(published), lang), share=share)


def _plain_heading(texts: Texts, key: str) -> str:
    return texts.tr(" ".join(str(texts.node(f"headings.{key}")).split()))
