"""The school directory, shaped after the SS 12000 v2.1 entities so the SIS import maps one to one.

Persons are platform-wide (a child keeps one identity across organisations); everything that
relates persons to units carries the organisation (the huvudman) whose SIS reported it, and the
SIS id, unique per organisation. Relationship rows carry inclusive start and end dates.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from folja.core.dates import today
from folja.directory import civic


class OrganisationType(models.TextChoices):
    HUVUDMAN = "Huvudman", _("Huvudman")
    VERKSAMHETSOMRADE = "Verksamhetsområde", _("Verksamhetsområde")
    FORVALTNING = "Förvaltning", _("Förvaltning")
    REKTORSOMRADE = "Rektorsområde", _("Rektorsområde")
    SKOLA = "Skola", _("Skola")
    SKOLENHET = "Skolenhet", _("Skolenhet")
    VARUMARKE = "Varumärke", _("Varumärke")
    BOLAG = "Bolag", _("Bolag")
    OVRIGT = "Övrigt", _("Övrigt")


class SchoolType(models.TextChoices):
    """SS 12000 school types (skolform); the ones Följa serves first are listed first."""

    FS = "FS", _("Förskola")
    FKLASS = "FKLASS", _("Förskoleklass")
    GR = "GR", _("Grundskola")
    FTH = "FTH", _("Fritidshem")
    OPPFTH = "OPPFTH", _("Öppen fritidsverksamhet")
    GRS = "GRS", _("Anpassad grundskola")
    SP = "SP", _("Specialskola")
    SAM = "SAM", _("Sameskola")
    GY = "GY", _("Gymnasieskola")
    GYS = "GYS", _("Anpassad gymnasieskola")


class DatedQuerySet(models.QuerySet):
    """Reusable filters for rows that hold between inclusive start and end dates."""

    def active(self, on: dt.date | None = None) -> DatedQuerySet:
        """Return rows that hold on the given day (today in Europe/Stockholm by default)."""
        day = on or today()
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))


class DatedModel(models.Model):
    start_date = models.DateField(_("startdatum"))
    end_date = models.DateField(_("slutdatum"), null=True, blank=True)

    objects = DatedQuerySet.as_manager()

    class Meta:
        abstract = True

    def is_active(self, on: dt.date | None = None) -> bool:
        day = on or today()
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


def _dates_in_order(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
        name=f"{name}_end_not_before_start",
    )


def _unique_sis_id(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["organisation", "sis_id"], condition=Q(sis_id__isnull=False), name=f"{name}_unique_sis_id"
    )


class Organisation(models.Model):
    """An SS 12000 organisation: a huvudman (the tenant), a school unit, or a level between.

    `organisation` points at the huvudman the row belongs to; it is empty on the huvudman itself.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="owned_organisations"
    )
    sis_id = models.CharField(_("id i SIS"), max_length=64, null=True, blank=True)
    organisation_type = models.CharField(_("typ"), max_length=32, choices=OrganisationType.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("överordnad")
    )
    display_name = models.CharField(_("namn"), max_length=200)
    organisation_code = models.CharField(_("organisationskod"), max_length=64, blank=True)
    organisation_number = models.CharField(_("organisationsnummer"), max_length=16, blank=True)
    school_unit_code = models.CharField(_("skolenhetskod"), max_length=16, blank=True)
    school_types = models.JSONField(_("skolformer"), default=list, blank=True)
    municipality_code = models.CharField(_("kommunkod"), max_length=4, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    phone_number = models.CharField(_("telefon"), max_length=32, blank=True)
    street_address = models.CharField(_("gatuadress"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=16, blank=True)
    locality = models.CharField(_("ort"), max_length=100, blank=True)
    start_date = models.DateField(_("startdatum"), null=True, blank=True)
    end_date = models.DateField(_("slutdatum"), null=True, blank=True)
    # Unit setting (access rule "connected staff"): every duty at the unit is unit-wide.
    all_staff_see_all_children = models.BooleanField(_("all personal ser alla barn"), default=False)
    # Organisation setting (R3): new groups are hidden-member groups by default.
    hidden_members_by_default = models.BooleanField(_("dolda medlemmar som standard"), default=False)
    # Organisation setting (R7): whose yes shares the documentation at a transition.
    transition_consent_rule = models.CharField(
        _("samtycke vid övergång"),
        max_length=8,
        choices=[
            ("all", _("Alla vårdnadshavare måste svara ja")),
            ("any", _("Det räcker att en vårdnadshavare svarar ja")),
        ],
        default="all",
    )
    # Organisation settings (issue 28, docs/sign-in.md "Guardians without Swedish e-ID"): guardians
    # may sign in at a lower level of assurance by a one-time code sent by SMS to the mobile number
    # the SIS lists for them, and with a printed enrolment code from the child's unit. Off by default.
    guardian_sms_sign_in = models.BooleanField(_("vårdnadshavare kan logga in med sms-kod"), default=False)
    guardian_enrolment_codes = models.BooleanField(
        _("personal kan skriva ut inloggningskoder till vårdnadshavare"), default=False
    )

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")
        constraints = [
            _dates_in_order("organisation"),
            _unique_sis_id("organisation"),
            models.CheckConstraint(
                condition=Q(organisation_type=OrganisationType.HUVUDMAN, organisation__isnull=True)
                | (~Q(organisation_type=OrganisationType.HUVUDMAN) & Q(organisation__isnull=False)),
                name="organisation_huvudman_owns_the_rest",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_school_unit(self) -> bool:
        return self.organisation_type == OrganisationType.SKOLENHET

    @property
    def huvudman(self) -> Organisation:
        return self if self.organisation_id is None else self.organisation

    def school_type_labels(self) -> list[str]:
        labels = dict(SchoolType.choices)
        return [str(labels.get(code, code)) for code in self.school_types]


class SecurityMarking(models.TextChoices):
    NONE = "Ingen", _("Ingen")
    CONFIDENTIAL = "Sekretessmarkering", _("Sekretessmarkering")
    PROTECTED_REGISTRATION = "Skyddad folkbokföring", _("Skyddad folkbokföring")


class CivicNumberKind(models.TextChoices):
    """The form of a civic number (folja.directory.civic)."""

    PERSONNUMMER = civic.PERSONNUMMER, _("Personnummer")
    SAMORDNINGSNUMMER = civic.SAMORDNINGSNUMMER, _("Samordningsnummer")
    TEMPORARY = civic.TEMPORARY, _("Tillfälligt nummer eller reservnummer")


class PersonStatus(models.TextChoices):
    ACTIVE = "Aktiv", _("Aktiv")
    EMIGRATED = "Utvandrad", _("Utvandrad")
    DECEASED = "Avliden", _("Avliden")


class PersonQuerySet(models.QuerySet):
    def unsealed(self) -> PersonQuerySet:
        """Return persons not sealed under R5 (a sealed person is invisible everywhere)."""
        return self.filter(sealed_at__isnull=True)


class Person(models.Model):
    """Anyone in the platform: children, guardians and staff are persons with relationships."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    given_name = models.CharField(_("förnamn"), max_length=100)
    middle_name = models.CharField(_("mellannamn"), max_length=100, blank=True)
    family_name = models.CharField(_("efternamn"), max_length=100)
    # Normalised to 12 characters (folja.directory.civic: YYYYMMDDNNNN, or a temporary number's
    # YYYYMMDD and four letters or digits); sensitive: shown masked, never in URLs or logs.
    civic_number = models.CharField(_("personnummer"), max_length=12, null=True, blank=True, unique=True)
    # Which form the number has ("" without one): only personnummer and samordningsnummer are ever
    # matched against an e-ID (folja.access.policy.person_for_sign_in); set by save() when empty.
    civic_number_kind = models.CharField(
        _("typ av personnummer"), max_length=20, choices=CivicNumberKind.choices, blank=True, default=""
    )
    birth_date = models.DateField(_("födelsedatum"), null=True, blank=True)
    sex = models.CharField(_("kön"), max_length=8, blank=True)
    security_marking = models.CharField(
        _("skyddad identitet"), max_length=32, choices=SecurityMarking.choices, default=SecurityMarking.NONE
    )
    status = models.CharField(_("status"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE)
    # R5: set when a person in the platform gets a security marking; the access policy checks it first.
    sealed_at = models.DateTimeField(_("förseglad"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The language the person reads Följa in (pages, notices, e-mail): a code of settings.LANGUAGES,
    # "" until chosen (then the browser's). Set by the person only (`directory.actions.person_language_set`).
    language = models.CharField(_("språk"), max_length=16, blank=True, default="")
    # Digest of the SIS record last applied to this person, its contacts included (folja.sis):
    # a re-run skips a person whose record has not changed without reading their rows back.
    sis_digest = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("person")
        verbose_name_plural = _("personer")
        constraints = [
            # The form and the number agree: digits for the e-ID forms, a temporary number's date
            # and four letters or digits, and no kind without a number.
            models.CheckConstraint(
                condition=Q(civic_number__isnull=True, civic_number_kind="")
                | Q(
                    civic_number_kind__in=[CivicNumberKind.PERSONNUMMER, CivicNumberKind.SAMORDNINGSNUMMER],
                    civic_number__isnull=False,
                    civic_number__regex=r"^[0-9]{12}$",
                )
                | Q(
                    civic_number_kind=CivicNumberKind.TEMPORARY,
                    civic_number__isnull=False,
                    civic_number__regex=r"^[0-9]{8}[0-9A-Z]{4}$",
                ),
                name="person_civic_number_form",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        """Set the number's kind from the number when it is not given (InvalidCivicNumber for no form)."""
        if not self.civic_number:
            self.civic_number = None
            self.civic_number_kind = ""
        elif not self.civic_number_kind:
            self.civic_number_kind = civic.kind_of(self.civic_number)
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def masked_civic_number(self) -> str:
        return civic.mask(self.civic_number)

    @property
    def initials(self) -> str:
        return f"{self.given_name[:1]}{self.family_name[:1]}".upper()


class PersonSisId(models.Model):
    """The id a person has in one organisation's SIS (a person can be known to several)."""

    # Indexed as the leading column of personsisid_unique.
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="sis_ids")
    sis_id = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "sis_id"], name="personsisid_unique")]


