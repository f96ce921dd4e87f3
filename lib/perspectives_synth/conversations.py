"""Seeded generator of the synthetic conversations and participants tables.

Purpose
    Real conversation notes never leave the partner organisations, so the pipeline is built
    and tested on synthetic data that has the published shape: 42 participants in five
    countries, and per-country theme and support counts equal to every count the report
    prints (``data/conversation_counts.yml``). Excerpts are marked ``[synthetic]`` and only
    say, neutrally, what a participant talked about; a handful carry a planted identifying
    detail so that the screen has something to block in every build. Each excerpt is also
    written in every other report language of the study (an ``excerpt::Language (code)``
    column, as the conversations file carries a partner's translations): the same mark and
    a whole, impersonal sentence in that language saying what the segment was about, with a
    phrase written for each theme to be read inside it (``data/synthetic_excerpts.yml``), never
    the themes' labels, which are headings. A planted excerpt is written in English only (the
    screen holds it back in every edition).

Inputs
    ``data/conversation_counts.yml``, ``data/codebook.yml``, ``data/synthetic_excerpts.yml``,
    ``params/study.yml`` and a seed (default: ``build.seed`` of the study file).

Outputs
    ``data/synthetic/participants.csv`` and ``data/synthetic/conversations.csv``, identical
    bytes for identical inputs. ``python -m perspectives_synth.conversations`` rewrites both.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

import pandas as pd

from perspectives import locales
from perspectives.catalogues import instrument_language
from perspectives.project import Project, default
from perspectives.qualitative import (
    AGE_BANDS,
    CONVERSATION_COLUMNS,
    CONVERSATIONS_FILE,
    PARTICIPANT_COLUMNS,
    PARTICIPANTS_FILE,
    SYNTHETIC_TAG,
    Codebook,
    load_codebook,
)
from perspectives.qualitative_counts import CountTarget, load_counts
from perspectives.study import load_study, read_yaml

__all__ = ["EXCERPTS_FILE", "excerpt_sentences", "generate", "write", "main"]

# Values a participant has unless a count says otherwise.
_ATTRIBUTE_DEFAULTS = {"gender": "female", "conversation_mode": "in_person"}
# Chance that a participant received a support not pinned by a printed count. Legal help is
# high because the report says most participants had it (a quantifier, not a printed count).
_SUPPORT_RATES = {"psychological": 0.75, "legal": 0.7, "medical": 0.35, "ngo_referral": 0.3,
                  "long_term_rehabilitation": 0.1}
_CONSENT_RATE = 0.8
_FILLER_THEMES = (3, 6)   # extra themes per participant, min and max
# Planted details: each is a neutral sentence with one detail the screen must block.
_PLANTED_TEMPLATES = (
    "[synthetic] The participant named their home town, {city}, while talking about travel to the venue.",
    "[synthetic] The participant gave a date, 14 March 2019, while talking about when they first sought help.",
    "[synthetic] The participant mentioned a helper called {name} while talking about support.",
    "[synthetic] The participant gave a phone number, +52 55 1234 5678, while talking about a helpline.",
    "[synthetic] The participant mentioned an account, @example_user, while talking about social media.",
)
# The synthetic excerpts in the other report languages: a sentence and a phrase per theme code
# for each language (see the file's own header).
EXCERPTS_FILE = "data/synthetic_excerpts.yml"
_PLANTED = len(_PLANTED_TEMPLATES)  # excerpts carrying a planted identifying detail
_PLANTED_CITY = {"ALB": "Elbasan", "COL": "Medellín", "MDA": "Bălți", "MEX": "Pachuca", "PER": "Arequipa"}
_PLANTED_NAME = {"ALB": "Arben", "COL": "Camila", "MDA": "Doina", "MEX": "Ximena", "PER": "Milagros"}


def _seed_from_study(study_path: Path) -> int:
    return load_study(study_path).seed


def _conversation_countries(study_path: Path) -> list[str]:
    return [c.iso3 for c in load_study(study_path).countries if c.conversations]


def _eligible(person: dict[str, object], rule: str) -> bool:
    if not rule:
        return True
    column, _, value = rule.partition("=")
    return str(person[column]) == value


def _choose(rng: random.Random, target: CountTarget, pool: list[str], chosen_by_id: dict[str, list[str]],
            people: dict[str, dict[str, object]]) -> list[str]:
    """Pick ``target.count`` participants from ``pool`` honouring eligibility and the hints."""
    pool = [p for p in pool if _eligible(people[p], target.eligible)]
    if target.subset_of:
        within = set(chosen_by_id[target.subset_of])
        pool = [p for p in pool if p in within]
    avoid = {p for ref in target.disjoint_from for p in chosen_by_id[ref]}
    pool = [p for p in pool if p not in avoid]
    if len(pool) < target.count:
        raise ValueError(f"count {target.id!r}: only {len(pool)} eligible participants for {target.count}")
    return sorted(rng.sample(pool, target.count))


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


# Participant id -> their attributes, supports and themes, as the generator builds them.
People = dict[str, dict[str, Any]]


def generate(seed: int | None = None, counts_path: Path | None = None, codebook: Codebook | None = None,
             study_path: Path | None = None, project: Project | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build (participants, conversations) that reproduce every printed count exactly.

    ``project``: the study folder whose study, codebook and counts are the defaults (default:
    the one around the working directory).
    """
    project = default(project)
    study_path = study_path or project.study_file
    seed = _seed_from_study(study_path) if seed is None else seed
    codebook = codebook or load_codebook(project=project)
    targets = load_counts(counts_path, codebook, study_path, project=project)
    rng = random.Random(seed)
    countries = _conversation_countries(study_path)
    sizes = {t.country: t.count for t in targets if t.kind == "participants" and t.country in countries}
    missing = [c for c in countries if c not in sizes]
    if missing:
        raise ValueError(f"no participants count for {missing} in the counts file")

    people: People = {}
    for country in countries:
        for i in range(1, sizes[country] + 1):
            pid = f"{country}-{i:02d}"
            people[pid] = {"participant_id": pid, "country": country, **_ATTRIBUTE_DEFAULTS,
                           "age_at_conversation": rng.randint(18, 23), "age_first_targeted": rng.randint(12, 17),
                           "support": set(), "themes": set()}
    ids_by_country = {c: [p for p in people if people[p]["country"] == c] for c in countries}
    pooled = load_study(study_path).synthesis_code
    attributes_chosen = _assign_attributes(targets, countries, ids_by_country, people, rng)
    _pin_ranges(targets, countries, ids_by_country, people, rng)
    _assign_counts(targets, countries, ids_by_country, attributes_chosen, people, pooled, rng)
    _fill_unpinned(codebook, targets, countries, ids_by_country, people, pooled, rng)
    _specify(codebook, targets, people, pooled, random.Random(f"{seed}:specific themes"))
    participants = pd.DataFrame([
        {"participant_id": p, "country": v["country"], "gender": v["gender"],
         "age_at_conversation": v["age_at_conversation"], "age_first_targeted": v["age_first_targeted"],
         "support_received": ";".join(c for c in codebook.support_codes if c in v["support"]),
         "conversation_mode": v["conversation_mode"]}
        for p, v in people.items()
    ], columns=list(PARTICIPANT_COLUMNS))
    conversations = _plant_details(_translations(_segments(people, codebook, rng), codebook, project), rng)
    order = {p: i for i, p in enumerate(people)}
    conversations = conversations.sort_values("participant_id", key=lambda s: s.map(order), kind="stable")
    return participants, conversations.reset_index(drop=True)


