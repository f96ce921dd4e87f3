"""A figure saved as PNG (and SVG) bytes that equal inputs make equal, drawn once.

Purpose
    :func:`save` writes a chart of :mod:`perspectives.figures` reproducibly: the figure is
    drawn once on an enlarged canvas and cut to where its ink is, instead of matplotlib's
    tight box, which draws every text twice; the PNG carries no timestamp or software name.
    Kept apart from the chart shapes because it knows nothing of them: only pixels, the
    axes' areas and the file formats.

Inputs
    A matplotlib figure, a folder and a file stem, the formats asked for.

Outputs
    ``stem.png`` (and ``stem.svg``) written, and the PNG bytes for display.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.transforms import Bbox, offset_copy  # noqa: E402
from PIL import Image  # noqa: E402

# Room drawn around the figure so that labels and legends reaching past its edge are still
# on the canvas when the tight box is cut out (inches: left for wrapped labels, then others).
MARGIN_LEFT, MARGIN_OTHER = 5.0, 1.5
# zlib levels 1-3 use its fast strategy: on these flat-coloured charts it is about a third
# faster than the default level 6, for files within a few per cent of the same size.
PNG_COMPRESS_LEVEL = 3


def save(fig: plt.Figure, folder: Path, stem: str, formats: Sequence[str] = ("png",)) -> bytes:
    """Write ``stem.png`` (and ``stem.svg`` if asked) reproducibly; return the PNG bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    png = folder / f"{stem}.png"
    data, bbox = _png_of_tight_box(fig)
    png.write_bytes(data)
    if "svg" in formats:
        fig.savefig(folder / f"{stem}.svg", bbox_inches=bbox, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return data


def _png_of_tight_box(fig: plt.Figure) -> tuple[bytes, Bbox]:
    """The figure's tight box as PNG bytes, drawn once; and that box (inches).

    ``savefig(bbox_inches="tight")`` measures every text to find the box, then draws again;
    drawing text is most of a figure's cost. Here the figure is drawn once, on a canvas
    enlarged around it (the axes keep their size), and the box is where the ink is: the
    pixels that differ from the background and every axes' area, plus ``savefig.pad_inches``.
    A figure whose ink comes closer to the enlarged canvas's edge than that padding is saved
    the usual way.
    """
    dpi = plt.rcParams["savefig.dpi"]
    pad = plt.rcParams["savefig.pad_inches"]
    _place_axis_labels(fig)
    width, height = fig.get_size_inches()
    big_w, big_h = width + MARGIN_LEFT + MARGIN_OTHER, height + 2 * MARGIN_OTHER
    for ax in fig.axes:
        x0, y0, w, h = ax.get_position().bounds
        ax.set_position([(x0 * width + MARGIN_LEFT) / big_w, (y0 * height + MARGIN_OTHER) / big_h,
                         w * width / big_w, h * height / big_h])
    fig.set_size_inches(big_w, big_h)
    fig.set_dpi(dpi)
    canvas = fig.canvas
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())
    rows, cols = pixels.shape[:2]
    margin = int(round(pad * dpi))
    ink = _ink_box(pixels)
    if ink is not None:
        # An axes is part of the figure even where nothing is drawn in it (a heatmap column
        # whose cells are all withheld): the box takes in every axes' area.
        for ax in fig.axes:
            extent = ax.get_window_extent()  # pixels, origin bottom-left; no text layout
            ink = (min(ink[0], int(np.floor(extent.x0))), min(ink[1], int(np.floor(rows - extent.y1))),
                   max(ink[2], int(np.ceil(extent.x1))), max(ink[3], int(np.ceil(rows - extent.y0))))
    if (ink is None or ink[0] < margin or ink[1] < margin or ink[2] > cols - margin
            or ink[3] > rows - margin):
        box = fig.get_tightbbox(canvas.get_renderer()).padded(pad)
        out = io.BytesIO()
        fig.savefig(out, format="png", bbox_inches=box, metadata={"Software": None})
        return out.getvalue(), box
    left, top, right, bottom = ink[0] - margin, ink[1] - margin, ink[2] + margin, ink[3] + margin
    # Every chart is as wide as the figure, labels included: its width is one size for all
    # (the ink sets only the height). A chart whose ink spills past the figure keeps it all.
    own_left, own_right = int(round(MARGIN_LEFT * dpi)), int(round((MARGIN_LEFT + width) * dpi))
    if own_left <= ink[0] and ink[2] <= own_right:
        left, right = own_left, own_right
    crop = pixels[top:bottom, left:right]
    # An opaque figure needs no alpha channel: a quarter less to compress here and for the
    # PDF printer, which re-encodes every image and adds a mask for an alpha channel.
    if (crop[..., 3] == 255).all():
        crop = crop[..., :3]
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(crop)).save(out, format="png", dpi=(dpi, dpi),
                                                     compress_level=PNG_COMPRESS_LEVEL)
    # In inches from the figure's bottom-left corner, as savefig's bbox_inches (for an SVG).
    height_px = fig.bbox.height
    box = Bbox.from_extents(left / dpi, (height_px - bottom) / dpi, right / dpi, (height_px - top) / dpi)
    return out.getvalue(), box


def _ink_box(pixels: np.ndarray) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) pixel bounds of what differs from the background, or None.

    The background is the colour of the canvas's border, which the enlarged canvas leaves
    empty. A border that is not one colour (a frame drawn round the figure, ink reaching the
    edge) or a blank canvas gives None: the caller then measures the box the usual way.
    """
    packed = np.ascontiguousarray(pixels).view(np.uint32)[..., 0]
    background = packed[0, 0]
    border = (packed[0, :], packed[-1, :], packed[:, 0], packed[:, -1])
    if any((edge != background).any() for edge in border):
        return None
    ink = packed != background
    ink_rows, ink_cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not len(ink_rows):
        return None
    return int(ink_cols[0]), int(ink_rows[0]), int(ink_cols[-1]) + 1, int(ink_rows[-1]) + 1


def _place_axis_labels(fig: plt.Figure) -> None:
    """Put axis labels at a fixed place, so that drawing does not measure every tick label.

    An empty label needs no place. A bottom x label goes just below one line of tick labels,
    which is what matplotlib's own placement gives for these horizontal bar charts.
    """
    tick_text = FontProperties(size=plt.rcParams["xtick.labelsize"]).get_size_in_points()
    below_ticks = (plt.rcParams["xtick.major.size"] + plt.rcParams["xtick.major.pad"] + 1.25 * tick_text + 2)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.label.get_text():
                axis.set_label_coords(0.5, 0.5)
        label = ax.xaxis.label
        if (label.get_text() and ax.xaxis.get_label_position() == "bottom"
                and all(t.get_rotation() == 0 for t in ax.get_xticklabels())):
            ax.xaxis.set_label_coords(0.5, 0.0, transform=offset_copy(ax.transAxes, fig=fig, y=-below_ticks,
                                                                      units="points"))