class EmailType(models.TextChoices):
    PRIVATE = "Privat", _("Privat")
    SCHOOL_PUPIL = "Skola elev", _("Skola elev")
    SCHOOL_STAFF = "Skola personal", _("Skola personal")
    WORK_OTHER = "Arbete övrigt", _("Arbete övrigt")


class PhoneType(models.TextChoices):
    HOME = "Hem", _("Hem")
    WORK = "Arbete", _("Arbete")


class AddressType(models.TextChoices):
    REGISTERED = "Folkbokföring", _("Folkbokföring")
    SPECIAL_POSTAL = "Särskild postadress", _("Särskild postadress")
    TEMPORARY = "Tillfällig adress", _("Tillfällig adress")
    POSTAL = "Postadress", _("Postadress")


class Email(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="emails")
    value = models.EmailField(_("e-post"))
    type = models.CharField(_("typ"), max_length=32, choices=EmailType.choices)

    class Meta:
        verbose_name = _("e-postadress")


class Phone(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones")
    value = models.CharField(_("telefon"), max_length=32)
    type = models.CharField(_("typ"), max_length=16, choices=PhoneType.choices)
    mobile = models.BooleanField(_("mobil"), default=True)

    class Meta:
        verbose_name = _("telefonnummer")


class Address(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    type = models.CharField(_("typ"), max_length=32, choices=AddressType.choices, default=AddressType.REGISTERED)
    street_address = models.CharField(_("gatuadress"), max_length=200)
    postal_code = models.CharField(_("postnummer"), max_length=16)
    locality = models.CharField(_("ort"), max_length=100)
    country = models.CharField(_("land"), max_length=64, default="Sverige")
    municipality_code = models.CharField(_("kommunkod"), max_length=4, blank=True)

    class Meta:
        verbose_name = _("adress")


class RelationType(models.TextChoices):
    GUARDIAN = "Vårdnadshavare", _("Vårdnadshavare")
    OTHER_RESPONSIBLE = "Annan ansvarig", _("Annan ansvarig")
    TRUSTEE = "God man", _("God man")
    APPOINTED = "Utsedd behörig", _("Utsedd behörig")


class Guardianship(models.Model):
    """A responsible of a child (SS 12000 `responsibles`); only Vårdnadshavare gives guardian rights."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Indexed as the leading column of guardianship_unique and of Index(responsible, relation_type).
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="responsibles")
    responsible = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="responsible_for", db_index=False)
    relation_type = models.CharField(_("relation"), max_length=32, choices=RelationType.choices)

    class Meta:
        verbose_name = _("vårdnad")
        verbose_name_plural = _("vårdnader")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "child", "responsible", "relation_type"], name="guardianship_unique"
            ),
            models.CheckConstraint(condition=~Q(child=models.F("responsible")), name="guardianship_not_self"),
        ]
        indexes = [models.Index(fields=["responsible", "relation_type"])]


class GroupType(models.TextChoices):
    TEACHING = "Undervisning", _("Undervisning")
    CLASS = "Klass", _("Klass")
    MENTOR = "Mentor", _("Mentor")
    EXAM = "Provgrupp", _("Provgrupp")
    SCHEDULE = "Schema", _("Schema")
    DEPARTMENT = "Avdelning", _("Avdelning")
    STAFF = "Personalgrupp", _("Personalgrupp")
    OTHER = "Övrigt", _("Övrigt")


class Group(DatedModel):
    """A set of children and staff at a school unit (SS 12000 Group)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    sis_id = models.CharField(max_length=64, null=True, blank=True)
    school_unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="groups")
    display_name = models.CharField(_("namn"), max_length=200)
    group_type = models.CharField(_("typ"), max_length=32, choices=GroupType.choices)
    school_type = models.CharField(_("skolform"), max_length=16, choices=SchoolType.choices, blank=True)
    # R3: members cannot see who else is a member.
    hidden_members = models.BooleanField(_("dolda medlemmar"), default=False)

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("grupp")
        verbose_name_plural = _("grupper")
        constraints = [_dates_in_order("group"), _unique_sis_id("group")]

    def __str__(self) -> str:
        return self.display_name


class GroupMembership(DatedModel):
    """A child's membership in a group (SS 12000 groupMemberships)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    # Indexed as the leading columns of Index(group, start_date) and Index(person, group).
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="group_memberships", db_index=False)

    class Meta:
        verbose_name = _("gruppmedlemskap")
        constraints = [_dates_in_order("groupmembership")]
        indexes = [models.Index(fields=["person", "group"]), models.Index(fields=["group", "start_date"])]


class Placement(DatedModel):
    """A child's enrolment at a school unit, optionally in a group (SS 12000 Placement)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    sis_id = models.CharField(max_length=64, null=True, blank=True)
    # Indexed as the leading columns of Index(child, school_unit) and Index(school_unit, start_date).
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="placements", db_index=False)
    school_unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="placements", db_index=False)
    group = models.ForeignKey(Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="placements")
    school_type = models.CharField(_("skolform"), max_length=16, choices=SchoolType.choices)

    class Meta:
        verbose_name = _("placering")
        verbose_name_plural = _("placeringar")
        constraints = [_dates_in_order("placement"), _unique_sis_id("placement")]
        indexes = [models.Index(fields=["child", "school_unit"]), models.Index(fields=["school_unit", "start_date"])]


