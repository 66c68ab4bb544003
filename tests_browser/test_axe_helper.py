"""The checker itself: axe-core must report a defect planted in a page, or its silence means nothing."""

from __future__ import annotations


def test_axe_reports_a_planted_image_without_text_alternative(folja, page, a11y):
    page.goto("/")
    page.evaluate("() => { const img = document.createElement('img'); img.src = '/static/folja/none.png';"
                  " document.querySelector('main').append(img); }")  # fmt: skip
    found = {v["id"] for v in a11y.axe(page, "planted")}
    a11y.problems.clear()
    a11y.pages.clear()
    assert "image-alt" in found
