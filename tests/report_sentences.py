"""The sentences a reader meets in a built report, for the tests that read them (issue 26).

A sentence is the text of a paragraph, list item, caption or summary of the report's HTML,
cut after each full stop, question or exclamation mark followed by a space. Headings and
table cells are left out: a numbered heading ("3. Train the staff") and a cell are no
sentences.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import html as lxml_html

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
BLOCKS = ("p", "li", "figcaption", "caption", "summary")


def blocks(report: Path) -> list[str]:
    """The text of each paragraph, list item, caption and summary of a built ``report.html``."""
    root = lxml_html.fromstring(Path(report).read_bytes())
    for bad in root.iter("style", "script"):
        bad.drop_tree()
    return [" ".join(" ".join(e.itertext()).split()) for e in root.iter(*BLOCKS)]


def sentences(report: Path) -> list[str]:
    """Every sentence of a built ``report.html``."""
    return [s for text in blocks(report) for s in SENTENCE_END.split(text) if s]


def opening_on_a_digit(report: Path) -> list[str]:
    """The sentences of a built report that open on a numeral ("72% of workers ...")."""
    return [s for s in sentences(report) if s[:1].isdigit()]


def recorded(folder: Path, name: str) -> int | None:
    """A count the report's methods section recorded (``values.json``), or None where withheld."""
    import json

    values = json.loads((Path(folder) / "sections" / "methods" / "values.json").read_text(encoding="utf-8"))
    return next((v["value"] for v in values if v["name"] == name), None)


def flow_told(folder: Path) -> list[str]:
    """The paragraphs of a built report that tell the flow of responses: received, analysed and left out."""
    counts = [recorded(folder, f"sample.{name}.n") for name in ("responses", "eligible", "partial")]
    numbers = [f"{n:,}" for n in counts if n is not None]
    root = lxml_html.fromstring((Path(folder) / "report.html").read_bytes())
    texts = [" ".join(" ".join(e.itertext()).split()) for e in root.iter("p", "li")]
    return [t for t in texts if all(re.search(rf"(?<![\d,.]){re.escape(n)}(?![\d,])", t) for n in numbers)]


# A statistic a report may print, and the words its definitions must then hold for a reader who
# never met one: the symbol itself, and what its numbers in parentheses are.
STATISTICS = {
    "chi-square": (re.compile(r"χ²\(\d+\)"), ["χ²", "chi-square", "degrees of freedom"]),
    "F": (re.compile(r"\bF\(\d+, \d+\)"), ["F ", "analysis of variance", "degrees of freedom"]),
    "p": (re.compile(r"\bp [<=>] \.\d+"), ["p-value", "p < .001"]),
    "Cramér's V": (re.compile(r"Cramér|\bV = "), ["Cramér"]),
    "interval": (re.compile(r"\bCI\b|confidence interval", re.IGNORECASE), ["confidence interval"]),
}


def definitions(report: Path) -> str:
    """The text of a built English report's Definitions and Methods chapters."""
    root = lxml_html.fromstring(Path(report).read_bytes())
    out, inside = [], False
    for e in root.iter("h1", "h2", "p", "li"):
        text = " ".join(" ".join(e.itertext()).split())
        if e.tag == "h1":
            inside = text in ("Definitions", "Methods")
        elif inside:
            out.append(text)
    return " ".join(out)


def unexplained_statistics(report: Path) -> dict[str, list[str]]:
    """The statistics a built English report prints whose explanation its definitions or methods lack."""
    root = lxml_html.fromstring(Path(report).read_bytes())
    printed = " ".join(" ".join(e.itertext()) for e in root.iter("p", "td", "li", "figcaption", "caption"))
    said = definitions(report)
    return {name: [w for w in words if w not in said] for name, (pattern, words) in STATISTICS.items()
            if pattern.search(printed) and any(w not in said for w in words)}


# What each verbal quantifier of the summary may say of a share printed beside it, written here by
# hand from the fractions' values (not read from params/report_texts.yml): the nearest simple
# fraction, never a looser one ("more than half" of 70% misleads; 70% is "more than two thirds").
# Percent as printed (whole numbers): a bound is widened by half a point for the rounding.
QUANTIFIER_RANGES = {
    "none of": (0, 0), "less than a tenth of": (0, 10), "fewer than a fifth of": (10, 20),
    "about a quarter of": (20, 30), "about a third of": (30, 38.3), "fewer than half of": (38.3, 45),
    "about half of": (45, 55), "more than half of": (50, 66.7), "more than two thirds of": (66.7, 75),
    "a large majority of": (75, 90), "almost all of": (90, 100),
}
_QUANTIFIED = re.compile(r"\b(" + "|".join(sorted(QUANTIFIER_RANGES, key=len, reverse=True)) + r")\b([^()]*?)\((\d+)%")


