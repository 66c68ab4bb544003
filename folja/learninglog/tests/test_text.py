"""A post's text round-trips: what a teacher typed is what she gets back to edit, any number of times."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from folja.learninglog.actions import sanitise_html
from folja.learninglog.forms import PostForm
from folja.learninglog.text import html_to_text, normalise_text, text_to_html

# What a text box can send: any characters, with many line breaks, spaces and markup-like text.
typed = st.lists(
    st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=20),
        st.sampled_from(["\n", "\r\n", "\n\n", " ", "\t", "\xa0", "<3", ">", "&", "&lt;", "<p>", "</p>", "<br>", ";"]),
    ),
    max_size=30,
).map("".join)


def save(text: str) -> str:
    """What the compose form stores for `text`: the form field, the editor's conversion, the sanitiser."""
    cleaned = PostForm.base_fields["body"].clean(text)
    return sanitise_html(text_to_html(cleaned))


def edit(html: str) -> str:
    """What the text box shows when the stored post is edited."""
    return html_to_text(html)


@settings(max_examples=400, deadline=None)
@given(typed)
@example("Vi älskar lera <3")
@example("<p>Hej</p>")
@example("a &lt;3 b")
@example("Första stycket.\r\n\r\nAndra stycket,\r\nny rad.")
@example("  indrag\n\n\n\nefter tre tomma rader  \n")
def test_what_was_typed_comes_back_to_edit_any_number_of_times(text: str) -> None:
    try:
        stored = save(text)
    except ValidationError:
        # The form refuses a null character with a message; nothing is stored.
        assert "\x00" in text
        return
    shown = edit(stored)
    assert shown == normalise_text(text)
    # The sanitiser keeps the editor's HTML as it is: nothing is escaped twice ("&lt;3").
    assert sanitise_html(stored) == stored
    # Saving what was shown, again and again, changes nothing.
    again = stored
    for _ in range(3):
        again = save(edit(again))
        assert again == stored
        assert edit(again) == shown


@settings(max_examples=200, deadline=None)
@given(typed)
def test_normalising_is_idempotent_and_keeps_every_visible_character(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once
    visible = [ch for ch in text if not ch.isspace() and ch.isprintable()]
    assert [ch for ch in once if not ch.isspace() and ch.isprintable()] == visible


def test_markup_typed_as_text_is_stored_as_text() -> None:
    assert save("Vi älskar lera <3") == "<p>Vi älskar lera &lt;3</p>"
    assert edit(save("Vi älskar lera <3")) == "Vi älskar lera <3"
    assert save("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_paragraphs_and_line_breaks_are_kept() -> None:
    stored = save("Vi hällde vatten.\r\nAlla fick prova.\r\n\r\n\r\nSedan lunch.")
    assert stored == "<p>Vi hällde vatten.<br>Alla fick prova.</p><p>Sedan lunch.</p>"
    assert edit(stored) == "Vi hällde vatten.\nAlla fick prova.\n\nSedan lunch."


def test_an_empty_text_stays_empty() -> None:
    assert save("") == "" and save(" \n\n \t") == "" and edit("") == ""


def test_older_rich_html_becomes_the_plain_text_it_shows() -> None:
    html = (
        "<h3>Skogen</h3><p>Vi såg <strong>älgspår</strong> &amp; en myra.</p>"
        '<ul><li>Kottar</li><li>Pinnar</li></ul><p><a href="https://example.org/">länk</a></p>'
    )
    assert edit(html) == "Skogen\n\nVi såg älgspår & en myra.\n\n- Kottar\n- Pinnar\n\nlänk (https://example.org/)"
