"""``perspectives codebook``: the theme codebook as a REFI-QDA codebook (.qdc), for coders' tools.

Purpose
    ``export FILE.qdc`` writes ``data/codebook.yml``'s themes as a REFI-QDA codebook that
    NVivo, ATLAS.ti, MAXQDA and QualCoder import, so that coders start from our codes
    (:func:`perspectives.refiqda_codebook.write_codebook` says what it holds). ``check FILE`` reads a
    partner's codebook (``.qdc``) or the codebook of a coded project (``.qdpx``) and names how
    it differs from ours: themes missing, codes we do not have, themes renamed or moved.

Inputs
    ``data/codebook.yml``, ``params/code_mapping.yml`` (names a partner's project declares as
    ours), the partner's file.

Outputs
    ``export``: the ``.qdc`` file (written atomically; two exports are the same bytes).
    ``check``: the differences on stdout (one JSON document with ``--json``). Exit codes: 0 the
    same codebook (or the file written), 1 differences found, 2 a file that cannot be read or
    written (the message says why, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import qualitative, refiqda, refiqda_codebook
from .files import write_atomic
from .hints import command, shown_path
from .project import Project, default

__all__ = ["check", "export", "main"]

EXIT_SAME, EXIT_DIFFERENT, EXIT_UNREADABLE = 0, 1, 2


def export(path: Path | str, codebook: qualitative.Codebook | None = None, project: Project | None = None) -> Path:
    """Write the theme codebook to ``path`` as a REFI-QDA ``.qdc``; returns the path.

    ``project``: the study folder whose codebook it is (default: the one around the working directory).
    """
    path = Path(path)
    project = default(project)
    book = codebook if codebook is not None else qualitative.load_codebook(project=project)
    write_atomic(path, refiqda_codebook.write_codebook(book, project=project))
    return path


def check(path: Path | str, codebook: qualitative.Codebook | None = None,
          project: Project | None = None) -> dict[str, Any]:
    """Compare a partner's codebook (``.qdc``) or a project's (``.qdpx``) with ours (``project``'s; see :func:`export`).

    Returns:
        ``file``, ``codes`` (how many codes the file holds), ``differences`` (each a dict of
        ``kind``, ``code``, ``detail``; see :class:`perspectives.refiqda_codebook.Difference`).

    Raises:
        refiqda.ProjectError: the file is not a readable REFI-QDA codebook or project.
    """
    path = Path(path)
    codebook = codebook if codebook is not None else qualitative.load_codebook(project=project)
    theirs = refiqda_codebook.read_codebook(path)
    mapping = refiqda.load_code_mapping(codes=codebook.codes, project=project) \
        if path.suffix.lower() == ".qdpx" else {}
    differences = refiqda_codebook.compare_codebook(codebook, theirs, mapping)
    return {"file": path.name, "codes": len(theirs),
            "differences": [{"kind": d.kind, "code": d.code, "detail": d.detail} for d in differences]}


def render(result: dict[str, Any], project: Project | None = None) -> str:
    """The comparison as text: one line per difference, grouped by kind (``project``: the study folder compared)."""
    lines = [f"perspectives codebook check: {result['file']} ({result['codes']} codes)"]
    differences = result["differences"]
    if not differences:
        lines.append("Same themes, names and nesting as data/codebook.yml.")
        return "\n".join(lines)
    for kind, title in (("missing", "Missing (ours, not theirs)"), ("extra", "Extra (theirs, not ours)"),
                        ("renamed", "Renamed"), ("moved", "Moved")):
        items = [d for d in differences if d["kind"] == kind]
        if items:
            lines += ["", f"{title}: {len(items)}", *(f"  {d['detail']}" for d in items)]
    lines += ["", "Fix: import our codebook (written by the command below) and rename, move or remove codes in the "
                  "tool to match, or declare a partner's name for one of our codes in params/code_mapping.yml.",
              f"  {command('codebook', 'export', 'themes.qdc', project=project.root if project else None)}"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, project: Project | None = None) -> int:
    """``perspectives codebook export FILE.qdc`` or ``perspectives codebook check FILE [--json]`` (of ``project``)."""
    parser = argparse.ArgumentParser(prog="perspectives codebook",
                                     description="The theme codebook as a REFI-QDA codebook (.qdc).")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    out = sub.add_parser("export", help="write data/codebook.yml as a REFI-QDA codebook (.qdc)")
    out.add_argument("path", type=Path, metavar="FILE.qdc")
    chk = sub.add_parser("check", help="name how a partner's .qdc (or a project's .qdpx codebook) differs from ours")
    chk.add_argument("path", type=Path, metavar="FILE")
    chk.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    project = default(project)
    try:
        if args.action == "export":
            if args.path.suffix.lower() != ".qdc":
                print(f"perspectives codebook export: {args.path.name}: name the file FILE.qdc, the extension coding "
                      f"tools look for: {command('codebook', 'export', args.path.with_suffix('.qdc'), project=project.root)}",
                      file=sys.stderr)
                return EXIT_UNREADABLE
            written = export(args.path, project=project)
            print(f"wrote {shown_path(written)}: {len(qualitative.load_codebook(project=project).codes)} themes "
                  "(import it as a "
                  "REFI-QDA codebook in NVivo, ATLAS.ti, MAXQDA or QualCoder)")
            return EXIT_SAME
        result = check(args.path, project=project)
    except (refiqda.ProjectError, qualitative.QualitativeDataError, OSError) as exc:
        print(f"perspectives codebook {args.action}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(json.dumps(result, indent=1, ensure_ascii=False) if args.json else render(result, project))
    return EXIT_DIFFERENT if result["differences"] else EXIT_SAME


if __name__ == "__main__":
    raise SystemExit(main())
