"""Journeys about telling children apart and the preview before a move (issue 25, points 1 and 4).

Every page is checked by axe-core in Swedish and English and photographed at 360 and 1280 px in
both languages (var/screenshots/children-*.png). Nothing here depends on the day the journey runs:
the demo world is built relative to today and keeps a same-name pair in Blåbären on purpose.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests_browser.journeys import sign_in_with_test_eid, sign_out

PHONE = {"width": 360, "height": 800}
LAPTOP = {"width": 1280, "height": 900}


def visit(page, a11y, journey: str, name: str) -> None:
    """axe in Swedish and English, screenshots at 360 and 1280 px in both languages."""
    a11y.visit(page, journey, name)
    a11y.switch_language(page, "en")
    a11y.screenshots(page, journey, f"{name}-en")
    a11y.switch_language(page, "sv")


def assert_no_horizontal_scroll(page) -> None:
    for size in (PHONE, LAPTOP):
        page.set_viewport_size(size)
        excess = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert excess <= 0, f"{page.url} is {excess} px too wide at {size['width']} px"


def test_staff_tell_two_children_of_the_same_name_apart(folja, page, a11y):
    teacher = folja.personas["preschool_teacher"]  # Blåbären at Solrosens förskola
    group_uuid = folja.group_uuid("Blåbären", unit="Solrosens förskola")
    with folja.db() as conn:  # the children in the group today, with their full names
        twins = {
            name
            for (name,) in conn.execute(
                "SELECT p.given_name || ' ' || p.family_name FROM directory_groupmembership m "
                "JOIN directory_person p ON p.id = m.person_id WHERE m.group_id = "
                "(SELECT id FROM directory_group WHERE uuid = ?) AND m.start_date <= date('now') "
                "AND (m.end_date IS NULL OR m.end_date >= date('now')) "
                "GROUP BY p.given_name, p.family_name HAVING count(DISTINCT p.id) > 1",
                [uuid.UUID(group_uuid).hex],
            )
        }
    assert twins, "the demo world keeps two children of the same name in Blåbären"
    twin = sorted(twins)[0]
    page.set_viewport_size(PHONE)
    sign_in_with_test_eid(page, "Personal", teacher["civic_number"])

    # The start page: two clicks to a child's timeline ("barnen", then the name).
    page.get_by_role("link", name="barnen", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Medlemmar i")
    members = page.locator("main li a").all_inner_texts()
    namesakes = [m for m in members if m.startswith(twin)]
    assert len(namesakes) == 2 and len(set(namesakes)) == 2, namesakes
    assert all("född" in m for m in namesakes), namesakes
    visit(page, a11y, "children", "members")

    # The composer: two boxes, two different labels, neither clipped.
    page.goto(f"/posts/new/?group={group_uuid}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nytt inlägg")
    boxes = page.get_by_role("checkbox", name=re.compile(f"^{twin}"))
    expect(boxes).to_have_count(2)
    labels = page.locator("label.choice").filter(has_text=twin).all_inner_texts()
    assert len({label.strip() for label in labels}) == 2, labels
    page.set_viewport_size(LAPTOP)
    clipped = page.evaluate(
        "() => [...document.querySelectorAll('.choice-grid .choice__name')]"
        ".filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.textContent)"
    )
    assert not clipped, f"clipped child names at 1280 px: {clipped}"
    page.set_viewport_size(PHONE)
    visit(page, a11y, "children", "compose")

    # Booking slots: the choice "Bara …" names each of them differently; the page fits 360 px.
    page.goto("/talks/slots/")
    options = page.locator("select[name='target'] option").all_inner_texts()
    only_twin = [o for o in options if o.startswith(f"Bara {twin}")]
    assert len(only_twin) == 2 and len(set(only_twin)) == 2, only_twin
    assert_no_horizontal_scroll(page)
    page.set_viewport_size(PHONE)
    visit(page, a11y, "children", "slots")

    # A child's name on a post card is a link to the timeline for staff.
    page.goto("/feed/")
    named = page.locator(".post__children a").first
    name = named.inner_text()
    named.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    visit(page, a11y, "children", "timeline-from-card")

    sign_out(page)
    a11y.assert_clean()


def test_guardian_previews_what_a_school_would_see_before_any_move_is_known(folja, page, a11y):
    guardian = folja.personas["guardian_one_child"]  # a child in Blåbären, no school placement yet
    page.set_viewport_size(PHONE)
    sign_in_with_test_eid(page, "Vårdnadshavare", guardian["civic_number"])
    page.get_by_role("link", name="Lärlogg", exact=True).first.click()
    child_uuid = page.url.rstrip("/").rsplit("/", 1)[1]
    page.goto(f"/children/{child_uuid}/transition/")
    page.get_by_role("link", name="Se exakt vad skolan skulle se").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Det här skulle skolan se")
    notice = page.locator("main .notice")
    expect(notice).to_contain_text("om barnet började där i dag")
    expect(notice).to_contain_text(re.compile(r"daterade från \d+ \w+ \d{4} till och med \d+ \w+ \d{4}"))
    # The child's own preschool documentation of the last 12 months is what a new school would get.
    expect(page.locator("main article.post").first).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Här finns inga inlägg ännu.")
    visit(page, a11y, "children", "preview-no-move")
    a11y.assert_clean()


def test_guardian_previews_what_the_school_sees_after_the_move(folja, page, a11y):
    guardian = folja.personas["guardian_moved_child"]  # the child moved to förskoleklass this autumn
    page.set_viewport_size(PHONE)
    sign_in_with_test_eid(page, "Vårdnadshavare", guardian["civic_number"])
    page.get_by_role("link", name="Lärlogg", exact=True).first.click()
    child_uuid = page.url.rstrip("/").rsplit("/", 1)[1]
    page.goto(f"/children/{child_uuid}/transition/preview/")
    notice = page.locator("main .notice")
    expect(notice).to_contain_text("tog emot barnet den")
    expect(page.locator("main article.post").first).to_be_visible()
    visit(page, a11y, "children", "preview-moved")
    a11y.assert_clean()


def test_guardian_previews_what_the_planned_school_would_see_before_the_move(folja, page, a11y):
    with folja.db() as conn:  # the demo's preschool child whose förskoleklass placement lies ahead
        row = conn.execute(
            "SELECT r.civic_number, c.given_name FROM directory_placement pl "
            "JOIN directory_person c ON c.id = pl.child_id "
            "JOIN directory_guardianship g ON g.child_id = c.id AND g.relation_type = 'Vårdnadshavare' "
            "JOIN directory_person r ON r.id = g.responsible_id "
            "WHERE pl.start_date > date('now') AND r.civic_number IS NOT NULL ORDER BY r.id LIMIT 1"
        ).fetchone()
    assert row, "the demo world keeps a preschool child with a planned move to förskoleklass"
    civic_number, child = row
    page.set_viewport_size(PHONE)
    sign_in_with_test_eid(page, "Vårdnadshavare", civic_number)
    card = page.locator("main li.card").filter(has_text=child).first
    card.get_by_role("link", name="Lärlogg", exact=True).click()
    child_uuid = page.url.rstrip("/").rsplit("/", 1)[1]
    page.goto(f"/children/{child_uuid}/transition/preview/")
    notice = page.locator("main .notice")
    expect(notice).to_contain_text(re.compile(r"Barnet ska börja på .+ den \d+ \w+ \d{4}\."))
    # The preschool's own documentation is what the school would get: it is listed, not "no posts".
    expect(page.locator("main article.post").first).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Här finns inga inlägg ännu.")
    visit(page, a11y, "children", "preview-planned")
    a11y.assert_clean()