def _assign_attributes(targets: list[CountTarget], countries: list[str], ids_by_country: dict[str, list[str]],
                       people: People, rng: random.Random) -> dict[str, list[str]]:
    """Country-level attributes first (gender decides who is eligible for some themes); who was chosen."""
    chosen: dict[str, list[str]] = {}
    attrs = sorted((t for t in targets if t.kind == "attribute" and t.country in countries),
                   key=lambda t: t.target.partition("=")[0] != "gender")
    for t in attrs:
        column, _, value = t.target.partition("=")
        pick = _choose(rng, t, ids_by_country[t.country], chosen, people)
        chosen[t.id] = pick
        for p in pick:
            people[p][column] = value
    return chosen


def _pin_ranges(targets: list[CountTarget], countries: list[str], ids_by_country: dict[str, list[str]],
                people: People, rng: random.Random) -> None:
    """Ranges printed for everyone: every value inside, and both ends occurring."""
    ranges = [t for t in targets if t.kind == "range"]
    # People a subgroup range covers (e.g. the young men's 14-17) do not carry the ends of a
    # wider range on the same column, so both printed ranges hold at once.
    covered = {(t.target, p) for t in ranges if t.eligible for p in people if _eligible(people[p], t.eligible)}
    for t in sorted(ranges, key=lambda r: bool(r.eligible)):
        scope = sorted(people) if t.country not in countries else ids_by_country[t.country]
        # A range printed for a subgroup (e.g. the young men) holds for all its members.
        scope = [p for p in scope if _eligible(people[p], t.eligible)]
        if not t.eligible:
            scope = [p for p in scope if (t.target, p) not in covered]
        for p in scope:
            if not t.min <= int(people[p][t.target]) <= t.max:
                people[p][t.target] = rng.randint(t.min, t.max)
        low, high = rng.sample(scope, 2)
        people[low][t.target] = t.min
        people[high][t.target] = t.max


