"""Tests for perspectives.screen: planted identifying details in five languages are caught,
neutral synthetic excerpts pass, sentence-initial capitals are not names, logs carry no text,
and on the labelled set of approved answers (tests/fixtures/screen) the screen withholds the
identifying answers and still shows the neutral ones."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml
from num2words import num2words
from screen_set import KINDS, load_all

from perspectives import screen
from perspectives.qualitative import load_codebook
from perspectives.screen import HIT_KINDS, LANGUAGES, screen_excerpts, screen_text
from perspectives.screen_words import fold, given_names

# One planted detail of every kind in every language: (language, kind, text, detail).
PLANTED: list[tuple[str, str, str, str]] = [
    # English
    ("en", "name", "Later I talked with Sarah about it.", "Sarah"),
    ("en", "place", "We had moved to Tirana by then.", "Tirana"),
    ("en", "organisation", "I studied at Lincoln High School back then.", "Lincoln High School"),
    ("en", "date", "It started on 12 March 2019.", "12 March 2019"),
    ("en", "phone", "You can call me on +373 69 123 456 any day.", "+373 69 123 456"),
    ("en", "email", "Write to survivor.voice@example.com for details.", "survivor.voice@example.com"),
    ("en", "url", "The site is www.example.org and it helped.", "www.example.org"),
    ("en", "handle", "My account was @lonely_girl99 then.", "@lonely_girl99"),
    ("en", "id_number", "Her case file number is 2021/0456 at the court.", "2021/0456"),
    ("en", "address", "They moved into flat 12 on the fourth floor.", "flat 12"),
    ("en", "role", "Her uncle is the mayor of Pogradec and knows everyone.", "mayor of Pogradec"),
    # Spanish
    ("es", "name", "Después hablé con Ximena sobre eso.", "Ximena"),
    ("es", "place", "Vivíamos en Medellín en esa época.", "Medellín"),
    ("es", "organisation", "Estudiaba en el Colegio San José.", "Colegio San José"),
    ("es", "date", "Fue el 3 de mayo de 2018.", "3 de mayo de 2018"),
    ("es", "phone", "Mi número era 310 555 1234.", "310 555 1234"),
    ("es", "email", "Escribí a ayuda.joven@correo.com.mx pidiendo ayuda.", "ayuda.joven@correo.com.mx"),
    ("es", "url", "Busqué en https://denuncia.gob.pe/formulario ese día.", "https://denuncia.gob.pe/formulario"),
    ("es", "handle", "Me escribía desde la cuenta @chico_lindo.", "@chico_lindo"),
    ("es", "id_number", "Su DNI es 70012345 y lo pidieron en la comisaría.", "70012345"),
    ("es", "address", "La familia vive en la Calle Los Olivos 455, cerca del mercado.", "Calle Los Olivos"),
    ("es", "role", "Su papá es el alcalde de Pomabamba y no quiso denunciar.", "alcalde de Pomabamba"),
    # Romanian
    ("ro", "name", "Apoi am vorbit cu Doina despre asta.", "Doina"),
    ("ro", "place", "Locuiam atunci la Chișinău.", "Chișinău"),
    ("ro", "organisation", "Am învățat la Școala nr. 5 din sat.", "Școala nr. 5"),
    ("ro", "date", "S-a întâmplat pe 15 martie 2020.", "15 martie 2020"),
    ("ro", "phone", "Numărul meu era 069 123 456 atunci.", "069 123 456"),
    ("ro", "email", "Am scris la ajutor@siguronline.md imediat.", "ajutor@siguronline.md"),
    ("ro", "url", "Am găsit siguronline.md pe internet.", "siguronline.md"),
    ("ro", "handle", "Contul lui era @dorin.md pe rețea.", "@dorin.md"),
    ("ro", "id_number", "Codul personal (IDNP) al fetei este 2009001234567.", "2009001234567"),
    ("ro", "address", "Am vizitat familia la blocul 4, ap. 17.", "ap. 17"),
    ("ro", "role", "Tatăl ei este preotul din satul Ciuciuleni.", "preotul din satul Ciuciuleni"),
    # Albanian
    ("sq", "name", "Pastaj fola me Arben për këtë.", "Arben"),
    ("sq", "place", "Atëherë jetonim në Shkodër.", "Shkodër"),
    ("sq", "organisation", "Mësoja në shkollën e mesme, Gjimnazi Sami Frashëri.", "Gjimnazi Sami Frashëri"),
    ("sq", "date", "Ndodhi më 5 maj 2019.", "5 maj 2019"),
    ("sq", "phone", "Numri im ishte +355 69 234 5678.", "+355 69 234 5678"),
    ("sq", "email", "I shkrova adresës ndihme@shembull.al menjëherë.", "ndihme@shembull.al"),
    ("sq", "url", "E gjeta faqen isigurt.al më vonë.", "isigurt.al"),
    ("sq", "handle", "Ai më shkruante nga @djali_i_mire.", "@djali_i_mire"),
    ("sq", "id_number", "Numri personal i vajzës është K05718123B.", "K05718123B"),
    ("sq", "address", "Familja jeton në Rruga e Durrësit, pallati 8.", "pallati 8"),
    ("sq", "role", "Babai i saj është kryetari i bashkisë në Pukë.", "kryetari i bashkisë në Pukë"),
    # Bosnian
    ("bs", "name", "Poslije sam pričala sa Lejla o tome.", "Lejla"),
    ("bs", "place", "Tada smo živjeli u Banja Luka.", "Banja Luka"),
    ("bs", "organisation", "Išla sam u Gimnazija Mostar tada.", "Gimnazija Mostar"),
    ("bs", "date", "Desilo se 10. juna 2017.", "10. juna 2017"),
    ("bs", "phone", "Moj broj je bio 061 234 567.", "061 234 567"),
    ("bs", "email", "Pisala sam na pomoc@primjer.ba odmah.", "pomoc@primjer.ba"),
    ("bs", "url", "Našla sam stranicu www.primjer.ba kasnije.", "www.primjer.ba"),
    ("bs", "handle", "Pisao mi je sa profila @tajni_drug.", "@tajni_drug"),
    ("bs", "id_number", "JMBG djevojčice je 0101009175002.", "0101009175002"),
    ("bs", "address", "Porodica živi u ulici Branilaca 7, ulaz 2.", "ulaz 2"),
    ("bs", "role", "Njen otac je imam u džamiji u selu Brezovo Polje.", "imam u džamiji u selu Brezovo"),
]


def test_planted_set_covers_every_kind_in_every_language() -> None:
    covered = {(lang, kind) for lang, kind, _, _ in PLANTED}
    assert covered == {(lang, kind) for lang in LANGUAGES for kind in HIT_KINDS}


@pytest.mark.parametrize(("lang", "kind", "text", "detail"), PLANTED, ids=[f"{p[0]}-{p[1]}" for p in PLANTED])
@pytest.mark.parametrize("use_lang", [True, False], ids=["lang", "all-languages"])
def test_planted_detail_is_caught(lang: str, kind: str, text: str, detail: str, use_lang: bool) -> None:
    result = screen_text(text, lang=lang if use_lang else None)
    assert result.blocked
    caught = [h for h in result.hits if h.kind == kind]
    assert caught, f"{kind} not found in {text!r}: {result.hits}"
    # The hit covers the planted detail itself, and its span points at that text.
    assert any(detail in h.text or h.text in detail for h in caught)
    for h in result.hits:
        assert text[h.span[0]:h.span[1]] == h.text


def test_all_planted_caught_count() -> None:
    caught = sum(screen_text(text, lang).blocked for lang, _, text, _ in PLANTED)
    assert (len(PLANTED), caught) == (55, 55)


def test_neutral_synthetic_excerpts_pass() -> None:
    codebook = load_codebook()
    texts = [f"[synthetic] The participant talked about {c.topic}." for c in codebook.codes.values()]
    blocked = [t for t in texts if screen_text(t).blocked]
    assert blocked == []
    assert len(texts) == len(codebook.codes) > 80


@pytest.mark.parametrize(
    "text",
    [
        "Sometimes the police did not listen.",             # sentence-initial capital
        "Después de eso todo cambió. Nadie preguntó nada.",
        "Apoi totul s-a schimbat. Nimeni nu a întrebat.",
        "Pastaj gjithçka ndryshoi. Askush nuk pyeti.",
        "Poslije se sve promijenilo. Niko nije pitao.",
        "The school psychologist came once a month.",       # a generic school is not a named one
        "She used Facebook and WhatsApp at the time in Moldova.",  # stop-listed proper nouns
        "The child helpline 116 111 is free.",              # six-digit helpline is not personal
        "You may talk about it when you are ready.",        # 'may' is not a month without a number
        "I felt alone; I did not know the NGO existed.",
    ],
)
def test_false_positive_guards(text: str) -> None:
    result = screen_text(text)
    assert not result.blocked, result.hits


@pytest.mark.parametrize("spelling", ["Chișinău", "Chişinău", "Chisinau", "CHISINAU"])
def test_places_match_with_and_without_diacritics(spelling: str) -> None:
    assert screen_text(f"She lived in {spelling} then.").blocked


def test_sentence_initial_known_name_still_caught() -> None:
    result = screen_text("Emina je došla kasnije.", lang="bs")
    assert [h.kind for h in result.hits] == ["name"]


def test_unknown_language_rejected() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        screen_text("text", lang="fr")


def test_screen_excerpts_log_has_kinds_not_text() -> None:
    rows = [(f"P{i}", "ALB", text) for i, (_, _, text, _) in enumerate(PLANTED)]
    rows += [("N1", "ALB", "[synthetic] The participant talked about school staff not being supportive.")]
    df = pd.DataFrame(rows, columns=["participant_id", "country", "excerpt"])
    passed, log = screen_excerpts(df)
    assert list(passed["participant_id"]) == ["N1"]
    assert len(log) == len(PLANTED)
    assert list(log.columns) == ["row", "participant_id", "country", "kinds", "n_hits"]
    dumped = log.to_csv(index=False)
    for _, _, _, detail in PLANTED:
        assert detail not in dumped
    assert set(";".join(log["kinds"]).split(";")) == set(HIT_KINDS)


# --------------------------------------------------------------------------- variants people type

@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "I spoke with mariana about the transfer."),                       # name in lower case
        ("es", "hablamos con dayana y su hermanita"),
        ("ro", "fata, Dorina, 15 ani, din satul Pepeni"),                         # name, age and village
        ("sq", "ermali 14 vjeç nga Kamza"),
        ("bs", "Adnan (13) iz Travnika dolazi sa ocem"),
        ("bs", "Дјечак Марко, 12 година, живи код баке."),                        # Serbian Cyrillic
        ("es", "Vive en Mz. C Lt. 14, AA.HH. Los Jardines, San Juan de Lurigancho."),  # address
        ("bs", "stanuje u ulici Ferhadija 12, stan 4"),
        ("en", "his snap is lil.dino and he answers there"),                     # handle without @
        ("ro", "insta ei e andreea.rx_07"),
        ("en", "call the grandmother on zero seven six, nine nine one, two three four"),  # phone in words
        ("es", "mi numero es nueve ocho siete, seis cinco cuatro, tres dos uno"),
        ("sq", "numri i babait: zero gjashtë nëntë, katër katër dy, pesë pesë tre tre"),
        ("bs", "broj od mame: nula šest jedan, dva tri četiri, pet šest sedam"),
        ("ro", "telefonul mamei: 069 cincizeci și opt 12 34"),
        ("en", "She studies at Liceul Teoretic Mihai Eminescu in Ungheni."),        # school
        ("bs", "učenik OŠ 'Mehmedalija Mak Dizdar' u Sarajevu"),
        ("es", "el profe de matemáticas del colegio San Martín de Porres de Ate avisó"),
        ("sq", "Xhaxhai i saj është polic në Rrëshen."),                           # a relative's post
        ("es", "Su mamá trabaja en la comisaría de Sicuani, por eso no quería denunciar."),
        ("bs", "ja sam jedina psihologinja u općini Ravno"),                       # the only one
        ("en", "write to mama_lucia (at) yahoo (dot) com"),                          # e-mail spelled out
    ],
)
def test_variants_people_type_are_caught(lang: str, text: str) -> None:
    assert screen_text(text, lang).blocked
    assert screen_text(text).blocked  # and with every language's lists


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Save the Children and UNICEF ran trainings in Tirana and Chisinau."),  # organisations, large cities
        ("en", "Under Law No. 18/2017 on the Rights of the Child, schools must report."),  # a law
        ("en", "In March 2020 the schools closed and children moved online."),        # a month and a year
        ("en", "Around 1 200 000 children in the country use social media daily."),   # a count
        ("en", "Grace periods for reporting are too short."),                          # a word that is a name
        ("es", "La Ley 30364 protege a las mujeres y a los integrantes del grupo familiar."),
        ("es", "Llamen a la Línea 100 o al 1810 si necesitan ayuda."),                 # helplines
        ("es", "Esperamos que la Ley Olimpia se aplique mejor."),                      # a law's popular name
        ("es", "La Fiscalía de Familia tarda meses en responder."),
        ("ro", "Legea nr. 140 din 14.06.2013 reglementează protecția copilului."),      # a law's date
        ("ro", "Speranța familiilor este că poliția va acționa."),
        ("sq", "Linja e Ndihmës për Fëmijë ALO 116 111 punon 24 orë."),
        ("sq", "Drita e ekranit i mban fëmijët zgjuar natën."),
        ("bs", "Plavi telefon 080 05 03 05 je besplatan."),
        ("bs", "U Sarajevu i Tuzli ima više psihologa nego u manjim mjestima."),       # inflected large cities
        ("bs", "Nada je ono što porodice drži u procesu."),
        ("bs", "Mnogi roditelji rade u Njemačkoj ili Austriji."),                      # inflected countries
    ],
)
def test_neutral_answers_are_shown(lang: str, text: str) -> None:
    result = screen_text(text, lang)
    assert not result.blocked, result.hits


@pytest.mark.parametrize(("lang", "source"), [("en", "en"), ("es", "es"), ("ro", "ro"), ("bs", "sr")])
def test_phone_number_spelled_by_num2words_is_caught(lang: str, source: str) -> None:
    # The digits of a number, each written out by num2words (an independent source).
    words = ", ".join(" ".join(num2words(int(d), lang=source) for d in group) for group in ("069", "412", "5518"))
    assert [h.kind for h in screen_text(f"{words}.", lang).hits] == ["phone"], words


# --------------------------------------------------------------------------- second pass (issue 24)

@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("sq", "kejsi nuk erdhi më pas pushimeve"),                               # modern Albanian names
        ("sq", "me xhesiken folëm dy herë në telefon"),
        ("ro", "am vorbit cu olesea și cu mama ei"),                               # a Moldovan name
        ("bs", "sa dzejlom smo razgovarali dvaput"),                               # inflected, no diacritics
        ("es", "llámenla al novecientos ochenta y siete, seiscientos cincuenta y cuatro, trescientos veintiuno"),
        ("bs", "broj: nula šezdeset jedan, dvjesta trideset četiri, petsto šezdeset sedam"),  # hundreds
        ("es", "la cédula de la mamá es 1.023.456.789"),                           # identity number words on
        ("en", "her tiktok: lunabellaxo"),                                         # a bare user name
        ("es", "en tiktok sale como princesita"),                                  # a display name
        ("en", "her dad is a cook at the school canteen in balti"),                # a relative's post
        ("en", "I am the only one doing this job in Ravno"),                       # the only one in a place
        ("ro", "sunt singura care face asta în comuna Ciuciuleni"),
        # Caught before this pass too; kept so that the new rules do not lose them.
        ("sq", "shpresa dhe motra e saj vijnë bashkë"),
        ("ro", "artiom nu a mai venit la ședințe"),
        ("bs", "broj predmeta 65 0 K 123456 21 kod suda"),
        ("sq", "numri personal i vajzës është j05718123b"),
        ("es", "la clave de elector de la mamá es GMVLMR80070501M100"),
        ("en", 'her profile is called "Printesa Mica" and she posts daily'),
    ],
)
def test_second_pass_variants_are_caught(lang: str, text: str) -> None:
    assert screen_text(text, lang).blocked
    assert screen_text(text).blocked


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ro", "În raionul Cahul sunt doar doi psihologi."),                       # a district named after its town
        ("en", "In the Cahul district there are only two psychologists."),
        ("sq", "Në qarkun e Kukësit ka vetëm një psikolog."),
        ("bs", "Mostar i Banja Luka imaju centre za mentalno zdravlje."),           # "Luka" is part of the city
        ("ro", "Mulți tați lucrează la fabrică în Chișinău și vin acasă rar."),      # work in a large city
        ("es", "Su papá trabaja en Estados Unidos desde hace años."),               # a country of two words
        ("en", "Instagram's \"report\" button is hard to find for children."),     # a quoted word, no user name
        ("ro", "Procuratura Generală a creat o secție specială."),                 # an institution's name
        # Shown before this pass too; kept so that the new rules do not withhold them.
        ("sq", "ne tirane ka me shume sherbime se ne rrethe"),
        ("es", "Atendimos a ciento veinte niños y doscientas cincuenta niñas en 2022."),
        ("en", "We saw one hundred twenty five children and two hundred forty girls last year."),
        ("es", "El expediente de cada niña tiene más de 200 folios desde 2019."),
        ("en", "Often the teacher is the only one the child trusts."),
        ("es", "Muchas madres trabajan en el mercado y no pueden venir en la mañana."),
    ],
)
def test_second_pass_neutral_answers_are_shown(lang: str, text: str) -> None:
    assert not screen_text(text, lang).blocked, screen_text(text, lang).hits
    assert not screen_text(text).blocked, screen_text(text).hits


def test_spelled_numbers_count_their_digits_once() -> None:
    # "treinta y tres" is two digits, "novecientos ochenta y siete" three: seven spelled
    # digits make a phone number, six do not.
    assert screen_text("tel: novecientos ochenta y siete, seiscientos cincuenta y cuatro, 3", "es").blocked
    assert not screen_text("tel: novecientos ochenta y siete, seiscientos cincuenta y cuatro", "es").blocked
    assert not screen_text("treinta y tres, cuarenta y cuatro y cincuenta y cinco niñas", "es").blocked


# --------------------------------------------------------------------------- the word lists' sources

SCREEN_DATA = Path(screen.__file__).with_name("screen_data")


def _readme_rows() -> dict[str, list[str]]:
    """The table of screen_data/README.md: file name -> its cells."""
    rows = {}
    for line in (SCREEN_DATA / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) >= 4:
            rows[cells[0].strip("`")] = cells
    return rows


def test_every_data_file_states_its_source_and_licence() -> None:
    rows = _readme_rows()
    files = sorted(p.name for p in SCREEN_DATA.iterdir() if p.is_file() and p.name != "README.md")
    assert sorted(rows) == files
    header = [c.strip() for c in next(line for line in (SCREEN_DATA / "README.md").read_text(
        encoding="utf-8").splitlines() if line.startswith("| file")).strip("|").split("|")]
    assert header[-1] == "licence"
    assert all(cells[-1] for cells in rows.values())


def test_given_names_come_from_permissive_sources_only() -> None:
    # The GNU FDL name dictionary (nam_dict.txt) is no longer a source of the shipped list.
    head = [line for line in (SCREEN_DATA / "given_names.txt").read_text(encoding="utf-8").splitlines()
            if line.startswith("#")]
    assert head and not any("nam_dict" in line or "FDL" in line for line in head)
    assert "FDL" not in _readme_rows()["given_names.txt"][-1]


def test_our_common_names_are_in_the_shipped_list() -> None:
    common = yaml.safe_load((SCREEN_DATA / "common_names.yml").read_text(encoding="utf-8"))
    assert set(common) <= set(LANGUAGES)
    names = given_names()
    missing = [n for lang in common for n in common[lang] if fold(n) not in names]
    assert missing == []
    assert sum(len(v) for v in common.values()) >= 400


# --------------------------------------------------------------------------- the labelled set

def _confusion() -> tuple[Counter, Counter, Counter]:
    """Screen every labelled answer as the reports do (all five languages' lists).

    Returns counts of (lang, label, blocked), (kind, blocked) and (trap, blocked).
    """
    by_lang: Counter = Counter()
    by_kind: Counter = Counter()
    by_trap: Counter = Counter()
    for answer in load_all():
        blocked = screen_text(answer.text).blocked
        by_lang[(answer.lang, answer.label, blocked)] += 1
        by_kind.update((kind, blocked) for kind in answer.kinds)
        by_trap.update((trap, blocked) for trap in answer.traps)
    return by_lang, by_kind, by_trap


def _report(by_lang: Counter, by_kind: Counter, by_trap: Counter) -> str:
    """Counts per language, kind and trap (never an answer's text)."""
    lines = ["lang: identifying withheld/total, neutral shown/total"]
    for lang in (*LANGUAGES, "all"):
        def n(label: str, blocked: bool, lang: str = lang) -> int:
            return sum(c for (lg, lb, bl), c in by_lang.items() if lb == label and bl == blocked and lang in (lg, "all"))
        lines.append(f"  {lang}: {n('identifying', True)}/{n('identifying', True) + n('identifying', False)}, "
                     f"{n('neutral', False)}/{n('neutral', False) + n('neutral', True)}")
    lines.append("kind: withheld/total  " + ", ".join(
        f"{k} {by_kind[(k, True)]}/{by_kind[(k, True)] + by_kind[(k, False)]}" for k in KINDS))
    lines.append("trap: shown/total  " + ", ".join(
        f"{k} {by_trap[(k, False)]}/{by_trap[(k, False)] + by_trap[(k, True)]}" for k, _ in sorted(by_trap)
        if _ is False))
    return "\n".join(lines)


def _rates(by_lang: Counter) -> tuple[float, float, float]:
    tp = sum(c for (_, lb, bl), c in by_lang.items() if lb == "identifying" and bl)
    fn = sum(c for (_, lb, bl), c in by_lang.items() if lb == "identifying" and not bl)
    fp = sum(c for (_, lb, bl), c in by_lang.items() if lb == "neutral" and bl)
    tn = sum(c for (_, lb, bl), c in by_lang.items() if lb == "neutral" and not bl)
    return tp / (tp + fn), tp / (tp + fp), tn / (tn + fp)


@pytest.fixture(scope="module")
def confusion() -> tuple[Counter, Counter, Counter]:
    return _confusion()


def test_labelled_set_meets_the_issue_goal(confusion: tuple[Counter, Counter, Counter]) -> None:
    """Issue 24's goal: recall of 0.95 or more, with at least 95% of neutral answers shown."""
    recall, _, shown = _rates(confusion[0])
    assert recall >= 0.95 and shown >= 0.95, f"recall {recall:.3f}, neutral shown {shown:.3f}\n" + _report(*confusion)


def test_labelled_set_keeps_the_achieved_figures(confusion: tuple[Counter, Counter, Counter]) -> None:
    """What the screen achieves today on both splits; a change must not fall below it.

    The screen before issue 24 withheld 63% of the identifying answers and showed 77% of the
    neutral ones; its first pass withheld 94% and showed 97%; this one withholds 96% (243
    of 253) and shows 98% (199 of 203), with a precision of 98% (243 of 247).
    """
    recall, precision, shown = _rates(confusion[0])
    message = f"recall {recall:.3f}, precision {precision:.3f}, neutral shown {shown:.3f}\n" + _report(*confusion)
    assert recall >= 0.96, message
    assert shown >= 0.98, message
    assert precision >= 0.98, message


# --------------------------------------------------------------------------- a long word is read in one pass

def _charset(items: list) -> frozenset[str]:
    """The ASCII characters one regex item (a literal, a class, a category) matches."""
    import re._constants as c  # the parser's own names, to read a parsed pattern

    chars: set[str] = set()
    for op, arg in items:
        if op == c.LITERAL:
            chars.add(chr(arg))
        elif op == c.RANGE:
            chars.update(chr(x) for x in range(arg[0], arg[1] + 1))
        elif op == c.CATEGORY:
            chars.update(ch for ch in map(chr, range(128)) if {c.CATEGORY_DIGIT: ch.isdigit(),
                                                               c.CATEGORY_WORD: ch.isalnum() or ch == "_",
                                                               c.CATEGORY_SPACE: ch.isspace()}.get(arg, True))
        elif op == c.IN:
            chars.update(_charset(arg))
        else:
            chars.update(map(chr, range(128)))  # anything else: assume it may match anything
    return frozenset(chars)


def _ambiguous_repeats(parsed) -> list[tuple[str, str]]:
    """Pairs of variable-length repeats, next to each other in a sequence, that share a character.

    Such a pair splits a run of shared characters in as many ways as the run is long, so a
    pattern that fails at the run's end tries them all: quadratic time on one long word.
    """
    import re._constants as c

    found = []
    items = list(parsed)
    for (op_a, arg_a), (op_b, arg_b) in zip(items, items[1:], strict=False):
        if op_a in (c.MAX_REPEAT, c.MIN_REPEAT) and op_b in (c.MAX_REPEAT, c.MIN_REPEAT):
            (lo_a, hi_a, body_a), (lo_b, hi_b, body_b) = arg_a, arg_b
            if lo_a != hi_a and lo_b != hi_b and _charset(list(body_a)) & _charset(list(body_b)):
                found.append((str(arg_a), str(arg_b)))
    for op, arg in items:
        if op == c.BRANCH:
            for branch in arg[1]:
                found.extend(_ambiguous_repeats(branch))
        elif op == c.SUBPATTERN:
            found.extend(_ambiguous_repeats(arg[-1]))
    return found


def test_user_name_pattern_reads_a_long_word_in_one_pass() -> None:
    """D7: a 100,000-letter answer held a build for minutes in the user-name pattern.

    Checked on the pattern's shape, not on a clock: no two repeats next to each other may
    match the same character (the old "[A-Za-z]{3,}[A-Za-z.]*" and "\\d{2,}[A-Za-z0-9]*"
    did). The checker itself is shown to find the old pattern's fault, and the new pattern
    still finds what the old one found.
    """
    import re._parser as parser

    from perspectives import screen_patterns

    old = r"(?<![\w@#./])(?:[A-Za-z][A-Za-z0-9.]*_[A-Za-z0-9_.]*[A-Za-z0-9]|[A-Za-z]{3,}[A-Za-z.]*\d{2,}[A-Za-z0-9]*)(?![\w@])"
    assert len(_ambiguous_repeats(parser.parse(old))) == 2
    assert _ambiguous_repeats(parser.parse(screen_patterns._USERNAME_RE.pattern)) == []
    words = "abc12 klea_x_23 lil.dino99 Ab99 ab12 user.name_1 x_ abc1 a1b2c3 jon.s88x (emma2009) word" * 3
    assert ([m.span() for m in screen_patterns._USERNAME_RE.finditer(words)]
            == [m.span() for m in re.compile(old).finditer(words)])
    assert screen_text("mi cuenta era lunita2009 y nada mas").blocked


# --------------------------------------------------------------------------- lower case, a name alone, titles (D13)

@pytest.mark.parametrize("text", [
    "my colleague ion popescu from balti helped the girl.",   # names and a town typed in lower case
    "ion popescu helped",                                      # a surname ending, in lower case
    "we met Maria and her mother",                             # a given name alone ("Mari" is a language)
    "we met maria and her mother",
    "we met Maria today",
    "Mrs Rusu, the school psychologist, told us",              # a title and a surname ("rusa" is Russian)
    "doamna Rusu a ajutat",
    "doamna rusu a ajutat",
    "en medellin con la profesora gomez",                      # a teacher's title, in lower case
    "la profesora gomez nos dijo que volviera",
    "she came from soroca last year",                          # a small town in lower case
])
def test_lower_case_names_titles_and_towns_are_withheld(text: str) -> None:
    """D13: free text typed on a phone, a first name alone, and a title before a surname."""
    assert screen_text(text).blocked, text


@pytest.mark.parametrize("text", [
    "el programa progreso ayuda a las familias",   # a Mexican town's name as an ordinary word
    "la profesora nueva nos ayudó mucho",          # a teacher's title before an ordinary word
    "hablamos con la profesora de matemáticas",
    "doktori tha se ishte mirë",
    "the basic public music program helped",       # -ic ends English words: no surname in lower case
])
def test_ordinary_words_after_titles_and_in_lower_case_pass(text: str) -> None:
    """The lower-case and title rules do not take ordinary words for names or towns."""
    assert not screen_text(text).blocked, (text, screen_text(text).hits)
