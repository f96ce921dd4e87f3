"""``make audit-attack``: build what a reader could hold together, and attack it as an outsider.

Builds, with the ``perspectives`` command as a user runs it (into ``outputs/attack/`` unless
``--out`` says otherwise; a build whose folder is already there is reused with ``--reuse``):

1. ``study``: the default study build (every country and the synthesis) and its fidelity page;
2. ``partner``: a partner's build of one country (``--country``, default MDA) from an export
   holding only that country's rows, and the same report translated (``--lang``, default the
   country's first language other than English that the study lists, here ``ro``);
3. ``hostile``: a partner's export the generator never makes (a country of six respondents,
   an answer given by one respondent of one country and by nobody else, an optional question
   answered by everyone asked but one), built as the partner would; it must protect or fail;
4. ``tiny``: the country of six alone, as its partner would build it.

Then the linear/integer programming attack (``lp_attack``) runs over the three builds' files
together, then the hostile build alone, and the text attack (``text_attack``) over every
rendered report and fidelity page; the national values of the country in the study's and the
partner's build are compared. Prints every finding, the counts and the time of each attack;
exits 1 when anything is found.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

import hostile_exports as hx  # noqa: E402
import lp_attack  # noqa: E402
import text_attack  # noqa: E402

PERSPECTIVES = [sys.executable, "-m", "perspectives.cli"]


def _run(args: list[str], pdf: bool) -> int:
    env = dict(os.environ, PERSPECTIVES_PDF="1" if pdf else "0")
    print("$ perspectives", " ".join(args), flush=True)
    return subprocess.run([*PERSPECTIVES, *args], cwd=REPO, env=env, check=False).returncode


def national_values(out: Path, country: str) -> dict[tuple[str, str], tuple[object, bool]]:
    """Every value a country's report records about that country, by section and name."""
    found = {}
    for path in sorted((out / country / "sections").glob("*/values.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            if item.get("country") == country and not str(item["name"]).startswith(("summary.", "disclosure.counts.")):
                found[(path.parent.name, item["name"])] = (item.get("value"), bool(item.get("suppressed")))
    return found


def builds(out: Path, country: str, lang: str, reuse: bool, jobs: str) -> dict[str, Path]:
    """The study's, the partner's (with its translation) and the hostile build."""
    survey = REPO / "data" / "synthetic" / "survey_export.csv"
    frame = hx.read_export(survey)
    made = {"study": out / "study", "partner": out / "partner", "hostile": out / "hostile", "tiny": out / "tiny"}
    out.mkdir(parents=True, exist_ok=True)
    if not (reuse and (made["study"] / "fidelity").exists()):
        _run(["build", "--out", str(made["study"]), "--jobs", jobs], pdf=False)
        _run(["fidelity", "--out", str(made["study"])], pdf=False)
    own = hx.write(frame[frame["country"] == country], out / f"{country.lower()}_export.csv")
    if not (reuse and (made["partner"] / country / lang).exists()):
        _run(["build", "--data", str(own), "--country", country, "--out", str(made["partner"]), "--jobs", jobs], pdf=True)
        _run(["build", "--data", str(own), "--country", country, "--lang", lang, "--out", str(made["partner"]),
              "--jobs", jobs], pdf=True)
    others = [c for c in frame["country"].unique() if c != country][:1]
    hostile = frame[frame["country"].isin([country, *others])]
    hostile = hx.tiny_country(hostile, country, 6)
    hostile = hx.single_answer(hostile, "gender", "other", others[0], "female")
    hostile = hx.all_but_one(hostile, "tech_share", others[0], "se_share != '0'", "40")
    path = hx.write(hostile, out / "hostile_export.csv")
    if not (reuse and made["hostile"].exists()):
        # The hostile export has two countries: their conversations only, or the synthesis refuses.
        conv = hx.read_export(REPO / "data" / "synthetic" / "conversations.csv")
        people = hx.read_export(REPO / "data" / "synthetic" / "participants.csv")
        keep = [country, *others]
        conv_dir = out / "hostile_conversations"
        conv_dir.mkdir(exist_ok=True)
        hx.write(people[people["country"].isin(keep)], conv_dir / "participants.csv")
        conv_path = hx.write(conv[conv["country"].isin(keep)], conv_dir / "conversations.csv")
        code = _run(["build", "--data", str(path), "--conversations", str(conv_path), "--out", str(made["hostile"]),
                     "--jobs", jobs], pdf=False)
        print(f"hostile build exit status: {code} (0: built; other: refused or failed loudly)")
    tiny = hx.write(hx.tiny_country(frame[frame["country"] == country], country, 6), out / "tiny_export.csv")
    if not (reuse and made["tiny"].exists()):
        code = _run(["build", "--data", str(tiny), "--country", country, "--out", str(made["tiny"]), "--jobs", jobs],
                    pdf=False)
        print(f"tiny build exit status: {code} (0: built; other: refused or failed loudly)")
    return made


def main(argv: list[str] | None = None) -> int:
    """Build, attack, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "outputs" / "attack")
    parser.add_argument("--country", default="MDA")
    parser.add_argument("--lang", default="ro")
    parser.add_argument("--jobs", default="2")
    parser.add_argument("--reuse", action="store_true", help="reuse builds already in --out")
    args = parser.parse_args(argv)
    made = builds(args.out, args.country, args.lang, args.reuse, args.jobs)
    status = 0
    for label, folders in (("study + partner + translation", [made["study"], made["partner"]]),
                           ("hostile export", [made["hostile"]]), ("a country of six", [made["tiny"]])):
        start = time.monotonic()
        # The reports print a mean to one decimal (what a reader has); values.json's copy is
        # read at that precision too, as the text attack reads the pages.
        report = lp_attack.attack(folders, mean_digits=1)
        print(f"\n== linear/integer attack over {label} ({time.monotonic() - start:.1f} s)")
        for finding in report.findings + report.bounded + report.reveals:
            print(" ", finding)
        print(report.summary())
        status |= bool(report.findings)
    for label, folder in made.items():
        start = time.monotonic()
        found, read = text_attack.unexplained(folder)
        notes = text_attack.fidelity_notes(folder)
        print(f"\n== text attack over {label}: {read} numbers read, {len(found)} unexplained, "
              f"{len(notes)} fidelity notes on withheld numbers ({time.monotonic() - start:.1f} s)")
        for item in found + notes:
            print(" ", item)
        status |= bool(found or notes)
    study, partner = national_values(made["study"], args.country), national_values(made["partner"], args.country)
    differ = sorted(k for k in set(study) | set(partner) if study.get(k) != partner.get(k))
    print(f"\n== {args.country}'s national values: {len(study)} in the study's build, {len(partner)} in the "
          f"partner's; {len(differ)} differ")
    for key in differ:
        print(" ", key, study.get(key), partner.get(key))
    status |= bool(differ)
    return 1 if status else 0


if __name__ == "__main__":
    raise SystemExit(main())