def _assign_counts(targets: list[CountTarget], countries: list[str], ids_by_country: dict[str, list[str]],
                   attributes_chosen: dict[str, list[str]], people: People, pooled: str, rng: random.Random) -> None:
    """The supports and themes the printed counts pin, drawn again until every count is placed.

    Disjoint and eligibility rules can leave a later count short of people for an unlucky
    draw; the whole pinned assignment is then drawn again (same seed, same sequence).
    """
    for _attempt in range(200):
        chosen = dict(attributes_chosen)
        for person in people.values():
            person["support"], person["themes"] = set(), set()
        try:
            for t in targets:
                if t.kind == "support":
                    _place_support(t, ids_by_country, chosen, people, rng)
                elif t.kind == "theme":
                    _place_theme(t, targets, countries, ids_by_country, chosen, people, pooled, rng)
            return
        except ValueError as error:
            if "eligible participants" not in str(error):
                raise
    raise ValueError("could not place every printed count after 200 draws; check the counts file")


def _place_support(t: CountTarget, ids_by_country: dict[str, list[str]], chosen: dict[str, list[str]],
                   people: People, rng: random.Random) -> None:
    pick = _choose(rng, t, ids_by_country[t.country], chosen, people)
    chosen[t.id] = pick
    for p in pick:
        people[p]["support"].add(t.target)


def _place_theme(t: CountTarget, targets: list[CountTarget], countries: list[str],
                 ids_by_country: dict[str, list[str]], chosen: dict[str, list[str]], people: People, pooled: str,
                 rng: random.Random) -> None:
    if t.country not in countries and t.country != pooled:
        raise ValueError(f"theme count {t.id!r} must name a country with conversations "
                         f"or all of them ({pooled})")
    # A theme count lies within the participants of an earlier count on an ancestor code.
    pool = sorted(people) if t.country == pooled else ids_by_country[t.country]
    for earlier in targets:
        if earlier.id in chosen and earlier.kind == "theme" and earlier.country == t.country \
                and t.target.startswith(earlier.target + "."):
            pool = [p for p in pool if p in chosen[earlier.id]]
    pick = _choose(rng, t, pool, chosen, people)
    chosen[t.id] = pick
    for p in pick:
        people[p]["themes"].add(t.target)


