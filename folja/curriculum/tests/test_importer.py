"""The syllabus API importer, its command and its HTTP client, on saved samples and a local server."""

from __future__ import annotations

import copy
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from folja.curriculum.client import SyllabusClient, SyllabusClientError
from folja.curriculum.importer import derive_key, import_documents, parse_document
from folja.curriculum.models import Curriculum, Goal, GoalArea
from folja.directory.models import Organisation, OrganisationType, Person
from folja.learninglog.models import Post, PostGoal, PostKind

# The shape of GET /v1/curriculums/LGR22 (CurriculumResponse): metadata, then `curriculum` with
# HTML `sections`. The texts are shortened quotations of Lgr22; enough to exercise the parser.
METADATA = {
    "apiPublisher": "Skolverket",
    "apiName": "Läroplaner, ämnen och kurser",
    "apiVersion": "1.0",
    "apiStatus": "active",
    "totalElements": 1,
    "processingTime": "12ms",
    "codeParam": "LGR22",
}
LGR22_V1: dict[str, Any] = {
    **METADATA,
    "curriculum": {
        "code": "LGR22",
        "name": "Läroplan för grundskolan, förskoleklassen och fritidshemmet",
        "englishName": "Curriculum for compulsory school, preschool class and school-age educare",
        "startDate": "2022-07-01",
        "endDate": None,
        "modifiedDate": None,
        "version": 1,
        "skolfsGrund": "SKOLFS 2010:37",
        "skolfsAndring": "SKOLFS 2022:13",
        "schoolTypes": ["GR", "FKLASS", "FTH"],
        "heading": "Läroplan för grundskolan, förskoleklassen och fritidshemmet",
        "sections": [
            {
                "heading": "1. Skolans värdegrund och uppdrag",
                "content": "<p>Skolväsendet vilar på demokratins grund.</p>",
                "type": "VALUES",
                "sortOrder": 1,
            },
            {
                "heading": "2. Övergripande mål och riktlinjer",
                "content": (
                    "<h3>2.1 Normer och värden</h3><h4>Mål</h4><p>Skolans mål är att varje elev</p><ul>"
                    "<li>kan konsekvent ta ställning mot diskriminering och kränkande behandling,</li>"
                    "<li>respekterar andra människors egenvärde och integritet,</li>"
                    "<li>tar avstånd från att människor utsätts för förtryck, och</li>"
                    "<li>kan leva sig in i och förstå andra människors situation.</li></ul>"
                    "<h4>Riktlinjer</h4><p>Alla som arbetar i skolan ska</p>"
                    "<ul><li>visa respekt för individen,</li></ul>"
                    "<h3>2.4 Skola och hem</h3><h4>Riktlinjer</h4><p>Läraren ska</p>"
                    "<ul><li>samarbeta med elevernas vårdnadshavare.</li></ul>"
                ),
                "type": "GOALS",
                "sortOrder": 2,
            },
            {
                "heading": "3. Förskoleklassen",
                "content": (
                    "<h3>Syfte och centralt innehåll</h3><p>Undervisningen i förskoleklassen ska ge eleverna "
                    "förutsättningar att utveckla sin förmåga att</p><ul>"
                    "<li>kommunicera i tal och skrift,</li><li>utforska och beskriva företeelser i omvärlden.</li></ul>"
                    "<h4>Centralt innehåll</h4><ul><li>Samtal om upplevelser och tankar.</li></ul>"
                ),
                "type": "FKLASS",
                "sortOrder": 3,
            },
        ],
    },
}
# GET /v1/subjects/GRGRMAT01 (SubjectResponse): `purpose` and `centralContents` are HTML.
SUBJECT: dict[str, Any] = {
    **METADATA,
    "codeParam": "GRGRMAT01",
    "subject": {
        "code": "GRGRMAT01",
        "name": "Matematik",
        "version": 3,
        "startDate": "2022-07-01",
        "typeOfSyllabus": "SUBJECT_SYLLABUS",
        "schoolTypes": ["GR"],
        "purpose": (
            "<p>Undervisningen i ämnet matematik ska ge eleverna förutsättningar att utveckla sin förmåga att</p>"
            "<ul><li>formulera och lösa problem med hjälp av matematik,</li>"
            "<li>föra och följa matematiska resonemang.</li></ul>"
        ),
        "centralContents": [
            {
                "year": "1-3",
                "text": "<h4>Taluppfattning och tals användning</h4>"
                "<ul><li>Naturliga tal och deras egenskaper.</li></ul>"
                "<h4>Geometri</h4><ul><li>Grundläggande geometriska objekt.</li></ul>",
                "typeOfCentralContent": "YEAR",
            }
        ],
        "knowledgeRequirements": [{"text": "<p>Eleven kan …</p>", "gradeStep": "E", "year": "6"}],
    },
}


