"""The executive summary, built from the values the section runs recorded.

Purpose
    Reads ``values.json`` of every section run of one report, formats each value in the
    house style and fills the sentences of ``params/summary.yml``. A finding whose value is
    missing or suppressed for this report is dropped (and listed), never guessed.

Inputs
    The report's folder (``outputs/<REPORT>/sections``), its country code and place name, and
    optionally the report's translator (headings and sentence templates are looked up in the
    language's catalogue before they are filled).

Outputs
    ``[(heading, [sentence, ...]), ...]`` and the number of values used.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import fmt
from .study import read_yaml, repo_root

ROOT = repo_root()


def load_values(sections_dir: Path) -> list[dict[str, Any]]:
    """Every recorded value of one report's section runs (missing sections are skipped)."""
    values: list[dict[str, Any]] = []
    for path in sorted(Path(sections_dir).glob("*/values.json")):
        values.extend(json.loads(path.read_text(encoding="utf-8")))
    return values


def format_value(name: str, value: Any) -> str:
    """A recorded value as the narrative shows it (percent, mean, count)."""
    if name.endswith(".pct"):
        return fmt.fmt_pct(value)
    if name.endswith(".mean"):
        return fmt.fmt_number(value, 0)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def value_table(values: list[dict[str, Any]], country: str) -> dict[str, str]:
    """Name -> formatted value for the report's own country; name@ALL for the pooled value."""
    table: dict[str, str] = {}
    for item in values:
        if item.get("value") is None or item.get("suppressed"):
            continue
        text = format_value(item["name"], item["value"])
        if item.get("country") == country:
            table.setdefault(item["name"], text)
        # The synthesis's own values are also its all-country values.
        table.setdefault(f"{item['name']}@{item.get('country')}", text)
    return table


def key_findings(sections_dir: Path, country: str, place: str, spec_path: Path | None = None,
                 translate: Callable[[str], str] | None = None) -> tuple[list[tuple[str, list[str]]], int]:
    """Fill the summary's sentences; drop those whose values are not available.

    ``translate`` maps an English heading or template to the report's language (the
    placeholders stay the same); without it the English of ``params/summary.yml`` is used.
    """
    tr = translate or (lambda text: text)
    spec = read_yaml(Path(spec_path or ROOT / "params" / "summary.yml"))
    table = value_table(load_values(sections_dir), country)
    used = 0
    out: list[tuple[str, list[str]]] = []
    for block in spec:
        sentences = []
        for template in block["findings"]:
            names = [field[len("v["):-1] for _, field, _, _ in string.Formatter().parse(template)
                     if field and field.startswith("v[")]
            if all(name in table for name in names):
                sentences.append(tr(template).format(v=table, place=place))
                used += len(names)
        if sentences:
            out.append((tr(block["heading"]), sentences))
    return out, used