def _fill_unpinned(codebook: Codebook, targets: list[CountTarget], countries: list[str],
                   ids_by_country: dict[str, list[str]], people: People, pooled: str, rng: random.Random) -> None:
    """Themes and supports no printed count pins, drawn at random (filler themes, support rates)."""
    leaves = [c for c in codebook.codes if not any(o.startswith(c + ".") for o in codebook.codes)]
    for country in countries:
        # A count over all the conversations pins its theme in every country.
        pinned_themes = [t.target for t in targets if t.kind == "theme" and t.country in (country, pooled)]
        pinned_support = {t.target for t in targets if t.kind == "support" and t.country == country}
        free = [c for c in leaves if not any(_related(c, p) for p in pinned_themes)]
        for p in ids_by_country[country]:
            people[p]["themes"].update(rng.sample(free, rng.randint(*_FILLER_THEMES)))
            for code in codebook.support_codes:
                if code not in pinned_support and rng.random() < _SUPPORT_RATES.get(code, 0.0):
                    people[p]["support"].add(code)


def _specify(codebook: Codebook, targets: list[CountTarget], people: People, pooled: str,
             rng: random.Random) -> None:
    """A participant coded to a theme with sub-themes is coded to one of them that no count pins.

    A printed count on a theme (almost all spoke of prevention) pins who raised it, not what
    about it: coded to the theme alone, each segment said only "prevention" and every
    sub-theme of its table read 0 beside the excerpts. Each such participant is given one
    sub-theme (down to a leaf) that no printed count pins in their country or overall, so the
    pinned counts, the theme's included, are unchanged. ``rng`` is a stream of its own, so
    every other draw of the generator is the same as without this step.
    """
    for v in people.values():
        pinned = [t.target for t in targets if t.kind == "theme" and t.country in (v["country"], pooled)]
        for code in sorted(v["themes"]):
            chosen = code
            while not any(o.startswith(chosen + ".") for o in v["themes"]):
                # A sub-theme is free when no pinned count is on it or below it (one above it
                # already counts the participant).
                free = [c for c in codebook.codes if c.startswith(chosen + ".") and "." not in c[len(chosen) + 1:]
                        and not any(t == c or t.startswith(c + ".") for t in pinned)]
                if not free:
                    break
                chosen = rng.choice(free)
                v["themes"].add(chosen)


def _segments(people: People, codebook: Codebook, rng: random.Random) -> pd.DataFrame:
    """The coded segments: each participant's most specific themes, one or two to a segment."""
    rows = []
    for p, v in people.items():
        # Keep the most specific codes: an ancestor adds nothing once a descendant is present.
        codes = sorted(c for c in v["themes"] if not any(o.startswith(c + ".") for o in v["themes"]))
        rng.shuffle(codes)
        band = next(b for b, (lo, hi) in AGE_BANDS.items() if lo <= int(v["age_at_conversation"]) <= hi)
        i = 0
        while i < len(codes):
            size = min(rng.choice((1, 1, 2)), len(codes) - i)
            segment = sorted(codes[i:i + size], key=list(codebook.codes).index)
            i += size
            topics = " and ".join(codebook.codes[c].topic for c in segment)
            rows.append({"participant_id": p, "country": v["country"], "gender": v["gender"], "age_band": band,
                         "themes": ";".join(segment),
                         "consent_to_quote": "yes" if rng.random() < _CONSENT_RATE else "no",
                         "excerpt": f"[synthetic] The participant talked about {topics}."})
    return pd.DataFrame(rows, columns=list(CONVERSATION_COLUMNS))