class DutyRole(models.TextChoices):
    PRINCIPAL = "Rektor", _("Rektor")
    TEACHER = "Lärare", _("Lärare")
    PRESCHOOL_TEACHER = "Förskollärare", _("Förskollärare")
    CHILD_MINDER = "Barnskötare", _("Barnskötare")
    LIBRARIAN = "Bibliotekarie", _("Bibliotekarie")
    TEACHING_ASSISTANT = "Lärarassistent", _("Lärarassistent")
    LEISURE_TEACHER = "Fritidspedagog", _("Fritidspedagog")
    OTHER_STAFF = "Annan personal", _("Annan personal")
    CAREERS_ADVISER = "Studie- och yrkesvägledare", _("Studie- och yrkesvägledare")
    LEAD_TEACHER = "Förstelärare", _("Förstelärare")
    COUNSELLOR = "Kurator", _("Kurator")
    SCHOOL_NURSE = "Skolsköterska", _("Skolsköterska")
    SCHOOL_DOCTOR = "Skolläkare", _("Skolläkare")
    PSYCHOLOGIST = "Skolpsykolog", _("Skolpsykolog")
    SPECIAL_NEEDS = "Speciallärare/specialpedagog", _("Speciallärare/specialpedagog")
    ADMINISTRATOR = "Skoladministratör", _("Skoladministratör")
    OTHER_MANAGEMENT = "Övrig arbetsledning", _("Övrig arbetsledning")
    OTHER_EDUCATIONAL = "Övrig pedagogisk personal", _("Övrig pedagogisk personal")
    PRESCHOOL_HEAD = "Förskolechef", _("Förskolechef")