def quantifier_disagreements(report: Path) -> tuple[list[str], int]:
    """The sentences of a built English report whose verbal quantifier misstates the share beside it, and how many were checked."""
    wrong, checked = [], 0
    for sentence in sentences(report):
        for phrase, _, pct in _QUANTIFIED.findall(sentence.lower()):
            low, high = QUANTIFIER_RANGES[phrase]
            checked += 1
            if not low - 0.5 <= int(pct) <= high + 0.5:
                wrong.append(sentence)
    return wrong, checked


def _drawn(alt: str, rows: set[str]) -> set[str]:
    """The rows of a chart's table that its alternative text lists as drawn ("Yes: Moldova 46%", "31 to 40 41%")."""
    return {row for row in rows if re.search(r"(?:^|[.,:] )" + re.escape(row) + r"(?=: | \d+%| withheld)", alt)}


def subtotal_name(row: str) -> str:
    """A table row's answer as a chart and a sentence name it: a subtotal row ("No or don't know (combined)") by its answer.

    The marker is the report's own (``SUBTOTAL_LABEL``); the chart's text and the sentence name the
    combined answer without it, so that a part's label inside it ("don't know") is not taken for the part.
    """
    from perspectives.report_display import SUBTOTAL_LABEL

    before, _, after = SUBTOTAL_LABEL.partition("{label}")
    found = re.fullmatch(re.escape(before) + "(.+)" + re.escape(after), row)
    return found.group(1) if found else row


def named_categories(sentence: str, rows: set[str]) -> set[str]:
    """The rows a sentence names with a share right after ("no (35%"), a longer label before a shorter one inside it."""
    said, named = sentence.lower(), set()
    for row in sorted(rows, key=len, reverse=True):
        if f"{row.lower()} (" in said:
            named.add(row)
            said = said.replace(f"{row.lower()} (", "\0(")
    return named


def categories_not_drawn(report: Path) -> tuple[list[tuple[str, str]], int]:
    """Categories a sentence names with their share right before a chart that does not draw them.

    The sentence is the paragraph just before the chart; its categories are the rows of the
    chart's data table that it names followed by their share ("no (35%)"); the chart's are those
    its alternative text lists. Returns the (category, sentence) pairs found, and how many charts
    were checked.
    """
    root = lxml_html.fromstring(Path(report).read_bytes())
    wrong, checked, last = [], 0, ""
    for e in root.iter("p", "figure"):
        if e.tag == "p":
            last = " ".join(" ".join(e.itertext()).split())
            continue
        img = next(e.iter("img"), None)
        details = e.getnext()
        if img is None or details is None or details.tag != "details":
            continue
        rows = {subtotal_name(" ".join(" ".join(th.itertext()).split()))
                for th in details.iter("th") if th.get("scope") == "row"}
        drawn = _drawn(img.get("alt", ""), rows)
        if not drawn:
            continue
        checked += 1
        wrong += [(row, last) for row in sorted(named_categories(last, rows) - drawn)]
    return wrong, checked


def chapter(report: Path, number: int = 0) -> str:
    """The text of a built report's chapter (``number``-th level-one heading whose text follows) up to the next one."""
    root = lxml_html.fromstring(Path(report).read_bytes())
    for bad in root.iter("style", "script"):
        bad.drop_tree()
    out, seen = [], -1
    for e in root.iter("h1", "h2", "h3", "p", "li"):
        if e.tag == "h1":
            seen += 1
        elif seen == number:
            out.append(" ".join(" ".join(e.itertext()).split()))
    return " ".join(out)


def summary_text(report: Path, heading: str = "Executive summary") -> str:
    """The text of a built report's chapter headed ``heading`` (in the report's language)."""
    root = lxml_html.fromstring(Path(report).read_bytes())
    titles = [" ".join(" ".join(h.itertext()).split()) for h in root.iter("h1")]
    return chapter(report, titles.index(heading)) if heading in titles else ""


def labels_pasted(report: Path, labels: set[str]) -> list[tuple[str, str]]:
    """Form labels written as a form writes them inside a sentence: capitalised after its first word.

    ``labels``: answer and theme labels as the form and the codebook write them (names, such as
    the countries', left out by the caller). A label whose first word is an acronym (its capital
    kept by the one rule, :func:`perspectives.summary.inside_sentence`) is left out. A label quoted
    whole is cited as a name, as printed ("the theme “Complaint withdrawn”", a table's note on its
    rows "it adds up “41 to 50” and “Over 50”"), and is not pasted; a label inside a longer quotation,
    or run into the sentence, is.
    Returns (label, sentence) pairs.
    """
    from perspectives.summary import inside_sentence

    found = []
    pasted = [label for label in labels if len(label.split()) >= 2 and inside_sentence(label) != label]
    for sentence in sentences(report):
        for label in pasted:
            at = sentence.find(label)
            while at > 0:
                end = at + len(label)
                cited = sentence[at - 1] in "\u201c\u201e\u00ab" and sentence[end:end + 1] in ("\u201d", "\u201c", "\u00bb")
                # a label opening a sentence after a one-word lead-in ("Evidence: Knew of ...") opens it
                if not cited and not re.fullmatch(r"\w+: ", sentence[:at]):
                    found.append((label, sentence))
                at = sentence.find(label, at + 1)
    return found
