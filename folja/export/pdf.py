"""The portfolio as an A4 PDF, set with fpdf2 (pure Python: docs/decisions/0003-pdf-library.md).

Written as the posts arrive, a chunk at a time; photos are printed from their 1280-pixel
rendition at the page's text width, so the file is printable and stays a manageable size.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from PIL import Image

from folja.export.content import PostItem

FONT = "DejaVu"
# Photos are printed at about 150 dpi across the text width (170 mm ≈ 1,000 pixels): sharp on
# paper, and the PDF holds a fraction of the 1280 rendition's bytes (bench/README.md, "export").
PRINT_PIXELS = 1000
PRINT_QUALITY = 80
TEXT_WIDTH_MM = 170
MAX_PHOTO_HEIGHT_MM = 150


def print_jpeg(fp: IO[bytes]) -> io.BytesIO:
    """Return the picture as a JPEG of at most PRINT_PIXELS wide, for the PDF."""
    with Image.open(fp) as picture:
        picture = picture.convert("RGB")
        if picture.width > PRINT_PIXELS:
            height = round(picture.height * PRINT_PIXELS / picture.width)
            picture = picture.resize((PRINT_PIXELS, height), Image.Resampling.BILINEAR, reducing_gap=2.0)
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=PRINT_QUALITY)
    out.seek(0)
    return out


class PortfolioPDF(FPDF):
    """A4 pages with the child's name in the header and "Sida n av N" in the footer."""

    def __init__(self, child_name: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.child_name = child_name
        font_dir = Path(settings.FOLJA_PDF_FONT_DIR)
        self.add_font(FONT, "", str(font_dir / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(font_dir / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(20, 20, 20)
        self.set_title(_("Portfolio för %(name)s") % {"name": child_name})
        self.set_creator("Följa")

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, self.child_name, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 8, _("Sida %(page)s av %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}, align="C")
        self.set_text_color(0, 0, 0)

    # -- building blocks -------------------------------------------------------------------

    def paragraph(self, text: str, size: float = 10.5, style: str = "", height: float = 5.5) -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def cover(self, title: str, period: str, exported: str) -> None:
        self.add_page()
        self.ln(60)
        self.paragraph(title, size=14, height=8)
        self.ln(4)
        self.paragraph(self.child_name, size=28, style="B", height=14)
        self.ln(6)
        self.paragraph(period, size=13, height=7)
        self.ln(40)
        self.paragraph(exported, size=9)

    def section(self, title: str) -> None:
        self.add_page()
        self.paragraph(title, size=18, style="B", height=10)
        self.ln(4)

    def post(self, item: PostItem, labels: dict[str, str]) -> None:
        data = item.data
        if self.get_y() > self.h - 60:
            self.add_page()
        self.paragraph(data["title"], size=13, style="B", height=7)
        meta = " · ".join(x for x in (data["date"], data["unit"], data["group"] or "", data["author"]) if x)
        self.set_text_color(70, 70, 70)
        self.paragraph(meta, size=9)
        if data["children"]:
            self.paragraph(f"{labels['children']}: {', '.join(data['children'])}", size=9)
        self.set_text_color(0, 0, 0)
        if data["text"]:
            self.ln(1)
            self.paragraph(data["text"])
        for media in item.media:
            self._media(media.print_name, media.data, labels)
        if data["goals"]:
            self.ln(1)
            self.paragraph(labels["goals"], size=9, style="B")
            for goal in data["goals"]:
                self.paragraph(f"• {goal['text']}", size=9, height=4.5)
        if data["comments"]:
            self.ln(1)
            self.paragraph(labels["comments"], size=9, style="B")
            for comment in data["comments"]:
                who = comment["author"] or labels["protected"]
                self.paragraph(f"{who}: {comment['text']}", size=9, height=4.5)
        self.ln(3)
        self.set_draw_color(200, 200, 200)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)

    def _media(self, print_name: str | None, data: dict, labels: dict[str, str]) -> None:
        if print_name is None or not data.get("width") or not data.get("height"):
            self.paragraph(f"[{labels['file']}: {data['file']}]", size=9)
            return
        width = TEXT_WIDTH_MM
        height = width * data["height"] / data["width"]
        if height > MAX_PHOTO_HEIGHT_MM:
            height = MAX_PHOTO_HEIGHT_MM
            width = height * data["width"] / data["height"]
        if self.get_y() + height > self.h - 20:
            self.add_page()
        with default_storage.open(print_name, "rb") as fp:
            image = print_jpeg(fp)
        x = self.l_margin + (TEXT_WIDTH_MM - width) / 2
        self.image(image, x=x, w=width, h=height, alt_text=data.get("alt_text") or None)
        if data["kind"] == "video":
            self.paragraph(f"[{labels['film']}: {data['file']}]", size=8)
        self.ln(2)

    def talk(self, talk: dict, labels: dict[str, str]) -> None:
        if self.get_y() > self.h - 60:
            self.add_page()
        self.paragraph(f"{talk['period']} · {talk['unit']}", size=13, style="B", height=7)
        self.paragraph(talk["date"], size=9)
        for part in talk["parts"]:
            self.ln(1)
            self.paragraph(labels[f"part_{part['part']}"], size=10, style="B")
            for row in part["answers"]:
                self.paragraph(row["question"], size=9, style="B", height=4.5)
                self.paragraph(row["answer"] or labels["no_answer"], size=9, height=4.5)
        if talk["agreements"]:
            self.ln(1)
            self.paragraph(labels["agreements"], size=10, style="B")
            for agreement in talk["agreements"]:
                due = f" ({agreement['due_date']})" if agreement["due_date"] else ""
                self.paragraph(f"• {agreement['what']} — {agreement['who']}{due}", size=9, height=4.5)
        self.ln(4)
