"""Steps that several journeys share: signing in as a person would, making test photos."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw


def sign_in_with_test_eid(page: object, role_label: str, civic_number: str, *, auditor: object = None,
                          journey: str = "") -> None:  # fmt: skip
    """Sign in through the two steps (role, then Test-legitimation) from the welcome page."""
    page.goto("/")
    if auditor:
        auditor.visit(page, journey, "welcome")
    page.get_by_role("link", name="Logga in").first.click()
    if auditor:
        auditor.visit(page, journey, "login-role")
    page.get_by_role("link", name=role_label, exact=True).click()
    if auditor:
        auditor.visit(page, journey, "login-method")
    page.get_by_role("link", name="Test-legitimation").click()
    if auditor:
        auditor.visit(page, journey, "test-eid")
    page.get_by_label("Personnummer").fill(civic_number)
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in som").click()
    accept_terms_if_asked(page, auditor=auditor, journey=journey)


def accept_terms_if_asked(page: object, *, auditor: object = None, journey: str = "") -> None:
    """Accept the terms of use when the guardian is asked to (R9; only once the organisation has terms)."""
    accept = page.locator("form button[name='decision'][value='accept']")
    while accept.count():  # one form per organisation whose current terms are not yet accepted
        if auditor:
            auditor.visit(page, journey, "terms")
        with page.expect_navigation():
            accept.first.click()


def sign_out(page: object) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Logga ut").click()


def make_photos(directory: Path, count: int) -> list[Path]:
    """Write small JPEGs (a drawn scene, no people) and return their paths."""
    rng = random.Random(10)
    paths = []
    for index in range(count):
        image = Image.new("RGB", (640, 480), (rng.randrange(120, 230), rng.randrange(150, 230), 240))
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = rng.randrange(0, 600), rng.randrange(0, 440)
            draw.ellipse((x, y, x + 60, y + 40), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80)
        path = directory / f"vattenlek-{index + 1}.jpg"
        path.write_bytes(buffer.getvalue())
        paths.append(path)
    return paths
