"""Build one export: the PDF and the ZIP (static HTML site, original media, portfolio.json).

Everything is read through `content.Portfolio` (the access functions, as the requester sees it)
and written as it is read: the ZIP to a temporary file, the PDF page by page, the per-year HTML
pages when their year is complete, so memory does not grow with the portfolio's length.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from folja.access.roles import Viewer
from folja.directory.models import Person
from folja.export.content import Portfolio, PostItem, goal_summary
from folja.export.pdf import PortfolioPDF
from folja.media.models import new_storage_name

Progress = Callable[[int], None]


@dataclass
class Built:
    pdf_name: str
    zip_name: str
    pdf_size: int
    zip_size: int
    posts: int
    media: int


def labels() -> dict[str, str]:
    """Return the headings of both files in the active language."""
    return {
        "children": _("Barn"),
        "goals": _("Mål i läroplanen"),
        "comments": _("Kommentarer"),
        "file": _("Fil"),
        "film": _("Film"),
        "protected": _("(skyddad person)"),
        "agreements": _("Överenskommelser"),
        "no_answer": _("Inget svar"),
        "part_guardian": _("Vårdnadshavarnas förberedelse"),
        "part_staff": _("Personalens förberedelse"),
        "part_record": _("Anteckningar från samtalet"),
        "part_pupil": _("Elevens egen förberedelse"),
    }


def _period_text(header: dict) -> str:
    first, last = header["period"]["from"], header["period"]["to"]
    if not first:
        return _("Inga inlägg")
    return f"{first} – {last}"


def build_export(viewer: Viewer, child: Person, progress: Progress) -> Built:
    """Write both files of a child's portfolio to storage and return their names and sizes."""
    portfolio = Portfolio(viewer, child)
    total_posts, total_media = portfolio.counts()
    header = portfolio.header()
    words = labels()
    pdf = PortfolioPDF(child.full_name)
    exported = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    pdf.cover(_("Portfolio från förskolan"), _period_text(header), _("Exporterad %(day)s") % {"day": exported})
    pdf.section(_("Lärlogg"))
    goals: dict[str, dict] = {}
    years: list[tuple[str, int]] = []
    done = 0
    media_done = 0
    with tempfile.TemporaryFile() as zip_tmp, tempfile.TemporaryFile("w+", encoding="utf-8") as posts_json:
        with zipfile.ZipFile(zip_tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            year_posts: list[PostItem] = []
            year = ""
            first = True
            for chunk in portfolio.chunks():
                for item in chunk:
                    post_year = item.data["date"][:4]
                    if year and post_year != year:
                        _write_year(archive, header, year, year_posts, words)
                        years.append((year, len(year_posts)))
                        year_posts = []
                    year = post_year
                    year_posts.append(item)
                    pdf.post(item, words)
                    for media in item.media:
                        _copy_media(archive, media.storage_name, media.data["file"])
                        media_done += 1
                    for goal in item.data["goals"]:
                        goals.setdefault(goal["key"], {**goal, "posts": 0})["posts"] += 1
                    posts_json.write(("" if first else ",\n") + json.dumps(item.data, ensure_ascii=False))
                    first = False
                    done += 1
                # Posts and media are the work; the last tenth is the talks and the files themselves.
                progress(min(90, int(90 * (done + media_done) / max(1, total_posts + total_media))))
            if year_posts:
                _write_year(archive, header, year, year_posts, words)
                years.append((year, len(year_posts)))
            talks = portfolio.talks()
            if talks:
                pdf.section(_("Utvecklingssamtal"))
                for talk in talks:
                    pdf.talk(talk, words)
            summary = goal_summary(goals)
            context = {"header": header, "years": years, "talks": talks, "goals": summary, "labels": words}
            archive.writestr("index.html", render_to_string("export/site/index.html", context))
            archive.writestr("talks.html", render_to_string("export/site/talks.html", context))
            archive.writestr("style.css", render_to_string("export/site/style.css"))
            posts_json.seek(0)
            with archive.open("portfolio.json", "w") as out:
                head = {**header, "talks": talks, "goals": summary}
                opening = json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "posts": [\n'
                out.write(opening.encode())
                while block := posts_json.read(1 << 16):
                    out.write(block.encode())
                out.write(b"\n ]\n}\n")
        progress(95)
        pdf_bytes = pdf.output()  # a bytearray: stored as it is, not copied
        del pdf  # its pictures, before the file is written
        pdf_name = default_storage.save(
            new_storage_name("exports", ".pdf"), ContentFile(pdf_bytes, name="portfolio.pdf")
        )
        zip_size = zip_tmp.tell()
        zip_tmp.seek(0)
        zip_name = default_storage.save(new_storage_name("exports", ".zip"), File(zip_tmp, name="portfolio.zip"))
    return Built(pdf_name, zip_name, len(pdf_bytes), zip_size, done, media_done)


def _write_year(archive: zipfile.ZipFile, header: dict, year: str, items: list[PostItem], words: dict) -> None:
    context = {"header": header, "year": year, "posts": [i.data for i in items], "labels": words}
    archive.writestr(f"posts-{year}.html", render_to_string("export/site/year.html", context))


def _copy_media(archive: zipfile.ZipFile, storage_name: str, path: str) -> None:
    # Photos and films are compressed already: stored as they are, copied in blocks.
    with (
        default_storage.open(storage_name, "rb") as src,
        archive.open(
            zipfile.ZipInfo(path, date_time=timezone.localtime().timetuple()[:6]), "w", force_zip64=True
        ) as dst,
    ):
        shutil.copyfileobj(src, dst, 1 << 20)
