"""A small writer of tagged PDF (PDF/UA-1) for the verantwoording (infra/reports/pdf.py lays the report out).

- **Fonts.** DejaVu Sans, regular and bold (in fonts/, with their licence), embedded as subsets:
  Type 0 fonts with Identity-H encoding and a ToUnicode map, so that text can be selected, copied, searched and
  read aloud. A subset holds Latin-1 and the punctuation a report uses, plus any other character of the document
  the font has; it is made once per process and set of extra characters (fontTools), then reused. A character
  the fonts lack is drawn as "?".
- **Structure.** Every piece of text is marked content of one structure element (`Document`, `H1`, `H2`, `L` /
  `LI` / `Lbl` / `LBody`, `Table` / `THead` / `TBody` / `TFoot` / `TR` / `TH` / `TD`); rules, backgrounds, the
  page footers and a table header repeated on a following page are artifacts. The catalog has the structure tree
  with its parent tree, `/Lang`, `/MarkInfo`, the title shown as the window's title, outlines of the headings and
  XMP metadata naming PDF/UA-1.
- **Nothing is fetched** and nothing depends on the clock: the same report gives the same bytes.

pydyf numbers the objects and writes the file (cross-reference stream, compressed object streams)."""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import pydyf

FONTS = Path(__file__).parent / "fonts"  # DejaVu Sans 2.37, with its licence (fonts/README.md)
FONT_FILES = {False: FONTS / "DejaVuSans.ttf", True: FONTS / "DejaVuSans-Bold.ttf"}
# in every subset, so that nearly every report shares one per process: Latin-1 and the usual punctuation
BASE_CHARS = frozenset(
    [chr(c) for c in range(0x20, 0x7F)] + [chr(c) for c in range(0xA0, 0x100)] + list("–—‘’‚“”„…•€≤≥×−")
)
_KEPT_SUBSETS = 16
# the subsetter logs each table at INFO (in the workers' logs)
logging.getLogger("fontTools").setLevel(logging.WARNING)


class Face:
    """One TrueType font: advance widths of every character it has, and its subsets."""

    def __init__(self, path: Path) -> None:
        from fontTools.ttLib import TTFont  # imported when a PDF is made: a web process may never make one

        self.raw = path.read_bytes()
        font = TTFont(io.BytesIO(self.raw), lazy=True)
        units = font["head"].unitsPerEm
        hmtx = font["hmtx"].metrics
        self.advance = {chr(cp): hmtx[g][0] * 1000 / units for cp, g in font.getBestCmap().items()}
        self.ascent = font["hhea"].ascent * 1000 / units
        self.descent = font["hhea"].descent * 1000 / units  # negative
        head = font["head"]
        self.bbox = [round(v * 1000 / units) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
        self.cap_height = round(getattr(font["OS/2"], "sCapHeight", 0) * 1000 / units) or round(self.ascent)
        self.postscript_name = font["name"].getDebugName(6) or path.stem
        self.digest = hashlib.sha256(self.raw).hexdigest()[:16]
        self._subsets: dict[frozenset[str], Subset] = {}
        self._lock = threading.Lock()

    def width(self, text: str, size: float) -> float:
        """Width in points of cleaned text at a size (no kerning: nor does the layout assume it)."""
        advance = self.advance
        return sum(advance[c] for c in text) * size / 1000

    def subset(self, chars: set[str]) -> Subset:
        extra = frozenset(chars - BASE_CHARS)
        with self._lock:
            found = self._subsets.get(extra)
            if found is None:
                found = Subset(self, (BASE_CHARS | extra) & self.advance.keys())
                if len(self._subsets) >= _KEPT_SUBSETS:
                    self._subsets.pop(next(iter(self._subsets)))
                self._subsets[extra] = found
            return found


class Subset:
    """The glyphs of a set of characters, as a font program (deflated), widths and a ToUnicode map."""

    def __init__(self, face: Face, chars: frozenset[str]) -> None:
        from fontTools import subset as ft_subset
        from fontTools.ttLib import TTFont

        options = ft_subset.Options()
        options.layout_features = []
        options.hinting = False
        options.notdef_outline = True
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM", "BASE", "MATH"]
        font = TTFont(io.BytesIO(face.raw))
        subsetter = ft_subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(map(ord, chars)))
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        program = out.getvalue()
        order = font.getGlyphOrder()
        gid = {g: i for i, g in enumerate(order)}
        units = font["head"].unitsPerEm
        hmtx = font["hmtx"].metrics
        self.widths = [round(hmtx[g][0] * 1000 / units) for g in order]
        self.hex: dict[str, str] = {}
        to_unicode: dict[int, str] = {}
        for cp, g in sorted(font.getBestCmap().items()):
            self.hex[chr(cp)] = f"{gid[g]:04X}"
            to_unicode.setdefault(gid[g], chr(cp))  # a glyph shared by two characters reads as the first
        self.length1 = len(program)
        self.program = zlib.compress(program, 6)
        self.to_unicode = zlib.compress(_cmap(to_unicode), 6)
        tag = hashlib.sha256(("".join(sorted(chars)) + face.digest).encode()).digest()
        self.name = "".join(chr(65 + b % 26) for b in tag[:6]) + "+" + face.postscript_name

    def encode(self, text: str) -> bytes:
        return ("<" + "".join(map(self.hex.__getitem__, text)) + ">").encode()


