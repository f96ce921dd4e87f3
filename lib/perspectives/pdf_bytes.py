"""What is done to the PDF Chromium prints: the same bytes every time, and tagged for PDF/UA.

Purpose
    Chromium stamps the print's dates, a document id and its renderer's node numbers into
    every PDF; :func:`normalise` replaces them by fixed values of the same length, so the same
    HTML gives the same bytes.

    The PDF is tagged for assistive technology: Chromium writes the structure tree from the
    page's accessibility tree (headings, lists, tables with their header cells and scopes,
    an image's ``alt`` as its Figure's ``/Alt``) and the bookmarks from the headings
    (``generateTaggedPDF``, ``generateDocumentOutline``). :func:`make_accessible` then adds
    what Chromium does not write, with pikepdf: the XMP metadata stream (``dc:title``,
    ``dc:language``, ``pdfuaid:part``), and it turns the Figure Chromium makes of an HTML
    ``<figure>`` around an image into a ``/Div``, so that each chart is one Figure with its
    ``/Alt`` (a Figure without ``/Alt`` around it would hide the caption from a screen reader
    or be read as a second, undescribed figure). The changes are appended to Chromium's bytes
    as an incremental update (a few milliseconds; rewriting the file took a tenth of a second
    a report) with no timestamp of their own, so the bytes stay reproducible.

    Kept apart from :mod:`perspectives.pdf`, which drives the browser, because this works on
    a PDF's bytes alone (pikepdf, no browser).

Inputs
    The bytes of a PDF Chromium printed.

Outputs
    The PDF's bytes, reproducible (:func:`normalise`) and tagged as PDF/UA asks
    (:func:`make_accessible`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

FIXED_PDF_DATE = b"D:20210401000000"
# The PDF/UA part the XMP metadata declares (ISO 14289-1).
PDFUA_PART = "1"


def normalise(pdf: bytes) -> bytes:
    """Fix the creation/modification dates and the /ID so that equal HTML gives equal bytes.

    Replacements keep every byte length, so the cross-reference offsets stay valid.
    """
    def date(m: re.Match[bytes]) -> bytes:
        value = m.group(2)
        # Keep the time-zone tail as written: only the date and time digits change.
        fixed = FIXED_PDF_DATE + value[len(FIXED_PDF_DATE):] if len(value) >= len(FIXED_PDF_DATE) else value
        return m.group(1) + fixed + m.group(3)

    pdf = re.sub(rb"(/(?:CreationDate|ModDate)\s*\()([^)]*)(\))", date, pdf)
    pdf = _renumber_nodes(pdf)
    return re.sub(rb"(/ID\s*\[\s*<)([0-9A-Fa-f]+)(>\s*<)([0-9A-Fa-f]+)(>)",
                  lambda m: m.group(1) + b"0" * len(m.group(2)) + m.group(3) + b"0" * len(m.group(4))
                  + m.group(5), pdf)


# The structure tree (tagged PDF) names elements after the renderer's DOM node ids, which
# count every node made in the browser's renderer process: two reports printed in tabs at
# once interleave their counts, and the same report gets other numbers from build to build.
_NODE_ID = re.compile(rb"node(\d{8})")


def _renumber_nodes(pdf: bytes) -> bytes:
    """Number the structure elements' ids 0, 1, 2... in the order the renderer made them.

    The ids are only keys of the PDF's ``/IDTree`` (a sorted name tree): a renumbering that
    keeps their order and their length (eight digits) keeps the tree valid and every byte
    offset in place.
    """
    ids = sorted(set(_NODE_ID.findall(pdf)))
    if len(ids) > 10**8:
        raise RuntimeError("more structure elements than eight-digit ids can number")
    rank = {old: b"%08d" % i for i, old in enumerate(ids)}
    return _NODE_ID.sub(lambda m: b"node" + rank[m.group(1)], pdf)


def make_accessible(pdf: bytes, info: Mapping[str, str] | None = None) -> bytes:
    """Add to a tagged PDF from Chromium what PDF/UA asks for and Chromium does not write.

    * The document information the report states (``info``, from :func:`document_info`): its
      author, the program that wrote it (in place of the browser's user agent) and its
      publication date (in place of the fixed print date).
    * XMP metadata: the document information (title, author, dates, producer, creator) as XMP,
      ``dc:language`` from the catalogue's ``/Lang`` and the PDF/UA identification
      (``pdfuaid:part``).
    * One Figure per chart: a ``/Figure`` element with no ``/Alt`` whose children include a
      ``/Figure`` with ``/Alt`` (HTML's ``<figure>`` around an ``<img alt>``) becomes a
      ``/Div``; the image's own Figure keeps its ``/Alt`` and the caption stays readable.
    * The catalogue says the file is tagged (``/MarkInfo``) and that viewers show the
      document's title, not its file name (``DisplayDocTitle``).

    The changed objects (the catalogue, the renamed elements, the new metadata stream) are
    appended as an incremental update, which leaves Chromium's bytes as they are and costs a
    few milliseconds; rewriting the whole file cost a tenth of a second a report. A PDF not
    laid out as Chromium writes it (no classic cross-reference table) is rewritten whole by
    qpdf instead, with a content-derived ``/ID``.

    Args:
        pdf: a PDF Chromium printed (after :func:`normalise`).
        info: document information entries to set (``/Author``, ``/Creator``,
            ``/CreationDate``...), as :func:`document_info` reads them from the report's HTML.

    Returns:
        The PDF's bytes; no timestamp of this step is added, so the same input gives the same
        bytes.

    Raises:
        pikepdf.PdfError: ``pdf`` is not a readable PDF.
    """
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root
        changed = []
        for element in _figure_wrappers(document, pdf):
            element.S = pikepdf.Name.Div
            changed.append(element)
        mark = root.get("/MarkInfo")
        if mark is None or not mark.get("/Marked"):
            root.MarkInfo = pikepdf.Dictionary(Marked=True)
        preferences = root.get("/ViewerPreferences")
        if preferences is None:
            root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        elif not preferences.get("/DisplayDocTitle"):
            preferences.DisplayDocTitle = True
            if preferences.is_indirect:
                changed.append(preferences)
        if info:
            changed.extend(_set_info(document, info))
        xmp = _xmp_packet(document)
        previous = _classic_xref(pdf)
        if previous is None:
            metadata = document.make_indirect(pikepdf.Stream(document, xmp))
            metadata.Type, metadata.Subtype = pikepdf.Name.Metadata, pikepdf.Name.XML
            root.Metadata = metadata
            out = io.BytesIO()
            document.save(out, deterministic_id=True)
            return out.getvalue()
        # The metadata stream takes the next free object number. (pikepdf's make_indirect
        # would find one too, but by loading every object of the file: most of this step's time.)
        number = int(document.trailer.Size)
        if "/Metadata" in root:
            del root.Metadata
        catalog = root.unparse(resolved=True)
        catalog = catalog[:catalog.rindex(b">>")] + b"/Metadata %d 0 R >>" % number
        objects = [(*root.objgen, catalog), *((*obj.objgen, obj.unparse(resolved=True)) for obj in changed),
                   (number, 0, b"<< /Length %d /Subtype /XML /Type /Metadata >>\nstream\n%s\nendstream"
                    % (len(xmp), xmp))]
        return pdf + _incremental_update(len(pdf), previous, document.trailer, objects)


def _set_info(document: Any, info: Mapping[str, str]) -> list[Any]:
    """Set ``info`` in ``document``'s information dictionary; the changed object, if it is one."""
    import pikepdf

    docinfo = document.docinfo
    for key, value in sorted(info.items()):
        docinfo[pikepdf.Name(key)] = pikepdf.String(value)
    if docinfo.is_indirect:
        return [docinfo]
    document.trailer.Info = document.make_indirect(docinfo)
    return []


# A structure element of type Figure as Chromium (Skia) writes it, and the object header just
# before it. (Searched for in two steps: a pattern that starts with the digits of an object
# number is tried at every digit of the file's binary streams, fifty times slower.)
_FIGURE_ELEMENT = re.compile(rb"<</Type /StructElem\s*/S /Figure\b")
_OBJECT_HEADER = re.compile(rb"(\d+) (\d+) obj\s*$")
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def _figure_wrappers(document: Any, pdf: bytes) -> list[Any]:
    """The ``/Figure`` elements without ``/Alt`` that hold a ``/Figure`` with ``/Alt``.

    Candidates are found in the bytes (Chromium writes each element as a plain object), so
    that a report's thousands of elements need not be walked one by one in Python; a PDF whose
    elements are not found that way is walked.
    """
    import pikepdf

    figure = pikepdf.Name.Figure
    candidates = []
    for found in _FIGURE_ELEMENT.finditer(pdf):
        header = _OBJECT_HEADER.search(pdf, max(0, found.start() - 32), found.start())
        if header:
            candidates.append(document.get_object(int(header.group(1)), int(header.group(2))))
    if not candidates and "/StructTreeRoot" in document.Root:
        candidates = _struct_elements_of(document.Root.StructTreeRoot, figure)
    wrappers = []
    for element in candidates:
        kids = element.get("/K")
        children = [k for k in (kids if isinstance(kids, pikepdf.Array) else [kids])
                    if isinstance(k, pikepdf.Dictionary)]
        if element.get("/S") == figure and "/Alt" not in element and any(
                k.get("/S") == figure and "/Alt" in k for k in children):
            wrappers.append(element)
    return wrappers


def _struct_elements_of(tree: Any, kind: Any) -> list[Any]:
    """Every structure element of type ``kind`` under ``tree`` (iteratively: trees are deep)."""
    import pikepdf

    found, pending = [], [tree]
    while pending:
        element = pending.pop()
        if element.get("/S") == kind:
            found.append(element)
        kids = element.get("/K")
        pending.extend(k for k in (kids if isinstance(kids, pikepdf.Array) else [kids])
                       if isinstance(k, pikepdf.Dictionary) and "/S" in k)
    return found


def _classic_xref(pdf: bytes) -> int | None:
    """The offset of the PDF's last cross-reference table, or None.

    If it ends otherwise (a cross-reference stream, or no ``startxref``).
    """
    found = _STARTXREF.search(pdf[-64:])
    if not found:
        return None
    offset = int(found.group(1))
    return offset if pdf[offset:offset + 4] == b"xref" else None


def _incremental_update(size: int, previous: int, trailer: Any, objects: list[tuple[int, int, bytes]]) -> bytes:
    """The bytes appended to a PDF of ``size`` bytes to replace or add ``objects``.

    Each object (number, generation, its serialised value) is written under its number, then
    a cross-reference section for them alone and a trailer pointing back to the previous one
    (ISO 32000-1, 7.5.6: an incremental update).
    """
    out = bytearray(b"\n")
    offsets: dict[int, tuple[int, int]] = {}
    for number, generation, value in objects:
        offsets[number] = (size + len(out), generation)
        out += b"%d %d obj\n%s\nendobj\n" % (number, generation, value)
    xref = size + len(out)
    out += b"xref\n"
    for number in sorted(offsets):
        offset, generation = offsets[number]
        out += b"%d 1\n%010d %05d n \n" % (number, offset, generation)
    trailer.Size = max(int(trailer.Size), max(offsets) + 1)
    trailer.Prev = previous
    out += b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (trailer.unparse(resolved=True), xref)
    return bytes(out)


_PDF_DATE = re.compile(r"D:(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?(?:(Z)|([+-])(\d\d)'?(\d\d)?'?)?")


def _xmp_date(value: str) -> str | None:
    """A PDF date (``D:20210401000000+00'00'``) as an XMP date (``2021-04-01T00:00:00+00:00``)."""
    found = _PDF_DATE.match(value)
    if not found:
        return None
    year, month, day, hour, minute, second, zulu, sign, tz_hour, tz_minute = found.groups()
    if hour is None:
        # A date given as a year, or a year and month, keeps its precision (XMP allows it).
        return "-".join(part for part in (year, month, day) if part)
    zone = "Z" if zulu else (f"{sign}{tz_hour}:{tz_minute or '00'}" if sign else "")
    return (f"{year}-{month}-{day}T{hour}:{minute or '00'}:{second or '00'}{zone}")


def _xmp_packet(document: Any) -> bytes:
    """The XMP metadata of ``document``.

    Its information dictionary as XMP, its language and the PDF/UA identification. Written out here
    (a few lines of fixed XML) rather than through pikepdf's metadata editor, which took longer than
    the rest of this step.
    """
    from xml.sax.saxutils import escape

    info = document.docinfo if "/Info" in document.trailer else {}
    text = {key: str(info[key]) for key in ("/Title", "/Author", "/Producer", "/Creator", "/CreationDate",
                                            "/ModDate") if key in info}
    fields = []
    if "/Title" in text:
        fields.append('<dc:title><rdf:Alt><rdf:li xml:lang="x-default">'
                      f"{escape(text['/Title'])}</rdf:li></rdf:Alt></dc:title>")
    if "/Author" in text:
        fields.append(f"<dc:creator><rdf:Seq><rdf:li>{escape(text['/Author'])}</rdf:li></rdf:Seq></dc:creator>")
    if "/Lang" in document.Root:
        fields.append(f"<dc:language><rdf:Bag><rdf:li>{escape(str(document.Root.Lang))}</rdf:li></rdf:Bag>"
                      "</dc:language>")
    fields.append("<dc:format>application/pdf</dc:format>")
    if "/Producer" in text:
        fields.append(f"<pdf:Producer>{escape(text['/Producer'])}</pdf:Producer>")
    if "/Creator" in text:
        fields.append(f"<xmp:CreatorTool>{escape(text['/Creator'])}</xmp:CreatorTool>")
    for key, name in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
        date = _xmp_date(text.get(key, ""))
        if date:
            fields.append(f"<{name}>{date}</{name}>")
    fields.append(f"<pdfuaid:part>{PDFUA_PART}</pdfuaid:part>")
    body = "\n".join(f"   {field}" for field in fields)
    packet = ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
              '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
              ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
              '  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
              ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
              ' xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\n'
              f"{body}\n"
              "  </rdf:Description>\n"
              " </rdf:RDF>\n"
              "</x:xmpmeta>\n"
              '<?xpacket end="w"?>')
    return packet.encode("utf-8")


class _HeadMeta(HTMLParser):
    """The ``<meta name content>`` pairs of an HTML page's head (its body is not read)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.done = True
        elif tag == "meta" and not self.done:
            named = dict(attrs)
            if named.get("name") and named.get("content") is not None:
                self.meta.setdefault(str(named["name"]).lower(), str(named["content"]))


_ISSUED = re.compile(r"(\d{4})(?:-(\d\d))?(?:-(\d\d))?")


def document_info(html: bytes) -> dict[str, str]:
    """The PDF document information a report's HTML states in its head.

    ``author`` gives ``/Author``, ``generator`` ``/Creator`` (the program that wrote the
    report, not the browser that printed it), and ``dcterms.issued`` (``2022``, ``2022-07`` or
    ``2022-07-26``) the ``/CreationDate`` and ``/ModDate`` as a PDF date at the same precision
    (``D:2022``). A page that states none of them gives ``{}`` and the PDF keeps the printer's.

    Args:
        html: the report's HTML (UTF-8).

    Returns:
        Document information key (``/Author``...) -> text.
    """
    head = html.split(b"<body", 1)[0].decode("utf-8", errors="replace")
    parser = _HeadMeta()
    parser.feed(head)
    parser.close()
    meta, info = parser.meta, {}
    if meta.get("author"):
        info["/Author"] = meta["author"]
    if meta.get("generator"):
        info["/Creator"] = meta["generator"]
    issued = _ISSUED.fullmatch(meta.get("dcterms.issued", "").strip())
    if issued:
        date = "D:" + "".join(part for part in issued.groups() if part)
        info["/CreationDate"] = info["/ModDate"] = date
    return info
