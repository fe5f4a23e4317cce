from og.core.text import normalize_cell, normalize_export, split_lines, strip_bullet


def test_bom_and_line_endings() -> None:
    assert normalize_export("\ufeffa\r\nb\rc\nd") == "a\nb\nc\nd"


def test_line_count_is_preserved() -> None:
    text = "\ufeffPlan: A\r\n\r\n\u200b\r\nStep: x\u2028Day: 0\r\n"
    lines = split_lines(normalize_export(text))
    assert lines == ["Plan: A", "", "", "Step: x", "Day: 0"]


def test_odd_spaces_and_tabs_become_spaces() -> None:
    text = "a\u00a0b\u2007c\u202fd\u2009e\tf"
    assert normalize_export(text) == "a b c d e f"


def test_smart_quotes_become_straight() -> None:
    assert normalize_export("it\u2019s \u2018a\u2019 \u201cb\u201d") == "it's 'a' \"b\""


def test_dashes_are_kept() -> None:
    assert (
        normalize_export("Welcome \u2014 set up \u2013 now") == "Welcome \u2014 set up \u2013 now"
    )


def test_zero_width_characters_are_removed() -> None:
    assert normalize_export("Da\u200by\u200c:\u200d 0\u2060\ufeff") == "Day: 0"


def test_strip_bullet() -> None:
    for line in (
        "\u2022 Day: 0",
        "\u25e6 Day: 0",
        "\u25aa Day: 0",
        "\u25cf Day: 0",
        "\u25cb Day: 0",
        "\u25a0 Day: 0",
        "- Day: 0",
        "* Day: 0",
        "1. Day: 0",
        "12) Day: 0",
        "   \u2022   Day: 0   ",
        "\u2022Day: 0",
        "Day: 0",
    ):
        assert strip_bullet(line) == "Day: 0", line


def test_strip_bullet_leaves_other_text() -> None:
    assert strip_bullet("-5 days") == "-5 days"
    assert strip_bullet("2026-12-25") == "2026-12-25"
    assert strip_bullet("*bold*") == "*bold*"
    assert strip_bullet("") == ""


def test_normalize_cell_keeps_quotes() -> None:
    assert normalize_cell("\u00a0O\u2019Brien\u200b ") == "O\u2019Brien"


def test_split_lines_trailing_newline() -> None:
    assert split_lines("a\nb\n") == ["a", "b"]
    assert split_lines("a\nb\n\n") == ["a", "b", ""]
    assert split_lines("") == [""]
