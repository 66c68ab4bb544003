"""The API's response and request shapes. They shape values the access layer already chose:
none of them reads a model's relations by itself."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Schema
from pydantic import Field


class Me(Schema):
    uuid: uuid.UUID
    name: str
    role: str


class Child(Schema):
    uuid: uuid.UUID
    name: str


class Goal(Schema):
    code: str
    text: str


class MediaLink(Schema):
    uuid: uuid.UUID
    kind: str
    alt_text: str
    name: str
    download: str = Field(description="The file, checked against the post's rules on every request (R10).")


class PostSummary(Schema):
    uuid: uuid.UUID
    title: str
    body_html: str
    kind: str
    status: str
    activity_date: dt.date
    unit: str
    group: str | None
    author: str | None = Field(description="None when the author has protected identity (R5).")
    goals: list[Goal]
    media: list[MediaLink]
    named_children: list[Child] = Field(description="Only the children this reader may see named (R2, R3, R8).")
    comment_count: int


class Page(Schema):
    items: list[PostSummary]
    next: str | None = Field(description="The cursor for the next page (`after`), None on the last page.")


class Comment(Schema):
    uuid: uuid.UUID
    author: str
    author_role: str
    body: str
    created_at: dt.datetime
    hidden: bool
    family: Child | None = Field(description="Whose family thread the comment belongs to (R2).")


class PostDetail(PostSummary):
    comments: list[Comment]
    may_comment: bool
    may_edit: bool


class CommentIn(Schema):
    body: str = Field(min_length=1, max_length=4000)
    family: uuid.UUID | None = Field(
        default=None, description="A guardian: which of their own named children; staff: one family only, or none."
    )


class Group(Schema):
    uuid: uuid.UUID
    name: str
    unit: str
    hidden_members: bool


class Upload(Schema):
    uuid: uuid.UUID
    name: str
    kind: str


class UploadSession(Schema):
    uuid: uuid.UUID
    length: int = Field(description="The file's size in bytes (Upload-Length).")
    offset: int = Field(description="How many bytes have come (Upload-Offset): send the next part from here.")
    expires: dt.datetime = Field(description="Unfinished, it is deleted then (Upload-Expires); each part moves it.")
    upload: uuid.UUID | None = Field(
        description="Once the last part has come and the file is accepted: the upload to attach with POST /posts."
    )


class PostIn(Schema):
    group: uuid.UUID
    kind: str = Field(default="group", pattern="^(group|individual)$")
    children: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20000)
    activity_date: dt.date
    goals: list[str] = Field(default_factory=list, max_length=200, description="Goal keys.")
    uploads: list[uuid.UUID] = Field(default_factory=list, max_length=50, description="Own uploads to attach.")
    publish: bool = False
    confirm_photo_consent: bool = False


class PostEdit(Schema):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20000)
    activity_date: dt.date
    goals: list[str] = Field(default_factory=list, max_length=200)


class PublishIn(Schema):
    confirm_photo_consent: bool = False


class CoverageGoal(Schema):
    code: str
    text: str
    counts: list[int]
    total: int


class Coverage(Schema):
    months: list[dt.date]
    goals: list[CoverageGoal]
    posts: int


class Slot(Schema):
    uuid: uuid.UUID
    starts_at: dt.datetime
    duration_minutes: int
    place: str


class Talk(Schema):
    uuid: uuid.UUID
    child: Child
    unit: str
    period_start: dt.date
    activity_date: dt.date
    status: str
    booked_start: dt.datetime | None
    booking: Slot | None = Field(description="The booked time; only when one talk is read (None in lists).")


class BookingIn(Schema):
    slot: uuid.UUID


class Notice(Schema):
    uuid: uuid.UUID
    kind: str
    subject: str
    text: str
    created_at: dt.datetime
    read: bool
    path: str


class Consent(Schema):
    mine: bool | None = Field(description="My current answer; None: not answered (counts as no, R7).")
    effective: bool = Field(description="Whether consent holds under the organisation's rule.")


class ConsentIn(Schema):
    allowed: bool


class Export(Schema):
    uuid: uuid.UUID
    status: str
    progress: int
    files: list[str]