# Duties that connect a staff member to every child of the unit ("connected staff", access-rules.md).
UNIT_WIDE_DUTY_ROLES = frozenset({DutyRole.PRINCIPAL, DutyRole.PRESCHOOL_HEAD, DutyRole.SPECIAL_NEEDS})


class Duty(DatedModel):
    """A staff member's role at a school unit over a period (SS 12000 Duty)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    sis_id = models.CharField(max_length=64, null=True, blank=True)
    # Indexed as the leading column of Index(person, school_unit).
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="duties", db_index=False)
    school_unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="duties")
    duty_role = models.CharField(_("befattning"), max_length=40, choices=DutyRole.choices)
    signature = models.CharField(_("signatur"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("tjänstgöring")
        verbose_name_plural = _("tjänstgöringar")
        constraints = [_dates_in_order("duty"), _unique_sis_id("duty")]
        indexes = [models.Index(fields=["person", "school_unit"])]

    @property
    def is_unit_wide(self) -> bool:
        return self.duty_role in UNIT_WIDE_DUTY_ROLES or self.school_unit.all_staff_see_all_children


class AssignmentRoleType(models.TextChoices):
    MENTOR = "Mentor", _("Mentor")
    PRESCHOOL_TEACHER = "Förskollärare", _("Förskollärare")
    CHILD_MINDER = "Barnskötare", _("Barnskötare")
    LEISURE_TEACHER = "Fritidspedagog", _("Fritidspedagog")
    SPECIAL_NEEDS = "Specialpedagog", _("Specialpedagog")
    STUDENT_HEALTH = "Elevhälsopersonal", _("Elevhälsopersonal")
    EDUCATIONAL_LEADER = "Pedagogisk ledare", _("Pedagogisk ledare")
    SCHEDULER = "Schemaläggare", _("Schemaläggare")
    TEACHING_ASSISTANT = "Lärarassistent", _("Lärarassistent")
    ADMINISTRATIVE = "Administrativ personal", _("Administrativ personal")


class DutyAssignment(DatedModel):
    """A duty's assignment to a group (SS 12000 Duty.assignmentRole): makes the staff a group member."""

    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="assignments")
    # Indexed as the leading column of Index(group, duty).
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="assignments", db_index=False)
    assignment_role_type = models.CharField(_("uppdrag"), max_length=32, choices=AssignmentRoleType.choices)

    class Meta:
        verbose_name = _("uppdrag i grupp")
        verbose_name_plural = _("uppdrag i grupper")
        constraints = [_dates_in_order("dutyassignment")]
        indexes = [models.Index(fields=["group", "duty"])]


