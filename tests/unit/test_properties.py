"""Property-based checks of everything users type: names, titles, file names."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain.filenames import MAX_NAME, content_disposition, safe_filename
from service.domain.metadata import clean_text, parse_document_metadata
from service.errors import InvalidInput

# Text that hurts: controls, NUL, RTL overrides, path pieces, homoglyphs, emoji, surrogates-free.
PIECES = st.sampled_from(
    [
        "\x00",
        "\r",
        "\n",
        "\u202e",
        "\u200b",
        "/",
        "\\",
        "..",
        "%00",
        "%22",
        '"',
        "'",
        ";",
        "Ꭺ",
        "а",
        "ο",
        "\ufeff",
        "👩‍🎓",
        "Диплом",
        ".pdf",
        " ",
    ]
)
NASTY = st.lists(st.one_of(st.text(max_size=20), PIECES), max_size=40).map("".join)


@given(NASTY)
@settings(max_examples=400)
def test_stored_file_names_are_always_safe(raw: str) -> None:
    name = safe_filename(raw)
    assert name and len(name) <= MAX_NAME
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert name not in (".", "..") and not name.startswith(".")
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or ch in "\u202e\u200b\ufeff" for ch in name)


@given(NASTY, st.booleans())
@settings(max_examples=400)
def test_content_disposition_is_a_valid_header_that_keeps_the_name(raw: str, inline: bool) -> None:
    name = safe_filename(raw)
    header = content_disposition(name, inline=inline)
    header.encode("latin-1")  # a header value must be Latin-1; ours is plain ASCII
    assert "\r" not in header and "\n" not in header
    exact = re.search(r"filename\*=UTF-8''(\S+)$", header)
    assert exact and unquote(exact.group(1), errors="strict") == name
    fallback = re.search(r'filename="([^"]*)"', header)
    assert fallback and fallback.group(1)


@given(NASTY)
@settings(max_examples=400)
def test_free_text_is_clean_or_refused(raw: str) -> None:
    try:
        value = clean_text(raw, "title", max_len=500)
    except InvalidInput as exc:
        assert exc.field == "title" and exc.message
        return
    if value is not None:
        assert value == value.strip() and "  " not in value
        assert not any(ord(ch) < 32 or ch in "\u202e\u200b\ufeff" for ch in value)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "kind",
                "title",
                "category",
                "issued_on",
                "academic_year",
                "result",
                "event_level",
                "source",
                "issuer",
                "event",
            ]
        ),
        NASTY,
        max_size=10,
    )
)
@settings(max_examples=400)
def test_metadata_parsing_never_crashes(fields: dict[str, str]) -> None:
    try:
        parse_document_metadata(fields, today=date(2026, 12, 3))
    except InvalidInput as exc:
        assert exc.message.endswith(".") and exc.field