def _cmap(to_unicode: dict[int, str]) -> bytes:
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    items = sorted(to_unicode.items())
    for start in range(0, len(items), 100):
        chunk = items[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{g:04X}> <{c.encode('utf-16-be').hex().upper()}>" for g, c in chunk]
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode()


@cache
def face(bold: bool) -> Face:
    return Face(FONT_FILES[bold])


@cache
def _drawable() -> frozenset[str]:
    return frozenset(face(False).advance.keys() & face(True).advance.keys())


def clean(text: str) -> str:
    """Text as it is drawn: composed (NFC), white space as spaces, no control characters, "?" for a character
    that either font lacks."""
    if text.isascii() and text.isprintable():
        return text
    drawable = _drawable()
    return "".join(
        " " if c.isspace() else c if c in drawable else "?"
        for c in unicodedata.normalize("NFC", text)
        if unicodedata.category(c) != "Cc" or c.isspace()
    )


@dataclass
class Element:
    """A structure element; a leaf holds the marked content of one page."""

    kind: str
    parent: Element | None
    attributes: dict[str, str] = field(
        default_factory=dict
    )  # table attributes (a TH's Scope); names as values
    kids: list[Element] = field(default_factory=list)
    page: int | None = None
    mcid: int | None = None
    obj: pydyf.Dictionary | None = None


@dataclass
class Page:
    number: int
    graphics: list[str] = field(default_factory=list)  # rules and backgrounds: one artifact under the text
    content: list[bytes | tuple[bool, str] | str] = field(default_factory=list)
    leaves: list[Element] = field(default_factory=list)  # by MCID


@dataclass
class Heading:
    title: str
    level: int
    page: int
    top: float  # distance from the page's top edge, in points


class Document:
    """Pages of marked text and artifacts, and the structure tree over them. Coordinates are points from the
    page's bottom left, as in PDF."""

    def __init__(self, size: tuple[float, float], lang: str) -> None:
        self.size = size
        self.lang = lang
        self.pages: list[Page] = []
        self.root = Element("Document", None)
        self.headings: list[Heading] = []
        self.used: dict[bool, set[str]] = {False: set(), True: set()}

    def new_page(self) -> Page:
        self.pages.append(Page(len(self.pages)))
        return self.pages[-1]

    def element(self, kind: str, parent: Element | None = None, **attributes: str) -> Element:
        e = Element(kind, parent or self.root, attributes)
        e.parent.kids.append(e)  # type: ignore[union-attr]
        return e

    def text(
        self, page: Page, runs: list[tuple[float, float, str, bool, float, float]]
    ) -> list[bytes | tuple | str]:
        """Drawing operators of text runs (x, y, cleaned text, bold, size, grey); the characters are noted for the
        font subsets, the glyphs encoded when the file is written."""
        ops: list[bytes | tuple | str] = []
        current = None
        for x, y, text, bold, size, grey in runs:
            if not text:
                continue
            self.used[bold].update(text)
            if current != (bold, size, grey):
                current = (bold, size, grey)
                ops.append(f"/F{int(bold)} {size:g} Tf {grey:.3f} g ")
            ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm ")
            ops.append((bold, text))
            ops.append(" Tj\n")
        return ["BT\n", *ops, "ET\n"] if ops else []

    def mark(self, page: Page, element: Element, ops: list[bytes | tuple | str]) -> None:
        """Text of a leaf element on a page, as one marked-content sequence."""
        if not ops:
            return
        element.page, element.mcid = page.number, len(page.leaves)
        page.leaves.append(element)
        page.content += [f"/{element.kind} <</MCID {element.mcid}>> BDC\n", *ops, "EMC\n"]

    def artifact(self, page: Page, ops: list[bytes | tuple | str], subtype: str = "") -> None:
        """Text that is part of the page, not of the document: a footer, a table header repeated on a new page."""
        sub = f" /Subtype /{subtype}" if subtype else ""
        page.content += [f"/Artifact <</Type /Pagination{sub}>> BDC\n", *ops, "EMC\n"]

    def heading(self, title: str, level: int, page: Page, top: float) -> None:
        self.headings.append(Heading(title, level, page.number, top))

    # -- writing ------------------------------------------------------------------------------------------------

    def write(self, title: str, author: str, subject: str) -> bytes:
        pdf = pydyf.PDF()
        subsets = {bold: face(bold).subset(chars) for bold, chars in self.used.items()}
        fonts = pydyf.Dictionary(
            {f"F{int(bold)}": self._font(pdf, s, bold).reference for bold, s in subsets.items()}
        )
        resources = pydyf.Dictionary({"Font": fonts})
        pdf.add_object(resources)
        tree_root = pydyf.Dictionary({"Type": "/StructTreeRoot"})
        pdf.add_object(tree_root)
        page_objs = []
        for page in self.pages:
            body = (
                [b"/Artifact BMC\n", *(g.encode() for g in page.graphics), b"EMC\n"] if page.graphics else []
            )
            for op in page.content:
                if isinstance(op, tuple):
                    body.append(subsets[op[0]].encode(op[1]))
                else:
                    body.append(op if isinstance(op, bytes) else op.encode())
            stream = pydyf.Stream([zlib.compress(b"".join(body), 6)], {"Filter": "/FlateDecode"})
            pdf.add_object(stream)
            obj = pydyf.Dictionary(
                {
                    "Type": "/Page",
                    "Parent": pdf.pages.reference,
                    "MediaBox": pydyf.Array([0, 0, *self.size]),
                    "Contents": stream.reference,
                    "Resources": resources.reference,
                    "StructParents": page.number,
                    "Tabs": "/S",
                }
            )
            pdf.add_page(obj)
            page_objs.append(obj)
        self._structure(pdf, self.root, tree_root, page_objs)
        nums = pydyf.Array()
        for page in self.pages:
            nums += [page.number, pydyf.Array([e.obj.reference for e in page.leaves])]  # type: ignore[union-attr]
        parent_tree = pydyf.Dictionary({"Nums": nums})
        pdf.add_object(parent_tree)
        tree_root.update(
            {
                "K": self.root.obj.reference,
                "ParentTree": parent_tree.reference,
                "ParentTreeNextKey": len(self.pages),
            }  # type: ignore[union-attr]
        )
        metadata = pydyf.Stream([_xmp(title, author, subject)], {"Type": "/Metadata", "Subtype": "/XML"})
        pdf.add_object(metadata)
        pdf.catalog.update(
            {
                "Lang": pydyf.String(self.lang),
                "MarkInfo": pydyf.Dictionary({"Marked": "true"}),
                "StructTreeRoot": tree_root.reference,
                "ViewerPreferences": pydyf.Dictionary({"DisplayDocTitle": "true"}),
                "Metadata": metadata.reference,
            }
        )
        if self.headings:
            pdf.catalog["Outlines"] = self._outlines(pdf, page_objs).reference
            pdf.catalog["PageMode"] = "/UseOutlines"
        pdf.info.update(
            {
                "Title": pydyf.String(title),
                "Author": pydyf.String(author),
                "Subject": pydyf.String(subject),
                "Producer": pydyf.String("IDO-registratie"),
            }
        )
        out = io.BytesIO()
        pdf.write(out, version=b"1.7", identifier=True, compress=True)
        return out.getvalue()

    def _font(self, pdf: pydyf.PDF, s: Subset, bold: bool) -> pydyf.Dictionary:
        f = face(bold)
        program = pydyf.Stream([s.program], {"Filter": "/FlateDecode", "Length1": s.length1})
        to_unicode = pydyf.Stream([s.to_unicode], {"Filter": "/FlateDecode"})
        pdf.add_object(program)
        pdf.add_object(to_unicode)
        descriptor = pydyf.Dictionary(
            {
                "Type": "/FontDescriptor",
                "FontName": "/" + s.name,
                "Flags": 32,
                "FontBBox": pydyf.Array(f.bbox),
                "ItalicAngle": 0,
                "Ascent": round(f.ascent),
                "Descent": round(f.descent),
                "CapHeight": f.cap_height,
                "StemV": 140 if bold else 80,
                "FontFile2": program.reference,
            }
        )
        pdf.add_object(descriptor)
        cid = pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/CIDFontType2",
                "BaseFont": "/" + s.name,
                "CIDSystemInfo": pydyf.Dictionary(
                    {"Registry": pydyf.String("Adobe"), "Ordering": pydyf.String("Identity"), "Supplement": 0}
                ),
                "FontDescriptor": descriptor.reference,
                "W": pydyf.Array([0, pydyf.Array(s.widths)]),
                "CIDToGIDMap": "/Identity",
            }
        )
        pdf.add_object(cid)
        font = pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/Type0",
                "BaseFont": "/" + s.name,
                "Encoding": "/Identity-H",
                "DescendantFonts": pydyf.Array([cid.reference]),
                "ToUnicode": to_unicode.reference,
            }
        )
        pdf.add_object(font)
        return font

    def _structure(self, pdf: pydyf.PDF, e: Element, parent: pydyf.Dictionary, pages: list) -> None:
        e.obj = pydyf.Dictionary({"Type": "/StructElem", "S": "/" + e.kind, "P": parent.reference})
        if e.attributes:
            e.obj["A"] = pydyf.Dictionary({"O": "/Table", **{k: "/" + v for k, v in e.attributes.items()}})
        pdf.add_object(e.obj)
        if e.mcid is not None:
            e.obj["Pg"] = pages[e.page].reference  # type: ignore[index]
            e.obj["K"] = e.mcid
        elif e.kids:
            for kid in e.kids:
                self._structure(pdf, kid, e.obj, pages)
            e.obj["K"] = pydyf.Array([kid.obj.reference for kid in e.kids])  # type: ignore[union-attr]

    def _outlines(self, pdf: pydyf.PDF, pages: list) -> pydyf.Dictionary:
        """The headings as bookmarks: level 2 under the level 1 before it."""
        root = pydyf.Dictionary({"Type": "/Outlines"})
        pdf.add_object(root)
        tops: list[pydyf.Dictionary] = []
        kids: dict[int, list[pydyf.Dictionary]] = {}
        for h in self.headings:
            item = pydyf.Dictionary(
                {
                    "Title": pydyf.String(h.title),
                    "Dest": pydyf.Array(
                        [pages[h.page].reference, "/XYZ", 0, round(self.size[1] - h.top, 2), 0]
                    ),
                }
            )
            pdf.add_object(item)
            if h.level == 1 or not tops:
                tops.append(item)
            else:
                kids.setdefault(len(tops) - 1, []).append(item)
        _link(root, tops)
        for i, items in kids.items():
            _link(tops[i], items)
        root["Count"] = len(tops) + sum(map(len, kids.values()))
        return root


def _link(parent: pydyf.Dictionary, items: list[pydyf.Dictionary]) -> None:
    for i, item in enumerate(items):
        item["Parent"] = parent.reference
        if i:
            item["Prev"] = items[i - 1].reference
        if i + 1 < len(items):
            item["Next"] = items[i + 1].reference
    if items:
        parent["First"], parent["Last"] = items[0].reference, items[-1].reference
        if "Type" not in parent:
            parent["Count"] = len(items)


def _xmp(title: str, author: str, subject: str) -> bytes:
    t, a, s = (escape(v, {'"': "&quot;"}) for v in (title, author, subject))
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" pdf:Producer="IDO-registratie"/>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{t}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{a}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{s}</rdf:li></rdf:Alt></dc:description>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>""".encode()
