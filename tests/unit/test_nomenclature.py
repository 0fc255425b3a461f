from __future__ import annotations

import pytest

from retention.nomenclature import NomenclatureError, default_nomenclature_text, parse_nomenclature
from service.models import DocumentKind

KINDS = [k.value for k in DocumentKind]


def test_default_files_every_kind_and_marks_placeholders() -> None:
    n = parse_nomenclature(default_nomenclature_text(), document_kinds=KINDS)
    assert n.file("diploma", "olympiad_contest").index == "07-03"
    assert n.file("creative_work", "creative").index == "07-04"
    placeholders = {e.index for e in n.entries if e.to_be_confirmed}
    assert {"07-02", "07-03", "07-04", "07-05"} <= placeholders
    assert "07-01" not in placeholders
    assert n.entry("07-02").retention_label_ru == "5 лет, ЭПК"


def test_retention_package_imports_nothing_of_the_service() -> None:
    import ast
    from pathlib import Path

    for path in Path("retention").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            for name in names:
                assert name.split(".")[0] not in {"service", "litestar", "pymongo", "minio"}, (path, name)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not toml [", "TOML"),
        ("", "ни одной статьи"),
        (
            '[[entry]]\nindex="07-01"\ntitle="a"\nretention="years"\nyears=1\nkinds=["diploma"]\n'
            '[[entry]]\nindex="07-01"\ntitle="b"\nretention="permanent"\n',
            "повторяется",
        ),
        ('[[entry]]\nindex="7-1"\ntitle="a"\nretention="years"\nyears=1\n', "07-03"),
        ('[[entry]]\nindex="07-01"\ntitle="a"\nretention="forever"\n', "forever"),
        ('[[entry]]\nindex="07-01"\ntitle="a"\nretention="years"\n', "years"),
        (
            '[[entry]]\nindex="07-01"\ntitle="a"\nretention="permanent"\nkinds=["diploma", "passport"]\n',
            "passport",
        ),
        ('[[entry]]\nindex="07-01"\ntitle="a"\nretention="permanent"\nkinds=["diploma"]\n', "creative_work"),
    ],
)
def test_bad_nomenclature_is_refused_with_reasons(text: str, problem: str) -> None:
    with pytest.raises(NomenclatureError) as caught:
        parse_nomenclature(text, document_kinds=KINDS)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(
    "bad",
    ["years = 5.5", 'years = "5"', "years = true", "years = 0"],
)
def test_years_must_be_a_whole_number(bad: str) -> None:
    text = f'[[entry]]\nindex="07-01"\ntitle="a"\nretention="years"\n{bad}\nkinds={KINDS!r}\n'.replace(
        "'", '"'
    )
    with pytest.raises(NomenclatureError):
        parse_nomenclature(text, document_kinds=KINDS)


def test_toml_errors_are_reported_in_russian() -> None:
    with pytest.raises(NomenclatureError) as caught:
        parse_nomenclature("[[entry]\nindex=", document_kinds=KINDS)
    assert caught.value.problems[0].startswith(
        "Файл номенклатуры содержит синтаксическую ошибку TOML (строка 1"
    )


def test_absurdly_nested_toml_is_refused_not_crashed() -> None:
    with pytest.raises(NomenclatureError) as caught:
        parse_nomenclature("a = " + "[" * 5000 + "]" * 5000, document_kinds=KINDS)
    assert "слишком глубоко" in str(caught.value.problems)
