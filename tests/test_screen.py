"""Tests for perspectives.screen: planted identifying details in five languages are caught,
neutral synthetic excerpts pass, sentence-initial capitals are not names, logs carry no text."""

from __future__ import annotations

import pandas as pd
import pytest

from perspectives.qualitative import load_codebook
from perspectives.screen import HIT_KINDS, LANGUAGES, screen_excerpts, screen_text

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
    # Spanish
    ("es", "name", "Después hablé con Ximena sobre eso.", "Ximena"),
    ("es", "place", "Vivíamos en Medellín en esa época.", "Medellín"),
    ("es", "organisation", "Estudiaba en el Colegio San José.", "Colegio San José"),
    ("es", "date", "Fue el 3 de mayo de 2018.", "3 de mayo de 2018"),
    ("es", "phone", "Mi número era 310 555 1234.", "310 555 1234"),
    ("es", "email", "Escribí a ayuda.joven@correo.com.mx pidiendo ayuda.", "ayuda.joven@correo.com.mx"),
    ("es", "url", "Busqué en https://denuncia.gob.pe/formulario ese día.", "https://denuncia.gob.pe/formulario"),
    ("es", "handle", "Me escribía desde la cuenta @chico_lindo.", "@chico_lindo"),
    # Romanian
    ("ro", "name", "Apoi am vorbit cu Doina despre asta.", "Doina"),
    ("ro", "place", "Locuiam atunci la Chișinău.", "Chișinău"),
    ("ro", "organisation", "Am învățat la Școala nr. 5 din sat.", "Școala nr. 5"),
    ("ro", "date", "S-a întâmplat pe 15 martie 2020.", "15 martie 2020"),
    ("ro", "phone", "Numărul meu era 069 123 456 atunci.", "069 123 456"),
    ("ro", "email", "Am scris la ajutor@siguronline.md imediat.", "ajutor@siguronline.md"),
    ("ro", "url", "Am găsit siguronline.md pe internet.", "siguronline.md"),
    ("ro", "handle", "Contul lui era @dorin.md pe rețea.", "@dorin.md"),
    # Albanian
    ("sq", "name", "Pastaj fola me Arben për këtë.", "Arben"),
    ("sq", "place", "Atëherë jetonim në Shkodër.", "Shkodër"),
    ("sq", "organisation", "Mësoja në shkollën e mesme, Gjimnazi Sami Frashëri.", "Gjimnazi Sami Frashëri"),
    ("sq", "date", "Ndodhi më 5 maj 2019.", "5 maj 2019"),
    ("sq", "phone", "Numri im ishte +355 69 234 5678.", "+355 69 234 5678"),
    ("sq", "email", "I shkrova adresës ndihme@shembull.al menjëherë.", "ndihme@shembull.al"),
    ("sq", "url", "E gjeta faqen isigurt.al më vonë.", "isigurt.al"),
    ("sq", "handle", "Ai më shkruante nga @djali_i_mire.", "@djali_i_mire"),
    # Bosnian
    ("bs", "name", "Poslije sam pričala sa Lejla o tome.", "Lejla"),
    ("bs", "place", "Tada smo živjeli u Banja Luka.", "Banja Luka"),
    ("bs", "organisation", "Išla sam u Gimnazija Mostar tada.", "Gimnazija Mostar"),
    ("bs", "date", "Desilo se 10. juna 2017.", "10. juna 2017"),
    ("bs", "phone", "Moj broj je bio 061 234 567.", "061 234 567"),
    ("bs", "email", "Pisala sam na pomoc@primjer.ba odmah.", "pomoc@primjer.ba"),
    ("bs", "url", "Našla sam stranicu www.primjer.ba kasnije.", "www.primjer.ba"),
    ("bs", "handle", "Pisao mi je sa profila @tajni_drug.", "@tajni_drug"),
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
    assert (len(PLANTED), caught) == (40, 40)


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