def excerpt_sentences(codebook: Codebook, project: Project | None = None) -> dict[str, tuple[str, dict[str, str]]]:
    """Each language's synthetic excerpt: its sentence and the phrase of every theme code (none without the file).

    Raises:
        ValueError: a language without a sentence holding ``{topics}``, or without a phrase
            for some code of the codebook (named, with the file).
    """
    project = default(project)
    path = project.path(EXCERPTS_FILE)
    # A study folder without the file (a partner's own) writes its excerpts in English only.
    doc = (read_yaml(path) or {}) if path.exists() else {}
    written: dict[str, tuple[str, dict[str, str]]] = {}
    for lang, spec in doc.items():
        sentence, topics = str(spec.get("sentence", "")), dict(spec.get("topics") or {})
        if "{topics}" not in sentence:
            raise ValueError(f"{EXCERPTS_FILE}: {lang}: its sentence must hold {{topics}}, where the themes go")
        missing = [code for code in codebook.codes if not str(topics.get(code) or "").strip()]
        unknown = sorted(set(topics) - set(codebook.codes))
        if missing or unknown:
            raise ValueError(f"{EXCERPTS_FILE}: {lang}: no phrase for {missing}" if missing
                             else f"{EXCERPTS_FILE}: {lang}: {unknown} are not codes of the codebook")
        written[str(lang)] = (sentence, {code: str(text) for code, text in topics.items()})
    return written


def _translations(conversations: pd.DataFrame, codebook: Codebook, project: Project) -> pd.DataFrame:
    """An ``excerpt::Language (code)`` column for each report language ``data/synthetic_excerpts.yml`` writes."""
    study = project.study
    sentences = excerpt_sentences(codebook, project)
    for lang in (code for code in study.languages if code in sentences):
        sentence, topics = sentences[lang]

        def written(codes: str, sentence: str = sentence, topics: dict[str, str] = topics, lang: str = lang) -> str:
            return f"{SYNTHETIC_TAG} " + sentence.format(topics=locales.join([topics[c] for c in codes.split(";")], lang))

        conversations[f"excerpt::{instrument_language(lang, study)}"] = conversations["themes"].map(written)
    return conversations


def _plant_details(conversations: pd.DataFrame, rng: random.Random) -> pd.DataFrame:
    """Copies of a few segments, each with one planted identifying detail (consent given)."""
    # Planted details reuse a theme the participant already raised, so no count moves.
    for template, idx in zip(_PLANTED_TEMPLATES, sorted(rng.sample(range(len(conversations)), _PLANTED)), strict=True):
        base = conversations.loc[idx]
        planted = base.copy()
        planted["consent_to_quote"] = "yes"
        planted["excerpt"] = template.format(city=_PLANTED_CITY.get(base["country"], "Lima"),
                                             name=_PLANTED_NAME.get(base["country"], "Ana"))
        for column in planted.index:
            if column.startswith("excerpt::"):
                planted[column] = ""
        conversations = pd.concat([conversations, planted.to_frame().T], ignore_index=True)
    return conversations


def write(participants_path: Path | None = None, conversations_path: Path | None = None,
          seed: int | None = None, project: Project | None = None) -> tuple[Path, Path]:
    r"""Generate and write both CSV files (UTF-8, ``\n`` line ends), by default the project's embedded ones."""
    project = default(project)
    participants_path = participants_path or project.path(PARTICIPANTS_FILE)
    conversations_path = conversations_path or project.path(CONVERSATIONS_FILE)
    participants, conversations = generate(seed=seed, project=project)
    participants_path.parent.mkdir(parents=True, exist_ok=True)
    participants.to_csv(participants_path, index=False, lineterminator="\n", encoding="utf-8")
    conversations.to_csv(conversations_path, index=False, lineterminator="\n", encoding="utf-8")
    return participants_path, conversations_path


def main(argv: list[str] | None = None) -> int:
    """Command line: regenerate the synthetic conversations and participants tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="default: build.seed in params/study.yml")
    args = parser.parse_args(argv)
    for path in write(seed=args.seed):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
