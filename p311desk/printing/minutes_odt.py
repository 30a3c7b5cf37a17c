"""The minutes as an OpenDocument text (ODT) with the same content as the PDF, for the secretary
to complete and sign in LibreOffice: headings, paragraphs and tables are real ODF structure
(not a picture of a page), in named styles the secretary can restyle."""

from __future__ import annotations

from odf.dc import Title as DcTitle
from odf.opendocument import OpenDocumentText
from odf.style import (
    FontFace,
    ParagraphProperties,
    Style,
    TableCellProperties,
    TableColumnProperties,
    TableProperties,
    TextProperties,
)
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import H, P

from p311desk.printing.minutes import Minutes
from p311desk.printing.template import Job

FONT_NAME = "DejaVu Sans"


def _styles(doc: OpenDocumentText) -> dict[str, Style]:
    doc.fontfacedecls.addElement(FontFace(name=FONT_NAME, fontfamily=FONT_NAME, fontfamilygeneric="swiss"))
    out: dict[str, Style] = {}

    def para(name: str, size: str, bold: bool = False, color: str = "#000000", before: str = "0cm",
             after: str = "0.15cm", family: str = "paragraph") -> Style:
        st = Style(name=name, family=family)
        st.addElement(TextProperties(fontname=FONT_NAME, fontsize=size, color=color,
                                     fontweight="bold" if bold else "normal"))
        st.addElement(ParagraphProperties(margintop=before, marginbottom=after))
        doc.styles.addElement(st)
        out[name] = st
        return st

    para("Minutes Title", "17pt", True, "#1f3b57", after="0.3cm")
    para("Minutes Heading", "13pt", True, "#1f3b57", before="0.4cm")
    para("Minutes Body", "10pt")
    para("Minutes Small", "8.5pt", color="#4d4d4d")
    para("Minutes Code", "9pt")
    para("Minutes Cell", "9pt", after="0cm")
    para("Minutes Cell Bold", "9pt", True, after="0cm")
    def style(key: str, name: str, family: str, props, automatic: bool = True) -> None:
        st = Style(name=name, family=family)
        st.addElement(props)
        (doc.automaticstyles if automatic else doc.styles).addElement(st)
        out[key] = st

    style("Minutes Header Cell", "Minutes Header Cell", "paragraph",
          TextProperties(fontname=FONT_NAME, fontsize="8.5pt", fontweight="bold", color="#ffffff"), automatic=False)
    style("table", "MinutesTable", "table", TableProperties(width="17cm", align="left"))
    style("cell", "MinutesCell", "table-cell", TableCellProperties(padding="0.08cm", borderbottom="0.3pt solid #999999"))
    style("hcell", "MinutesHeadCell", "table-cell", TableCellProperties(padding="0.08cm", backgroundcolor="#1f3b57"))
    style("sign", "MinutesSignCell", "table-cell", TableCellProperties(padding="0.1cm", border="0.5pt solid #808080"))
    return out


def _row(values: list, cell_style: Style, para_style) -> TableRow:
    tr = TableRow()
    for i, v in enumerate(values):
        tc = TableCell(stylename=cell_style, valuetype="string")
        tc.addElement(P(stylename=para_style(i), text=str(v)))
        tr.addElement(tc)
    return tr


def _table(doc, st, header: list[str], rows: list[list[str]], widths: list[float], name: str,
           header_style: str = "Minutes Header Cell", head_cell: str = "hcell",
           cell_style: str = "cell", first_bold: bool = False) -> Table:
    t = Table(name=name, stylename=st["table"])
    for i, frac in enumerate(widths):
        col = Style(name=f"{name}.C{i}", family="table-column")
        col.addElement(TableColumnProperties(columnwidth=f"{17 * frac:.2f}cm"))
        doc.automaticstyles.addElement(col)
        t.addElement(TableColumn(stylename=col))
    if header:
        t.addElement(_row(header, st[head_cell], lambda _i: st[header_style]))
    for r in rows:
        t.addElement(_row(r, st[cell_style],
                          lambda i: st["Minutes Cell Bold" if first_bold and i == 0 else "Minutes Cell"]))
    return t


def write(minutes: Minutes, job: Job, target) -> None:
    doc = OpenDocumentText()
    st = _styles(doc)
    doc.meta.addElement(DcTitle(text=minutes.title))
    tables = 0
    for b in minutes.blocks:
        if b.kind == "title":
            doc.text.addElement(H(outlinelevel=1, stylename=st["Minutes Title"], text=b.text))
        elif b.kind == "h":
            doc.text.addElement(H(outlinelevel=2, stylename=st["Minutes Heading"], text=b.text))
        elif b.kind == "h3":
            doc.text.addElement(H(outlinelevel=3, stylename=st["Minutes Cell Bold"], text=b.text))
        elif b.kind in ("p", "small", "code"):
            name = {"p": "Minutes Body", "small": "Minutes Small", "code": "Minutes Code"}[b.kind]
            doc.text.addElement(P(stylename=st[name], text=b.text))
        elif b.kind == "facts":
            tables += 1
            doc.text.addElement(_table(doc, st, [], b.rows, [0.28, 0.72], f"Table{tables}", first_bold=True))
        elif b.kind == "table":
            tables += 1
            doc.text.addElement(_table(doc, st, b.header, b.rows, b.widths, f"Table{tables}"))
            doc.text.addElement(P(stylename=st["Minutes Body"], text=""))
        elif b.kind == "signatures":
            tables += 1
            blank = [["\n\n\n" for _h in b.header]]
            doc.text.addElement(_table(doc, st, b.header, [], [1 / len(b.header)] * len(b.header),
                                       f"Table{tables}", header_style="Minutes Cell Bold", head_cell="cell"))
            sign = _table(doc, st, [], blank, [1 / len(b.header)] * len(b.header), f"Table{tables}b",
                          cell_style="sign")
            doc.text.addElement(sign)
    if hasattr(target, "write"):
        doc.write(target)
    else:
        doc.save(str(target))
