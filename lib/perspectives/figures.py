"""Figures in one house style, saved so that equal inputs give equal bytes.

Purpose
    A few chart shapes cover every figure the reports regenerate: horizontal bars of
    shares (optionally a country beside the six-country picture), stacked shares by group,
    grouped bars for two populations, and a heatmap of counts. Every figure is drawn from
    values that already passed disclosure control (hidden cells arrive as NaN and are not
    drawn) and carries the place it was computed for in its title.

Inputs
    Tidy frames of percentages (already suppressed) and labels.

Outputs
    PNG files (and SVG copies when ``build.figure_formats`` in ``params/study.yml`` asks)
    with no timestamps or random ids (matplotlib metadata removed, a fixed SVG hash salt),
    and the PNG bytes for display.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

PALETTE = ["#2f5d8a", "#e08a3c", "#6a9f58", "#b5525c", "#8a6fb0", "#c9a13b", "#5aa6b5", "#7f7f7f"]
sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
plt.rcParams.update({
    "svg.hashsalt": "perspectives",  # SVG element ids are otherwise random
    "svg.fonttype": "none",
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "font.family": "DejaVu Sans",
})


def save(fig: plt.Figure, folder: Path, stem: str, formats: Sequence[str] = ("png",)) -> bytes:
    """Write ``stem.png`` (and ``stem.svg`` if asked) reproducibly; return the PNG bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    png = folder / f"{stem}.png"
    # The tight box is computed once for all files: bbox_inches="tight" would draw the whole
    # figure an extra time per file, which was a large share of a section run.
    bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
    fig.savefig(png, bbox_inches=bbox, metadata={"Software": None})
    if "svg" in formats:
        fig.savefig(folder / f"{stem}.svg", bbox_inches=bbox, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return png.read_bytes()


def _height(n_rows: int, n_hue: int = 1) -> float:
    return max(2.2, 0.38 * n_rows * max(1, n_hue) ** 0.6 + 1.0)


def share_bars(shares: pd.DataFrame, title: str, xlabel: str = "Share of respondents (%)") -> plt.Figure:
    """Horizontal bars; ``shares`` has one row per category and one column per place."""
    # Plain grouped bars: the values are already estimates, so seaborn's barplot (which
    # re-aggregates a long frame and lays out its categorical axis) would only add cost.
    n_rows, n_places = shares.shape
    fig, ax = plt.subplots(figsize=(7.5, _height(n_rows, n_places)))
    positions = np.arange(n_rows, dtype=float)
    height = 0.8 / n_places
    for i, place in enumerate(shares.columns):
        values = shares[place].to_numpy(dtype=float)
        bars = ax.barh(positions - 0.4 + height * (i + 0.5), values, height=height,
                       color=PALETTE[i % len(PALETTE)], label=str(place))
        # Withheld shares arrive as NaN: no bar and no label (not "nan%").
        ax.bar_label(bars, labels=["" if np.isnan(v) else f"{v:.0f}%" for v in values], padding=2, fontsize=8)
    ax.set_yticks(positions, [str(c) for c in shares.index])
    ax.set_ylim(n_rows - 0.5, -0.5)  # first category on top
    ax.yaxis.grid(False)
    ax.set_xlim(0, 105)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_title(title, fontsize=11, loc="left")
    if n_places > 1:
        ax.legend(title="", loc="lower right", fontsize=8)
    return fig


def stacked_shares(shares: pd.DataFrame, title: str) -> plt.Figure:
    """100% stacked horizontal bars: one bar per group (row), one segment per category (column)."""
    fig, ax = plt.subplots(figsize=(7.5, _height(len(shares))))
    left = pd.Series(0.0, index=shares.index)
    for i, column in enumerate(shares.columns):
        values = shares[column].fillna(0.0)
        ax.barh(shares.index.astype(str), values, left=left, color=PALETTE[i % len(PALETTE)], label=str(column))
        for y, (start, width) in enumerate(zip(left, values, strict=True)):
            if width >= 6:
                ax.text(start + width / 2, y, f"{width:.0f}%", ha="center", va="center", fontsize=7, color="white")
        left = left + values
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel("Share of respondents (%)")
    ax.set_title(title, fontsize=11, loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=min(4, shares.shape[1]), fontsize=8, frameon=False)
    return fig


def mean_bars(means: pd.Series, title: str, xlabel: str) -> plt.Figure:
    """Horizontal bars of group means (e.g. a slider's mean by country)."""
    fig, ax = plt.subplots(figsize=(7.5, _height(len(means))))
    ax.barh(means.index.astype(str), means.to_numpy(), color=PALETTE[0])
    for y, value in enumerate(means.to_numpy()):
        if pd.notna(value):
            ax.text(value + 1, y, f"{value:.0f}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=11, loc="left")
    return fig


def heatmap(counts: pd.DataFrame, title: str) -> plt.Figure:
    """Annotated heatmap of counts (themes by country); NaN cells are left blank."""
    fig, ax = plt.subplots(figsize=(7.5, _height(len(counts))))
    sns.heatmap(counts.astype(float), annot=True, fmt=".0f", cmap="Blues", cbar=False, ax=ax, linewidths=0.5)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(title, fontsize=11, loc="left")
    return fig
