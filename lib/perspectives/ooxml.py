"""Office Open XML containers (``.xlsx``, ``.docx``) written so that equal content gives equal bytes.

Purpose
    openpyxl and python-docx write a zip whose members carry the time of writing (and
    openpyxl stamps the save time into ``docProps/core.xml``). :func:`normalise_zip` rewrites
    such a zip with members in name order, fixed times and permissions, and the fixed
    modification date, so that the instrument workbook and the Word reports are pure
    functions of their content.

Inputs / Outputs
    The bytes of a zip container; the bytes of the normalised container.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

__all__ = ["FIXED_TIME", "normalise_zip"]

# The date every generated container states: the study's survey launch.
FIXED_TIME = datetime(2021, 4, 1, 0, 0, 0)


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed member timestamps so that equal content gives equal bytes.

    Args:
        data: a zip container (an Office Open XML file).

    Returns:
        The same members, in name order, deflated, dated :data:`FIXED_TIME`, mode 0644.

    Raises:
        zipfile.BadZipFile: ``data`` is not a zip.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in sorted(source.infolist(), key=lambda item: item.filename):
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into `modified` whatever the workbook says: the
                # file is dated as created (a report's publication date), else the fixed time.
                created = re.search(rb"<dcterms:created[^>]*>([^<]*)</dcterms:created>", content)
                when = created.group(1) if created else FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 lambda m, when=when: m.group(1) + when + m.group(2), content)
            target.writestr(fixed, content)
    return out.getvalue()