def v2_of(document: dict[str, Any]) -> dict[str, Any]:
    """Return version 2 of the Lgr22 sample: one goal reworded, one removed, one added, list reordered."""
    doc = copy.deepcopy(document)
    cur = doc["curriculum"]
    cur["version"] = 2
    cur["startDate"] = "2025-07-01"
    cur["sections"][1]["content"] = (
        "<h3>2.1 Normer och värden</h3><h4>Mål</h4><p>Skolans mål är att varje elev</p><ul>"
        "<li>respekterar andra människors egenvärde och integritet,</li>"
        "<li>kan konsekvent ta ställning mot all diskriminering och kränkande behandling,</li>"
        "<li>visar respekt och omsorg om närmiljön och miljön i ett vidare perspektiv.</li></ul>"
    )
    return doc


def write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("curriculum_import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_goal_ids_depend_on_text_and_area_not_on_position_or_punctuation() -> None:
    a = derive_key("LGR22", "2.1", "respekterar andra människors egenvärde och integritet,")
    b = derive_key("LGR22", "2.1", "Respekterar  andra människors egenvärde och integritet")
    assert a == b and a.startswith("lgr22-2-1-")
    assert derive_key("LGR22", "2.2", "respekterar andra människors egenvärde och integritet") != a


def test_a_reordered_list_gives_the_same_ids() -> None:
    reordered = copy.deepcopy(LGR22_V1)
    html = reordered["curriculum"]["sections"][1]["content"]
    first = "<li>kan konsekvent ta ställning mot diskriminering och kränkande behandling,</li>"
    second = "<li>respekterar andra människors egenvärde och integritet,</li>"
    reordered["curriculum"]["sections"][1]["content"] = html.replace(first + second, second + first)
    assert {g.key for g in parse_document(reordered).goals} == {g.key for g in parse_document(LGR22_V1).goals}


def test_goals_guidelines_and_central_content_are_told_apart() -> None:
    parsed = parse_document(LGR22_V1)
    by_area = {a.code: a for a in parsed.areas}
    assert [g.text for g in parsed.goals if g.area_code == "2.1"][
        -1
    ] == "kan leva sig in i och förstå andra människors situation"
    assert sum(1 for g in parsed.goals if g.area_code == "2.1") == 4  # the guideline is not a goal
    assert not by_area["2.4"].has_child_goals and "Riktlinjer" in by_area["2.4"].note
    assert not by_area["1"].has_child_goals
    assert sorted(t for g in parsed.goals if g.area_code == "3" for t in g.tags) == ["centralt-innehall", "mal", "mal"]


@pytest.mark.django_db
def test_import_from_a_file_creates_a_versioned_curriculum(tmp_path: Path) -> None:
    out, _err = run("--file", str(write(tmp_path, "lgr22.json", LGR22_V1)))
    curriculum = Curriculum.objects.get(code="LGR22")
    assert curriculum.version == "1" and curriculum.school_types == ["GR", "FKLASS", "FTH"]
    assert Goal.objects.filter(curriculum=curriculum).count() == 7
    assert GoalArea.objects.get(curriculum=curriculum, code="2.4").has_child_goals is False
    assert "7 added, 0 changed, 0 unchanged, 0 removed goals" in out


@pytest.mark.django_db
def test_a_new_version_changes_texts_without_breaking_existing_links(tmp_path: Path) -> None:
    run("--file", str(write(tmp_path, "v1.json", LGR22_V1)))
    old_goal = Goal.objects.get(curriculum__version="1", text__startswith="kan konsekvent")
    post = _post_linked_to(old_goal)
    out, _err = run("--file", str(write(tmp_path, "v2.json", v2_of(LGR22_V1))))
    assert "1 added, 1 changed, 4 unchanged, 2 removed goals" in out
    # The post still points at the text it was linked to …
    link = PostGoal.objects.get(post=post)
    assert link.goal_id == old_goal.pk and link.goal.text.startswith("kan konsekvent ta ställning mot diskriminering")
    # … and the reworded goal of version 2 keeps the key, so coverage counts both versions together.
    new_goal = Goal.objects.get(curriculum__version="2", key=old_goal.key)
    assert "all diskriminering" in new_goal.text
    assert set(Goal.objects.current().values_list("curriculum__version", flat=True)) == {"2"}
    assert str(Curriculum.objects.get(code="LGR22", version="1").in_force_to) == "2025-06-30"


@pytest.mark.django_db
def test_unknown_fields_are_ignored_with_a_warning(tmp_path: Path) -> None:
    doc = copy.deepcopy(LGR22_V1)
    doc["curriculum"]["shinyNewField"] = {"x": 1}
    doc["curriculum"]["sections"][0]["colour"] = "blue"
    out, err = run("--file", str(write(tmp_path, "lgr22.json", doc)))
    assert "curriculum.shinyNewField ignored" in err and "sections[0].colour ignored" in err
    assert "7 added" in out and Curriculum.objects.filter(code="LGR22").exists()


@pytest.mark.django_db
def test_malformed_json_gives_a_clear_error_and_imports_nothing(tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", LGR22_V1)
    bad = write(tmp_path, "bad.json", '{"curriculum": {"code": "LGR22",')
    with pytest.raises(CommandError, match=r"Nothing was imported: .*bad.json: malformed JSON at line 1"):
        run("--file", str(good), str(bad))
    assert not Curriculum.objects.filter(code="LGR22").exists()


@pytest.mark.django_db
def test_a_document_with_a_missing_field_rolls_back_the_whole_import(tmp_path: Path) -> None:
    broken = copy.deepcopy(SUBJECT)
    del broken["subject"]["version"]
    with pytest.raises(CommandError, match="'version' is missing"):
        run("--file", str(write(tmp_path, "a.json", LGR22_V1)), str(write(tmp_path, "b.json", broken)))
    assert not Curriculum.objects.exists()


@pytest.mark.django_db
def test_dry_run_reports_and_writes_nothing(tmp_path: Path) -> None:
    out, _err = run("--file", str(write(tmp_path, "lgr22.json", LGR22_V1)), "--dry-run")
    assert "7 added" in out and "Dry run: nothing was written." in out
    assert not Curriculum.objects.exists()


@pytest.mark.django_db
def test_importing_the_same_version_again_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "lgr22.json", LGR22_V1)
    run("--file", str(path))
    out, _err = run("--file", str(path))
    assert "already imported, nothing changed" in out
    assert Curriculum.objects.filter(code="LGR22").count() == 1


@pytest.mark.django_db
def test_a_subject_imports_purpose_goals_and_central_content() -> None:
    [report] = import_documents([SUBJECT])
    curriculum = Curriculum.objects.get(code="GRGRMAT01")
    assert curriculum.name == "Matematik (GRGRMAT01)" and curriculum.version == "3"
    areas = dict(GoalArea.objects.filter(curriculum=curriculum).values_list("code", "title"))
    assert areas["syfte"] == "Syfte – Matematik"
    assert "Geometri (årskurs 1-3)" in areas.values()
    assert len(report.added) == 4  # two purpose goals, two central content items; no knowledge requirements


def test_a_list_answer_is_refused_with_a_clear_message() -> None:
    from folja.curriculum.importer import SyllabusImportError

    with pytest.raises(SyllabusImportError, match="list answer"):
        parse_document({**METADATA, "subjects": [{"code": "GRGRMAT01"}]})


# ---------------------------------------------------------------------------------------------
# The HTTP client against a tiny server on 127.0.0.1
# ---------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes]] = {}

    def do_GET(self) -> None:
        status, body = self.routes.get(self.path, (404, b'{"message": "not found"}'))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def syllabus_server() -> Iterator[str]:
    _Handler.routes = {
        "/syllabus/v1/curriculums/LGR22": (200, json.dumps(LGR22_V1).encode()),
        "/syllabus/v1/subjects/GRGRMAT01": (200, json.dumps(SUBJECT).encode()),
        "/syllabus/v1/subjects?schooltype=GR": (200, json.dumps({**METADATA, "subjects": []}).encode()),
        "/syllabus/v1/subjects/BROKEN": (200, b"<html>oops</html>"),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/syllabus"
    finally:
        server.shutdown()
        server.server_close()


def test_the_client_fetches_documents_below_the_base_url(syllabus_server: str) -> None:
    client = SyllabusClient(syllabus_server)
    assert client.curriculum("LGR22")["curriculum"]["code"] == "LGR22"
    assert client.subjects(schooltype="GR")["subjects"] == []


def test_the_client_reports_http_errors_and_non_json_answers_clearly(syllabus_server: str) -> None:
    client = SyllabusClient(syllabus_server)
    with pytest.raises(SyllabusClientError, match="answered 404"):
        client.subject("NOPE")
    with pytest.raises(SyllabusClientError, match="did not answer with JSON"):
        client.subject("BROKEN")


@pytest.mark.django_db
def test_the_command_imports_from_the_configured_base_url(syllabus_server: str, settings: Any) -> None:
    settings.FOLJA_SYLLABUS_API_URL = syllabus_server
    out, _err = run("--curriculum", "LGR22")
    assert "7 added" in out and Curriculum.objects.filter(code="LGR22").exists()
    out, _err = run("--url", "/v1/subjects/GRGRMAT01")
    assert "GRGRMAT01" in out


@pytest.mark.django_db
def test_an_unreachable_api_imports_nothing(settings: Any) -> None:
    settings.FOLJA_SYLLABUS_API_URL = "http://127.0.0.1:9/syllabus"  # the discard port: nothing listens
    with pytest.raises(CommandError, match="could not be reached"):
        run("--subject", "GRGRMAT01")
    assert not Curriculum.objects.exists()


def _post_linked_to(goal: Goal) -> Post:
    org = Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Huvudman")
    unit = Organisation.objects.create(
        organisation=org, parent=org, organisation_type=OrganisationType.SKOLENHET, display_name="Skolan"
    )
    author = Person.objects.create(given_name="Lärare", family_name="Test")
    post = Post.objects.create(
        organisation=org,
        school_unit=unit,
        kind=PostKind.INDIVIDUAL,
        author=author,
        title="T",
        activity_date="2024-01-10",
    )
    PostGoal.objects.create(post=post, goal=goal)
    return post