# ---------------------------------------------------------------------------------------------
# Access given by a person (issue 28): contact persons beyond custody, named-child duties
# ---------------------------------------------------------------------------------------------


class ContactRelation(models.TextChoices):
    FOSTER_PARENT = "Familjehemsförälder", _("Familjehemsförälder")
    TRUSTEE = "God man", _("God man")
    INFORMAL_GUARDIAN = "Annan vuxen som barnet bor hos", _("Annan vuxen som barnet bor hos")
    RELATIVE = "Annan anhörig", _("Annan anhörig")


class NamedChildRole(models.TextChoices):
    SPECIAL_NEEDS = AssignmentRoleType.SPECIAL_NEEDS.value, AssignmentRoleType.SPECIAL_NEEDS.label
    STUDENT_HEALTH = AssignmentRoleType.STUDENT_HEALTH.value, AssignmentRoleType.STUDENT_HEALTH.label


class GrantedAccess(DatedModel):
    """What a principal grants for a period with a reason (folja.access.connections reads it):
    dated like every relationship, and ended early by `ended_at` (effective on the next request)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    school_unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("enhet"))
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="%(class)s_about", verbose_name=_("barn"))
    reason = models.CharField(_("skäl"), max_length=300)
    granted_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        abstract = True

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None


class ContactConnection(GrantedAccess):
    """A person other than a guardian connected to a child for a period (a foster parent, god man,
    another adult or relative): signs in like a guardian and sees what `access/connections.py` grants."""

    contact = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_for", verbose_name=_("person"))
    relation = models.CharField(_("relation"), max_length=40, choices=ContactRelation.choices)

    class Meta:
        verbose_name = _("kontaktperson")
        verbose_name_plural = _("kontaktpersoner")
        constraints = [
            _dates_in_order("contactconnection"),
            models.CheckConstraint(condition=~Q(child=models.F("contact")), name="contactconnection_not_self"),
        ]
        indexes = [models.Index(fields=["contact", "child"]), models.Index(fields=["child", "start_date"])]


class NamedChildAccess(GrantedAccess):
    """A staff member's access to one named child at one unit for a period (student health, special
    educator): counted among the staff connections (R1) for that child at that unit only."""

    staff = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="named_child_access", verbose_name=_("personal")
    )
    role = models.CharField(_("uppdrag"), max_length=32, choices=NamedChildRole.choices)

    class Meta:
        verbose_name = _("åtkomst till namngivet barn")
        verbose_name_plural = _("åtkomst till namngivna barn")
        constraints = [_dates_in_order("namedchildaccess")]
        indexes = [models.Index(fields=["staff", "school_unit"]), models.Index(fields=["child", "start_date"])]
