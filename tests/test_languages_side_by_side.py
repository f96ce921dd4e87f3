"""Reports in several languages live side by side: ``outputs/MDA/`` (English) and ``outputs/MDA/ro/``.

Moldova's methods section is built in English, then in Romanian, into one output folder. The
Romanian build must leave the English report as it was, neither build may make the other's
runs due again, and the index, ``check-report``, ``diff``, ``fidelity`` and the preview must
find both. Language names are compared with babel's (CLDR), read here independently.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from babel import Locale
from lxml import html as lxml_html
from shared_builds import remembering

from perspectives import pdf
from perspectives.build import build

HAS_CHROMIUM = pdf.find_chromium() is not None


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory, saved_decisions) -> dict[str, object]:
    """MDA's methods built in English, then in Romanian, then both again.

    From the small-cell rule's results a warm-up saved for the same data (``remembering``): the
    subject is the two languages side by side, not the search.
    """
    out = remembering(tmp_path_factory.mktemp("languages") / "outputs", saved_decisions)
    en = build(countries=["MDA"], sections=["methods"], lang="en", out=out, jobs=2)
    assert en.ok, en.summary()
    english = {name: (out / "MDA" / name).read_bytes() for name in ("report.html", "report.docx")}
    english_stamp = (out / "MDA" / "sections" / "methods" / "stamp.json").read_bytes()
    ro = build(countries=["MDA"], sections=["methods"], lang="ro", out=out, jobs=2)
    assert ro.ok, ro.summary()
    again = {lang: build(countries=["MDA"], sections=["methods"], lang=lang, out=out, jobs=2) for lang in ("en", "ro")}
    return {"out": out, "english": english, "english_stamp": english_stamp, "ro": ro, "again": again}


def test_romanian_after_english_leaves_both_reports(side_by_side):
    out = side_by_side["out"]
    for name, before in side_by_side["english"].items():
        assert (out / "MDA" / name).read_bytes() == before, name  # the Romanian build did not touch it
    assert (out / "MDA" / "sections" / "methods" / "stamp.json").read_bytes() == side_by_side["english_stamp"]
    english = (out / "MDA" / "report.html").read_text(encoding="utf-8")
    romanian = (out / "MDA" / "ro" / "report.html").read_text(encoding="utf-8")
    assert re.search(r'<html lang="en-GB"', english) and re.search(r'<html lang="ro-MD"', romanian)
    ro_stamp = json.loads((out / "MDA" / "ro" / "sections" / "methods" / "stamp.json").read_text(encoding="utf-8"))
    assert ro_stamp["lang"] == "ro"
    assert side_by_side["ro"].reports_written == ["MDA"]


def test_the_stamps_of_one_language_do_not_make_the_other_due(side_by_side):
    for lang, result in side_by_side["again"].items():
        assert result.ok and result.executed == [], (lang, result.summary())
        assert result.reports_unchanged == ["MDA"], lang


def test_the_numbers_are_the_same_in_both_languages(side_by_side):
    from perspectives.diff import compare, load_values

    values = load_values(side_by_side["out"])
    english = {(s, n, c): v for (r, s, n, c), v in values.items() if r == "MDA"}
    romanian = {(s, n, c): v for (r, s, n, c), v in values.items() if r == "MDA/ro"}
    assert len(english) > 20 and english == romanian
    # diff compares a language with itself: a Romanian value that moved is named as such
    moved = dict(values)
    key = next(k for k in values if k[0] == "MDA/ro" and isinstance(values[k], (int, float)))
    moved[key] = values[key] + 1
    changes = compare(values, moved)
    assert [(c.report, c.name) for c in changes] == [("MDA/ro", key[2])]


def test_the_index_lists_every_report_in_every_language(side_by_side, tmp_path):
    out = side_by_side["out"]
    page = lxml_html.fromstring((out / "index.html").read_bytes())
    links = {a.get("href"): a.text_content() for a in page.iter("a")}
    formats = [("report.html", "HTML"), ("report.docx", "Word")] + ([("report.pdf", "PDF")] if HAS_CHROMIUM else [])
    for folder in ("MDA", "MDA/ro"):
        for name, label in formats:
            assert links.get(f"{folder}/{name}") == label, (folder, name)
            assert (out / folder / name).is_file()
    # Each language named in itself, as CLDR writes it, and marked with its language.
    names = {span.get("lang"): span.text_content() for span in page.iter("span") if span.get("lang")}
    assert names == {"en": Locale("en").get_language_name("en"), "ro": Locale("ro").get_language_name("ro")}
    assert names["ro"] == "română"
    assert "fidelity/index.html" not in links  # not checked yet


@pytest.mark.skipif(not HAS_CHROMIUM, reason="chromium is not installed (make pdf-tools)")
def test_the_index_links_the_pdfs(side_by_side):
    out = side_by_side["out"]
    text = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="MDA/report.pdf"' in text and 'href="MDA/ro/report.pdf"' in text


def test_fidelity_reads_either_language_and_the_index_links_its_page(side_by_side, tmp_path, capsys):
    from perspectives import fidelity

    out = tmp_path / "outputs"
    shutil.copytree(side_by_side["out"], out)
    both = fidelity.read_build_values(out)
    shutil.rmtree(out / "MDA" / "sections")  # only the Romanian runs left
    only_ro = fidelity.read_build_values(out)
    assert len(both) > 20 and only_ro == both
    assert fidelity.main(["--out", str(out)]) == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="fidelity/index.html"' in page and (out / "fidelity" / "index.html").is_file()


def test_check_report_and_the_preview_find_the_languages(side_by_side, capsys):
    from perspectives.preview import Preview
    from perspectives.reportcheck import main, report_folders

    out = side_by_side["out"]
    assert report_folders(out / "MDA") == [out / "MDA", out / "MDA" / "ro"]
    assert report_folders(out) == [out / "MDA", out / "MDA" / "ro"]
    main([str(out / "MDA"), "--no-axe", "--json"])
    checked = json.loads(capsys.readouterr().out)
    assert [r["folder"] for r in checked] == ["MDA", "MDA/ro"]
    assert all(r["counts"]["html"]["lang"] == lang for r, lang in zip(checked, ("en-GB", "ro-MD"), strict=True))
    assert Preview({"countries": ["MDA"], "lang": "ro", "out": out}).folder("MDA") == "MDA/ro"
    assert Preview({"countries": ["MDA"], "out": out}).folder("MDA") == "MDA"


def test_where_a_report_lives_in_each_language():
    from perspectives.study import load_study, report_folder

    study = load_study()
    assert report_folder("MDA", study) == report_folder("MDA", study, "en") == "MDA"
    assert report_folder("MDA", study, "ro") == "MDA/ro"
    assert report_folder(study.synthesis_code, study, "es") == f"{study.synthesis_folder}/es"
