"""The Albanian edition quotes in three styles on one page.

Albania's report in Albanian prints „Shifër e fshehur” (low-high), “Të 6 vendet” (English
style) and «26-50%» (guillemets) within a few lines of each other: page 17, the note under
Tabela 6 reads "„26-89% (nëntotal)” është nëntotal: mbledh «26-50%» dhe «51-89%»", and the
definitions on page 5 read "Kolona ose figura me titullin “Të 6 vendet”". A published report
keeps one style. The source is ``params/i18n/sq.yml``: its translations open quotations with
„ (22 entries), “ (13 entries) and « (1 entry, the template for every quoted label).

The expected value comes from the catalogue itself: the opening marks its translations use.
"""

from __future__ import annotations

import yaml

from perspectives.study import repo_root

OPENERS = "„“«"


def _outside_guillemets(text: str) -> str:
    """The text with every «…» span removed (nesting counted), so what is left is top level."""
    depth, kept = 0, []
    for char in text:
        if char == "«":
            depth += 1
        elif char == "»":
            depth = max(depth - 1, 0)
        elif depth == 0:
            kept.append(char)
    return "".join(kept)


def test_the_albanian_catalogue_quotes_in_one_style() -> None:
    """One primary style («…»); the curly pair only as the secondary quote inside it."""
    catalogue = yaml.safe_load((repo_root() / "params" / "i18n" / "sq.yml").read_text(encoding="utf-8"))
    top_level: dict[str, list[str]] = {}
    for english, entry in catalogue.items():
        if english.startswith("‘"):
            continue  # the secondary quote's own template, printed only inside a primary quote
        # An entry is {text, review}, or plural forms {one, other, ..., review}.
        text = " ".join(str(v) for k, v in entry.items() if k != "review") if isinstance(entry, dict) else str(entry)
        for mark in OPENERS:
            if mark in _outside_guillemets(text) and mark != "«":
                top_level.setdefault(mark, []).append(english)
    assert "«" in "".join(str(e) for e in catalogue.values()), "the catalogue quotes nothing: the test would check nothing"
    assert not top_level, {mark: (len(keys), keys[:2]) for mark, keys in top_level.items()}
