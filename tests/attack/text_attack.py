"""An outsider's reading of the rendered reports: no number in the text that the tables withhold.

Purpose
    The linear attack (``lp_attack``) reads the tables and values; a report also prints
    sentences, alt texts, chart data tables, a Word and a PDF copy. This reader takes the text
    of each (HTML without markup, the alt texts included; ``word/document.xml`` of the Word
    file; ``pdftotext`` of the PDF) and checks every number the text gives as a share or a
    count of respondents against the numbers the same report's tables and values publish:

    - ``p% (n=k)`` and ``p% (k)``: the pair must be a published share with its count;
    - a lone ``p%``: a share some published number of the report rounds to;
    - ``n = k`` / ``(n=k)``, ``of the k workers``: a published count.

    A number the text gives that no published number explains is listed: it may be a withheld
    number reaching the prose. The fidelity page is read too: its notes must not say what a
    withheld number is, nor that it is small.

Inputs
    A build folder; ``pdftotext`` (poppler) for the PDF, when a PDF is there.

Outputs
    :func:`unexplained` (report, form, number, context) and :func:`fidelity_notes`.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

_PAIR = re.compile(r"(\d+(?:\.\d+)?)\s*%†?\s*\((?:n\s*=\s*)?(\d[\d,]*)\)")
_PCT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_N = re.compile(r"\bn\s*=\s*(\d[\d,]*)")
_OF_THE = re.compile(r"\b[Oo]f the (\d[\d,]*) (?:workers|respondents|participants)")


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def report_dirs(root: Path) -> list[Path]:
    """Every report folder (with a report.html) under a build folder, languages included."""
    return sorted(p.parent for p in root.rglob("report.html"))


def published_numbers(report: Path) -> tuple[set[float], set[float], set[tuple[float, float]]]:
    """The counts, shares and (share, count) pairs the report's own tables and values publish."""
    counts: set[float] = set()
    shares: set[float] = set()
    pairs: set[tuple[float, float]] = set()
    sections = report / "sections"
    for path in sections.glob("*/tables/*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
            for label in [*rows[0], *(r[0] for r in rows[1:] if r)]:  # band labels and headings
                for m in re.finditer(r"\d+(?:\.\d+)?", label):
                    shares.add(_num(m.group(0)))
            for row in rows[1:]:
                for cell in row[1:]:
                    for m in _PAIR.finditer(cell):
                        pairs.add((_num(m.group(1)), _num(m.group(2))))
                    for m in _PCT.finditer(cell):
                        shares.add(_num(m.group(1)))
                    for m in re.finditer(r"\d[\d,]*(?:\.\d+)?", cell):
                        counts.add(_num(m.group(0)))
                        shares.add(_num(m.group(0)))  # a "top (%)" column prints shares bare
    for path in sections.glob("*/values.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        loss = {item["name"]: item.get("value") for item in doc if str(item.get("name", "")).startswith("disclosure.counts.")}
        if loss.get("disclosure.counts.published"):  # the colophon's loss line: withheld out of published
            shares.add(round(100.0 * float(loss.get("disclosure.counts.withheld") or 0) / float(loss["disclosure.counts.published"]), 1))
        for item in doc:
            value = item.get("value")
            if value is None or item.get("suppressed") or isinstance(value, (str, bool)):
                continue
            if item.get("measure") == "percent" or str(item.get("name", "")).endswith((".pct", ".mean", "_pct")):
                for d in (0, 1):
                    shares.add(round(float(value), d))
                    shares.add(float(f"{float(value):.{d}f}"))
                n = item.get("n")
                if n is not None:
                    count = round(float(value) * n / 100)
                    pairs.add((float(f"{float(value):.0f}"), float(count)))
                    pairs.add((float(round(float(value))), float(count)))
                    counts.add(float(n))
            else:
                counts.add(float(value))
                if item.get("n") is not None:
                    counts.add(float(item["n"]))
    return counts, shares, pairs


def html_text(path: Path) -> str:
    """The HTML's text and alt texts, without markup."""
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(style|script)\b.*?</\1>", " ", raw, flags=re.S)
    alts = " ".join(html.unescape(a) for a in re.findall(r'\balt="([^"]*)"', raw))
    raw = re.sub(r'src="data:[^"]*"', "", raw)
    text = html.unescape(re.sub(r"<[^>]+>", " ", raw))
    return re.sub(r"\s+", " ", text + " " + alts)


def docx_text(path: Path) -> str:
    """The Word file's body text."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    xml = re.sub(r"</w:p>", "\n", xml)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", xml)))


def pdf_text(path: Path) -> str | None:
    """The PDF's text through pdftotext, or None without it."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    out = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", out)


def texts(report: Path) -> dict[str, str]:
    """Each rendered form of a report present in its folder."""
    found = {"html": html_text(report / "report.html")}
    if (report / "report.docx").exists():
        found["docx"] = docx_text(report / "report.docx")
    if (report / "report.pdf").exists():
        pdf = pdf_text(report / "report.pdf")
        if pdf is not None:
            found["pdf"] = pdf
    return found


def _context(text: str, start: int, end: int) -> str:
    return text[max(0, start - 90):end + 40]


def unexplained(root: Path) -> tuple[list[tuple[str, str, str, str]], int]:
    """Numbers in the rendered text no published number of the same report explains, and how many were read."""
    found: list[tuple[str, str, str, str]] = []
    read = 0
    for report in report_dirs(root):
        counts, shares, pairs = published_numbers(report)
        label = str(report.relative_to(root))
        for form, text in texts(report).items():
            taken: list[tuple[int, int]] = []
            for m in _PAIR.finditer(text):
                read += 1
                taken.append(m.span())
                p, k = _num(m.group(1)), _num(m.group(2))
                if (p, k) not in pairs and not (p in shares and k in counts):
                    found.append((label, form, m.group(0), _context(text, *m.span())))
            for m in _PCT.finditer(text):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                read += 1
                if _num(m.group(1)) not in shares:
                    found.append((label, form, m.group(0), _context(text, *m.span())))
            for rx in (_N, _OF_THE):
                for m in rx.finditer(text):
                    if any(a <= m.start() < b for a, b in taken):
                        continue
                    read += 1
                    if _num(m.group(1)) not in counts:
                        found.append((label, form, m.group(0), _context(text, *m.span())))
    return found, read


_STANDARD = "withheld under the small-cell rule: no value and no verdict are given"
_OURS = re.compile(r"\b(regenerated|synthetic|our data|the build)\b", re.I)
_SAYS = re.compile(r"\b(small|below the|under the small|fewer than|single|no [A-Z][a-z]+ participant|"
                   r"\d+ of (?:the )?\d+)\b", re.I)


def fidelity_notes(root: Path) -> list[tuple[str, str, str]]:
    """Fidelity rows whose value is withheld but whose note speaks of the regenerated number.

    A withheld claim must read "withheld" only: a note saying the regenerated count is small,
    or giving it ("20 of 42 participants"), pins what the page withholds.
    """
    path = root / "fidelity" / "claims.csv"
    if not path.exists():
        return []
    found = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            note = row.get("note", "").replace(_STANDARD, "")
            withheld = "withheld" in (row.get("reproduced", ""), row.get("status", "")) or "withholds" in note
            if withheld and _OURS.search(note) and _SAYS.search(note):
                found.append((row["claim_id"], row.get("reproduced", ""), note))
    return found


def main() -> int:
    """Print what the text attack finds in the build folders given."""
    import sys

    status = 0
    for arg in sys.argv[1:]:
        root = Path(arg)
        found, read = unexplained(root)
        for label, form, number, context in found:
            print(f"UNEXPLAINED {label} {form}: {number!r} in ...{context}...")
        for cid, reproduced, note in fidelity_notes(root):
            status = 1
            print(f"FIDELITY-NOTE {cid} ({reproduced}): {note}")
        print(f"{root}: {read} numbers read in the rendered text; {len(found)} unexplained")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
