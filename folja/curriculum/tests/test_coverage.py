"""Coverage pages: counts over what the viewer may read, per goal key and month, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from folja.access.models import AuditRecord
from folja.access.roles import Role
from folja.curriculum.models import CoverageSettings, Curriculum, Goal, GoalArea
from folja.directory.models import GroupMembership, Person, Placement
from folja.learninglog import coverage
from folja.learninglog.models import Post, PostChild, PostGoal, PostKind, PostStatus
from folja.pages.curriculum import heatmap
from folja.testing import sessions
from folja.testing.cast import Cast, build_cast


def signed_in(person: Person, role: Role = Role.STAFF) -> Client:
    """Return a client with a session acting as the person in the role (staff unless said)."""
    return sessions.signed_in(person, role)


def add_children_with_posts(cast: Cast, count: int, *, goal: Goal, prefix: str) -> None:
    """Add `count` children to Blåbären, each with one published individual post linked to the goal."""
    day = cast.day
    for i in range(count):
        child = Person.objects.create(given_name=f"{prefix}{i}", family_name="Extra", birth_date=day)
        Placement.objects.create(
            organisation=cast.org_a,
            child=child,
            school_unit=cast.solrosen,
            group=cast.blue,
            school_type="FS",
            start_date=day - dt.timedelta(days=400),
        )
        GroupMembership.objects.create(
            organisation=cast.org_a, group=cast.blue, person=child, start_date=day - dt.timedelta(days=400)
        )
        post = Post.objects.create(
            organisation=cast.org_a,
            school_unit=cast.solrosen,
            kind=PostKind.INDIVIDUAL,
            status=PostStatus.PUBLISHED,
            author=cast.teacher_blue,
            title=f"Extra {prefix}{i}",
            activity_date=day - dt.timedelta(days=2),
        )
        PostChild.objects.create(post=post, child=child, activity_date=post.activity_date)
        PostGoal.objects.create(post=post, goal=goal)


class CoverageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.goal = cls.cast.goals[0]
        cls.period = coverage.Period(start=cls.cast.day - dt.timedelta(days=40), end=cls.cast.day)
        cls.query = f"?start={cls.period.start.isoformat()}&end={cls.period.end.isoformat()}"

    def counts_for(self, viewer_key: str, scope: str) -> coverage.Coverage:
        viewer = self.cast.viewer(viewer_key, Role.STAFF)
        posts = {
            "blue": lambda: coverage.group_posts_scope(viewer, self.cast.blue),
            "unit": lambda: coverage.unit_posts_scope(viewer, self.cast.solrosen),
            "alva": lambda: coverage.child_posts_scope(viewer, self.cast.alva),
        }[scope]()
        return coverage.coverage(posts, self.period)

    def total_for_goal(self, counts: coverage.Coverage) -> int:
        return sum(n for (key, _month), n in counts.goal_months.items() if key == self.goal.key)

    def test_group_coverage_counts_the_published_posts_about_the_group_the_viewer_may_read(self) -> None:
        # alva_individual, blue_group, blue_group_without_bertil; not the draft, not sealed Sigge's post.
        assert self.total_for_goal(self.counts_for("teacher_blue", "blue")) == 3

    def test_posts_only_about_a_sealed_child_count_nowhere(self) -> None:
        unit = self.counts_for("principal", "unit")
        # Unit: the three Blåbären posts and the Gula group post; Sigge's own post is sealed (R5).
        assert self.total_for_goal(unit) == 4

    def test_unit_scope_is_exactly_the_visible_posts_at_the_unit(self) -> None:
        from folja.learninglog.access import visible_posts

        for key in ("teacher_blue", "minder_yellow", "principal", "teacher_granen", "teacher_fklass", "johan"):
            viewer = self.cast.viewer(key, Role.STAFF)
            for unit in (self.cast.solrosen, self.cast.granen, self.cast.ekbacken):
                expected = set(visible_posts(viewer).filter(school_unit=unit).values_list("pk", flat=True))
                assert set(coverage.unit_posts_scope(viewer, unit).values_list("pk", flat=True)) == expected, key

    def test_staff_not_connected_to_a_group_count_nothing_of_it(self) -> None:
        assert self.total_for_goal(self.counts_for("minder_yellow", "blue")) == 0

    def test_a_guardian_viewer_gets_no_coverage_posts(self) -> None:
        viewer = self.cast.viewer("anna", Role.GUARDIAN)
        assert not coverage.child_posts_scope(viewer, self.cast.alva).exists()

    def test_area_counts_count_a_post_once_per_area(self) -> None:
        post = self.cast.posts["alva_individual"]
        second = Goal.objects.filter(area=self.goal.area).exclude(pk=self.goal.pk).first()
        PostGoal.objects.create(post=post, goal=second)
        counts = self.counts_for("teacher_blue", "alva")
        area_total = sum(n for (_c, code, _m), n in counts.area_months.items() if code == self.goal.area.code)
        goal_links = sum(n for (key, _m), n in counts.goal_months.items() if key in (self.goal.key, second.key))
        # Alva is named on three posts; one of them links two goals of the same area.
        assert (goal_links, area_total, sum(counts.posts_per_month.values())) == (4, 3, 3)

    def test_a_new_curriculum_version_counts_with_the_old_one_by_key(self) -> None:
        old = self.goal.curriculum
        new = Curriculum.objects.create(code=old.code, version="2099-07-01", name=old.name, school_types=["FS"])
        Curriculum.objects.filter(pk=old.pk).update(in_force_to=self.cast.day)
        area = GoalArea.objects.create(curriculum=new, code=self.goal.area.code, title=self.goal.area.title, seq=1)
        new_goal = Goal.objects.create(curriculum=new, area=area, key=self.goal.key, seq=1, text="Ny lydelse")
        PostGoal.objects.create(post=self.cast.posts["yellow_group"], goal=new_goal)
        counts = self.counts_for("principal", "unit")
        data = heatmap.build(counts, self.period, heatmap.curricula_for(["FS"]))
        row = next(g for a in data.areas for g in a.goals if g.key == self.goal.key)
        assert row.text == "Ny lydelse"
        assert row.total == 4  # three posts linked to the old version, one (also) to the new

    def test_group_page_shows_heatmap_table_and_csv_with_the_same_numbers(self) -> None:
        client = signed_in(self.cast.teacher_blue)
        response = client.get(reverse("curriculum:group_coverage", args=[self.cast.blue.uuid]) + self.query)
        assert response.status_code == 200
        html = response.content.decode()
        assert '<svg class="heatmap__svg"' in html and 'role="img"' in html and "<title" in html
        assert self.goal.text in html  # the table names the goal in full
        csv_response = client.get(
            reverse("curriculum:group_coverage", args=[self.cast.blue.uuid]) + self.query + "&format=csv"
        )
        assert csv_response["Content-Type"].startswith("text/csv")
        row = next(line for line in csv_response.content.decode().splitlines() if self.goal.key in line)
        assert row.split(";")[-1] == "3"

    def test_heatmap_rows_are_labelled_with_the_goals_short_text_and_the_table_stays_for_screen_readers(self) -> None:
        # Issue 25, point 10: no "2.2 #11" labels; the full text in the row's title and the table.
        client = signed_in(self.cast.teacher_blue)
        html = client.get(
            reverse("curriculum:group_coverage", args=[self.cast.blue.uuid]) + self.query
        ).content.decode()
        svg = html.split('<svg class="heatmap__svg"')[1].split("</svg>")[0]
        assert not re.search(r"#\d+<", svg)
        assert 'class="heatmap__label" x="4" y="' in svg and f">{heatmap.short_text(self.goal.text)}</text>" in svg
        assert f"<title>{self.goal.text}</title>" in svg
        table = html.split('<div class="visually-hidden">')[1].split("</table>")[0]
        assert f'<th scope="row" class="coverage-table__goal">{self.goal.text}</th>' in table

    def test_numbers_in_heatmap_cells_keep_their_contrast(self) -> None:
        # axe-core does not see text in SVG: the contrast of each fill and its number, computed here,
        # and no stylesheet rule that colours the numbers (it would override the fill attribute).
        def luminance(colour: str) -> float:
            channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
            r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
            return 0.2126 * r + 0.7152 * g + 0.0722 * b

        for _lowest, fill, ink in heatmap.SCALE:
            light, dark = sorted((luminance(fill), luminance(ink)), reverse=True)
            assert (light + 0.05) / (dark + 0.05) >= 4.5, (fill, ink)
        css = (Path(settings.BASE_DIR) / "folja/static/folja/app.css").read_text()
        rules = re.findall(r"([^{}]+)\{([^}]*)\}", css)
        for selector, body in rules:
            if "heatmap" in selector and "fill" in body:
                assert "heatmap__count" not in selector and not selector.strip().endswith("text"), selector
        html = (
            signed_in(self.cast.teacher_blue)
            .get(reverse("curriculum:group_coverage", args=[self.cast.blue.uuid]) + self.query)
            .content.decode()
        )
        cells = re.findall(
            r'fill="(#\w+)" stroke="#d9d5cc"/><text class="heatmap__count"[^>]* fill="(#\w+)">(\d+)<', html
        )
        assert cells and any(int(n) for _f, _i, n in cells)
        for fill, ink, n in cells:
            assert (fill, ink) == heatmap.colour_for(int(n))

    def test_short_text_cuts_at_a_word(self) -> None:
        assert heatmap.short_text("kort text") == "kort text"
        long = "förmåga att ta hänsyn till och leva sig in i andra människors situation"
        short = heatmap.short_text(long)
        assert short.endswith("…") and len(short) <= heatmap.LABEL_CHARS and long.startswith(short[:-1])

    def test_guideline_areas_are_named_but_carry_no_goals(self) -> None:
        client = signed_in(self.cast.teacher_blue)
        html = client.get(reverse("curriculum:group_coverage", args=[self.cast.blue.uuid])).content.decode()
        assert "riktlinjer för personalen" in html and "Förskola och hem" in html
        detail = client.get(
            reverse("curriculum:curriculum_detail", args=[Curriculum.objects.get(code="LPFO18").uuid])
        ).content.decode()
        assert detail.count("inga mål för barnet") == 5

    def test_rarely_documented_children_are_listed_alphabetically_for_the_group_staff(self) -> None:
        viewer = self.cast.viewer("teacher_blue", Role.STAFF)
        settings = CoverageSettings(school_unit=self.cast.solrosen, rarely_documented_threshold=2, weeks=4)
        rare = list(coverage.rarely_documented_children(viewer, self.cast.blue, settings))
        # Bertil is named on one post in the last four weeks, Alva on three; sealed Sigge is never listed.
        assert [c.given_name for c in rare] == ["Bertil"]

    def test_the_rare_list_is_recorded_as_a_read_of_each_child_listed(self) -> None:
        client = signed_in(self.cast.teacher_blue)
        response = client.get(reverse("curriculum:group_coverage", args=[self.cast.blue.uuid]))
        assert "Bertil Ek" in response.content.decode()
        assert AuditRecord.objects.filter(
            actor=self.cast.teacher_blue, child=self.cast.bertil, object_type="coverage"
        ).exists()

    def test_child_coverage_is_recorded_in_the_audit_log(self) -> None:
        client = signed_in(self.cast.principal)
        assert client.get(reverse("curriculum:child_coverage", args=[self.cast.alva.uuid])).status_code == 200
        assert AuditRecord.objects.filter(actor=self.cast.principal, child=self.cast.alva).count() == 1

    def test_unit_overview_compares_groups_without_children_the_principal_may_not_see(self) -> None:
        viewer = self.cast.viewer("principal", Role.STAFF)
        settings = CoverageSettings(school_unit=self.cast.solrosen)
        rows = {
            r.group.display_name: r
            for r in coverage.group_comparison(viewer, self.cast.solrosen, self.period, settings)
        }
        assert rows["Blåbären"].posts == 3 and rows["Blåbären"].children == 2  # Sigge is sealed
        assert rows["Gula"].posts == 1 and rows["Gula"].children == 2
        assert rows["Blåbären"].rarely_documented == 1  # Bertil

    def test_principal_saves_the_unit_threshold(self) -> None:
        client = signed_in(self.cast.principal)
        url = reverse("curriculum:unit_settings", args=[self.cast.solrosen.uuid])
        response = client.post(url, {"rarely_documented_threshold": "5", "weeks": "8"})
        assert response.status_code == 302
        saved = CoverageSettings.objects.get(school_unit=self.cast.solrosen)
        assert (saved.rarely_documented_threshold, saved.weeks, saved.updated_by) == (5, 8, self.cast.principal)

    def test_a_bad_threshold_is_refused_and_nothing_is_saved(self) -> None:
        client = signed_in(self.cast.principal)
        url = reverse("curriculum:unit_settings", args=[self.cast.solrosen.uuid])
        client.post(url, {"rarely_documented_threshold": "0", "weeks": "abc"})
        assert not CoverageSettings.objects.filter(school_unit=self.cast.solrosen).exists()

    def test_period_form_falls_back_to_this_term_on_a_reversed_period(self) -> None:
        client = signed_in(self.cast.teacher_blue)
        url = reverse("curriculum:group_coverage", args=[self.cast.blue.uuid])
        response = client.get(url + "?start=2025-05-01&end=2025-01-01")
        assert response.status_code == 200
        assert "Slutdatumet kan inte vara före startdatumet." in response.content.decode()


class CoverageQueryCountTests(TestCase):
    """The same number of queries for a group of 2 and of 20 extra children with posts."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def queries_for(self, url: str) -> int:
        client = signed_in(self.cast.principal)
        client.get(url)  # warm the session and caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def test_group_child_and_unit_pages_do_not_grow_with_children_or_posts(self) -> None:
        urls = [
            reverse("curriculum:group_coverage", args=[self.cast.blue.uuid]),
            reverse("curriculum:unit_coverage", args=[self.cast.solrosen.uuid]),
            reverse("curriculum:child_coverage", args=[self.cast.alva.uuid]),
        ]
        goal = self.cast.goals[1]
        add_children_with_posts(self.cast, 2, goal=goal, prefix="a")
        small = [self.queries_for(u) for u in urls]
        add_children_with_posts(self.cast, 18, goal=goal, prefix="b")
        large = [self.queries_for(u) for u in urls]
        assert small == large
        html = signed_in(self.cast.principal).get(urls[0]).content.decode()
        assert re.search(r"<td class=\"num\">20</td>", html)  # the 20 new posts show in the table
