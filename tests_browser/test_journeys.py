"""Journeys through Följa as guardians and teachers would take them, with accessibility checks on every page."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests_browser.csp import watch as watch_csp
from tests_browser.journeys import make_photos, sign_in_with_test_eid, sign_out

PHONE = {"width": 360, "height": 800}


def test_guardian_reads_the_timeline_opens_a_photo_and_comments(folja, page, a11y):
    guardian = folja.personas["guardian_household_a"]  # Karl Nyberg, Stella in Blåbären
    child = guardian["children"][0]
    page.set_viewport_size(PHONE)
    sign_in_with_test_eid(page, "Vårdnadshavare", guardian["civic_number"], auditor=a11y, journey="guardian")

    expect(page.get_by_role("heading", level=1)).to_have_text("Dina barn")
    a11y.visit(page, "guardian", "home")

    page.get_by_role("link", name="Lärlogg", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(child)
    a11y.visit(page, "guardian", "timeline")

    # The newest post with a photo: open it, then the photo.
    with_photo = page.locator("article.post").filter(has=page.locator(".post__media img")).first
    title = with_photo.locator(".post__title").inner_text()
    with_photo.locator(".post__title a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    a11y.visit(page, "guardian", "post")

    page.locator(".post__media a").first.click()
    expect(page.get_by_role("link", name=re.compile("Tillbaka till inlägget"))).to_be_visible()
    image = page.locator(".media-full img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0"), "the photo did not load"
    a11y.visit(page, "guardian", "media")

    page.get_by_role("link", name=re.compile("Tillbaka till inlägget")).click()
    comment = "Tack! Stella har berättat om det här hemma hela veckan."
    page.get_by_role("textbox", name="Kommentar").fill(comment)
    page.get_by_role("button", name="Skicka kommentar").click()
    expect(page.get_by_role("status")).to_contain_text("Din kommentar är sparad.")
    expect(page.locator("#comments")).to_contain_text(comment)
    a11y.visit(page, "guardian", "post-commented", english=False)

    # Development talks for the child (issue 4): the page the start page links to.
    page.goto("/")
    page.get_by_role("link", name="Utvecklingssamtal").first.click()
    a11y.visit(page, "guardian", "talks")

    sign_out(page)
    expect(page.get_by_role("status")).to_contain_text("Du är utloggad.")
    a11y.assert_clean()


def test_teacher_writes_a_group_post_and_the_unticked_childs_guardian_does_not_see_it(
    folja, browser, page, a11y, csp_violations, tmp_path: Path
):
    teacher = folja.personas["preschool_teacher"]  # Ingrid Lindgren, Blåbären at Solrosens förskola
    absent_guardian = folja.personas["guardian_one_child"]  # Henrik Lindberg, Sam in Blåbären
    present_guardian = folja.personas["guardian_household_b"]  # Mohammed Nyberg, Stella in Blåbären
    absent_child = absent_guardian["children"][0]
    present_child = present_guardian["children"][0]
    title = "Vattenlek med mätkannor"

    sign_in_with_test_eid(page, "Personal", teacher["civic_number"], auditor=a11y, journey="teacher")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina grupper")
    a11y.visit(page, "teacher", "home")

    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Nytt inlägg").click()
    if page.get_by_role("navigation", name="Välj grupp").count():
        page.get_by_role("navigation", name="Välj grupp").get_by_role("link", name="Blåbären").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nytt inlägg")
    a11y.visit(page, "teacher", "compose")

    expect(page.get_by_label("Gruppen (gruppinlägg)")).to_be_checked()
    absent_box = page.get_by_role("checkbox", name=absent_child)
    expect(absent_box).to_be_checked()
    absent_box.uncheck()
    # The demo keeps two children of the same name in Blåbären on purpose: every such box stays ticked.
    for box in page.get_by_role("checkbox", name=present_child).all():
        expect(box).to_be_checked()
    page.get_by_label("Rubrik").fill(title)
    page.get_by_label("Text:", exact=True).fill(
        "Vi hällde vatten mellan kannor i olika storlekar och jämförde vilken som rymde mest.\n\n"
        "Barnen räknade muggar och pratade om mer och mindre."
    )
    page.locator("#files").set_input_files([str(p) for p in make_photos(tmp_path, 3)])

    goal_filter = page.get_by_label("Sök mål")
    chosen_goals = []
    for query in ("matematik", "ordförråd"):
        goal_filter.fill(query)
        expect(page.locator("#goal-status")).to_contain_text("mål visas")
        visible = page.locator("#goal-list li[data-search]:visible input[type=checkbox]:not(:checked)").first
        chosen_goals.append(visible.locator("xpath=..").inner_text().strip())
        visible.check()
    a11y.visit(page, "teacher", "compose-filled", english=False)  # a language switch would drop the form
    goal_filter.fill("")

    with page.expect_navigation():  # a redirect to the post, or back to the form with a warning
        page.get_by_role("button", name="Publicera").click()
    consent = page.get_by_label(re.compile("vill publicera ändå"))
    if consent.count():  # some named child has no photo consent: the teacher confirms, as the warning asks
        a11y.visit(page, "teacher", "compose-photo-consent", english=False)
        consent.check()
        page.get_by_role("button", name="Publicera").click()
    expect(page.get_by_role("status")).to_contain_text("Inlägget är publicerat.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".post__media img")).to_have_count(3)
    expect(page.locator(".post__goals .goal-chip")).to_have_count(2)
    named = page.locator(".post__children").inner_text()
    assert present_child in named and absent_child not in named
    post_url = page.url
    a11y.visit(page, "teacher", "post-published")

    # The feed of the teacher's groups: the new post first, as one card from the list query.
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Flöde").click()
    first = page.locator("article.post").first
    expect(first.get_by_role("heading", level=2)).to_have_text(title)
    expect(first.locator(".post__media img")).to_have_count(3)
    expect(first.locator(".post__goals .goal-chip")).to_have_count(2)
    assert present_child in first.locator(".post__children").inner_text()
    a11y.visit(page, "teacher", "feed")

    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Täckning").click()
    page.wait_for_load_state("load")
    a11y.visit(page, "teacher", "coverage")
    sign_out(page)

    # The guardian of the child who was there sees the post; the guardian of the unticked child does not.
    for guardian, sees in ((present_guardian, True), (absent_guardian, False)):
        context = browser.new_context(base_url=folja.url, locale="sv-SE", viewport=PHONE)
        watch_csp(context, csp_violations)
        try:
            other = context.new_page()
            sign_in_with_test_eid(other, "Vårdnadshavare", guardian["civic_number"])
            other.get_by_role("link", name="Lärlogg", exact=True).first.click()
            posts = other.locator("article.post").filter(has_text=title)
            if sees:
                expect(posts).to_have_count(1)
                expect(posts.locator(".post__media img")).to_have_count(3)
            else:
                expect(posts).to_have_count(0)
                response = other.goto(post_url)
                assert response.status == 404, f"the unticked child's guardian got {response.status} for the post"
        finally:
            context.close()
    a11y.assert_clean()


def test_guardian_in_a_hidden_member_group_sees_no_other_childs_name(folja, page, a11y):
    guardian = folja.personas["guardian_hidden_group"]  # Elin Jakobsson, Alma in Lingonen (hidden members)
    own_child = guardian["children"][0]
    group_uuid = folja.group_uuid("Lingonen", hidden=True)
    others = [name for name in folja.children_in_group(group_uuid) if name != own_child]
    assert len(others) >= 3, "the demo world's hidden-member group should have other children"
    page.set_viewport_size(PHONE)
    sign_in_with_test_eid(page, "Vårdnadshavare", guardian["civic_number"])

    def assert_no_other_child() -> None:
        text = page.locator("main").inner_text()
        leaked = [name for name in others if name in text]
        assert not leaked, f"{page.url} shows other children of the hidden-member group: {leaked}"

    page.get_by_role("link", name="Lärlogg", exact=True).first.click()
    group_posts = page.locator("article.post").filter(has_text="Gruppinlägg om")
    expect(group_posts.first).to_be_visible()
    for named in group_posts.locator(".post__children").all_inner_texts():
        assert named.split("Gruppinlägg om", 1)[1].strip() == own_child
    assert_no_other_child()
    a11y.visit(page, "hidden-group", "timeline")

    group_posts.first.locator(".post__title a").click()
    expect(page.locator(".post__children")).to_have_text(re.compile(rf"Gruppinlägg om\s+{own_child}$"))
    assert_no_other_child()
    a11y.visit(page, "hidden-group", "group-post")

    page.goto(f"/groups/{group_uuid}/members/")
    expect(page.locator("main li")).to_have_count(1)
    expect(page.locator("main li")).to_have_text(own_child)
    assert_no_other_child()
    a11y.visit(page, "hidden-group", "members")
    a11y.assert_clean()


def test_accessibility_statement_is_linked_from_every_footer(folja, page, a11y):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Tillgänglighet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tillgänglighetsredogörelse för Följa")
    expect(page.get_by_role("link", name=re.compile("Myndigheten för digital förvaltning"))).to_be_visible()
    a11y.visit(page, "public", "accessibility")
    a11y.switch_language(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement for Följa")
    a11y.switch_language(page, "sv")
    a11y.assert_clean()


def test_guardian_books_a_development_talk(folja, page, a11y):
    civic_number, child = folja.guardian_of_child_with_planned_talk()
    page.set_viewport_size(PHONE)
    sign_in_with_test_eid(page, "Vårdnadshavare", civic_number)
    card = page.locator("main li.card").filter(has_text=child)
    card.get_by_role("link", name="Utvecklingssamtal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Utvecklingssamtal för {child}")
    page.get_by_role("link", name="Boka tid").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Boka tid för samtal om")
    a11y.visit(page, "talk", "book")
    page.locator("input[name='slot']").first.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Boka vald tid").click()
    expect(page.get_by_role("status")).to_contain_text("Tiden är bokad.")
    a11y.visit(page, "talk", "booked")
    a11y.assert_clean()


def test_guardian_answers_the_transition_question_and_previews_what_the_school_sees(folja, page, a11y):
    guardian = folja.personas["guardian_moved_child"]  # Helena Sandberg, Love moved to förskoleklass
    page.set_viewport_size(PHONE)
    sign_in_with_test_eid(page, "Vårdnadshavare", guardian["civic_number"])
    page.get_by_role("link", name="Lärlogg", exact=True).first.click()
    child_uuid = page.url.rstrip("/").rsplit("/", 1)[1]
    # The child's start page will link here; until it does the journey uses the address directly.
    page.goto(f"/children/{child_uuid}/transition/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("börjar i skolan")
    a11y.visit(page, "transition", "consent")
    page.get_by_role("group", name=re.compile("Får lärlogg")).get_by_label("Ja", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Spara mitt svar").click()
    expect(page.locator("main")).to_contain_text("Ditt nuvarande svar: ja.")
    a11y.visit(page, "transition", "consent-answered")
    page.get_by_role("link", name="Se exakt vad skolan skulle se").click()
    page.wait_for_load_state("load")
    a11y.visit(page, "transition", "preview")
    a11y.assert_clean()
