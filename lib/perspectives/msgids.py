"""Every English string a report can print, found where it is written: the catalogues' keys.

Purpose
    A catalogue (``params/i18n/<lang>.yml``) translates English strings; this module finds
    which strings there are to translate, by reading the places they are written rather than
    a list kept by hand, so that a new sentence in a parameter file, a notebook or the library
    is a new key at once (``perspectives i18n init LANG`` writes them all, and the coverage a
    reader sees, :mod:`perspectives.untranslated`, recognises them in a built report):

    * the prose and labels of ``params/`` and ``data/`` (:data:`SOURCES`: which keys of which
      file hold report text; a mapping with an ``other`` form is a plural entry, its key the
      ``other`` form);
    * the notebooks' Markdown cells, block by block and headings by their text, as
      :meth:`perspectives.i18n.Translator.markdown` looks them up, and the literal texts their
      code cells pass to ``say``, ``figure`` or a ``caption=``;
    * the library's fixed words: the literal first argument of each call to a translator
      (:data:`TRANSLATOR_CALLS`: ``self.t("...")``, ``tr("...")``...), and, where that argument
      names a module-level constant (directly, through a subscript, a loop or comprehension
      over it, a local assignment from it or a parameter's default), every string of that
      constant (a mapping's values, not its keys);
    * the phrases with a count (:data:`perspectives.locales.COUNT_PHRASES`);
    * the instrument's English labels and hints (questions and answers but the countries,
      which CLDR names): the XLSForm's ``label::<language>`` columns translate them, and a
      catalogue does for a form language without a column.

    Text put together in code (an f-string) is not found here: it never passes a catalogue,
    and the reader's audit (:mod:`perspectives.untranslated`) names it as English text no
    catalogue knows.

Inputs
    The study folder's ``params/``, ``data/`` and ``notebooks/`` (a
    :class:`perspectives.project.Project`), the library's own modules (:data:`LIBRARY_DIR`),
    and the study's instrument (:func:`perspectives.instrument.load_instrument`).

Outputs
    :func:`extract`: English text -> :class:`Msgid` (its plural forms, where it was found),
    in a stable order (by group, then as found).
"""

from __future__ import annotations

import ast
import json
import re
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import locales
from .project import Project, default

__all__ = [
    "GROUPS",
    "SOURCES",
    "TRANSLATOR_CALLS",
    "Msgid",
    "Source",
    "english_words",
    "extract",
    "fallback_captions",
    "groups",
    "instrument_translations",
    "is_plural",
    "library_strings",
    "problem_strings",
    "literal",
    "markdown_blocks",
    "notebook_strings",
]

# The library's own modules, whose translated words are keys of every study's catalogues.
LIBRARY_DIR = Path(__file__).parent

# Group names, in the order a catalogue skeleton lists them.
PHRASES, REPORT_TEXTS, PARAMS, DATA, NOTEBOOKS, LIBRARY, INSTRUMENT, CHECK = (
    "country-set phrases", "report texts (params/report_texts.yml)", "params", "codebook, recommendations, roundtable",
    "notebooks", "library", "instrument", "the check's messages (the partner's page)")
GROUPS = (PHRASES, REPORT_TEXTS, PARAMS, DATA, NOTEBOOKS, LIBRARY, INSTRUMENT, CHECK)
# Calls whose texts are a check's messages (perspectives.problems): what is wrong with an export,
# what was expected and the fix, shown on the partner's page in its language.
PROBLEM_CALLS = frozenset({"Problem", "problem_at", "Text"})
PROBLEM_PARTS = frozenset({"problem", "fix", "expected"})
# Receivers whose ``add`` takes a check message: the reader's tally of normalisations, a problem.
ADDERS = frozenset({"tally", "self.tally", "problem"})

# Keys whose values are settings, never report text (params/report_texts.yml declares them).
NOT_TEXT = frozenset({"count", "show", "sentence", "quantifier", "min", "max", "min_open", "max_open", "review"})


@dataclass(frozen=True)
class Source:
    """A parameter or data file and where in it report text lives.

    Attributes:
        path: the file, relative to the repository root.
        group: the skeleton's group for its strings.
        keys: the keys whose string values (or lists of strings) are report text; None for
            every string value but those under :data:`NOT_TEXT` and ``skip``.
        skip: keys whose values are never report text (descriptions for editors, settings).
        derived: key -> how the code turns its value into the text it looks up (a value
            that is a code elsewhere, such as an analysis's ``by: org_type``).
    """

    path: str
    group: str
    keys: frozenset[str] | None = None
    skip: frozenset[str] = frozenset()
    derived: tuple[tuple[str, str], ...] = ()


def _words_of_code(value: str) -> str:
    """How ``perspectives.report`` names a breakdown in a caption: ``org_type`` -> ``org type``."""
    return value.replace("_", " ")


DERIVATIONS = {"words_of_code": _words_of_code}

# Where report text is written in params/ and data/ (the instrument, notebooks and library
# are read by their own functions below).
SOURCES: tuple[Source, ...] = (
    Source("params/report_texts.yml", REPORT_TEXTS, skip=frozenset({"conditions", "fields", "version"})),
    Source("params/grid.yml", PARAMS, keys=frozenset({"title"})),
    Source("params/study.yml", PARAMS, keys=frozenset({"title"})),
    Source("params/analyses.yml", PARAMS, keys=frozenset({"text", "caption", "label"}), derived=(("by", "words_of_code"),)),
    # Its topics, comparisons and exclusions name analyses and options: codes, not text.
    Source("params/summary.yml", PARAMS, skip=frozenset({"topics", "compare", "exclude"})),
    Source("data/codebook.yml", DATA, keys=frozenset({"label"})),
    Source("data/recommendations.yml", DATA, keys=frozenset({"title", "text"})),
    Source("data/roundtable.yml", DATA, keys=frozenset({"title", "text"})),
)

# Names under which the library and the notebooks call a translator.
TRANSLATOR_CALLS = frozenset({"t", "tr", "_tr", "translate", "translator", "lookup", "say", "fill"})
# Words a chart draws itself (matplotlib calls, and the label parameters of the figure
# functions): the section run translates the ones its catalogue has before saving the picture.
DRAWING_CALLS = frozenset({"set_xlabel", "set_ylabel", "set_title", "suptitle"})
DRAWING_PARAMETERS = frozenset({"xlabel", "ylabel"})
# Markdown cells not shown in a report (perspectives.outline drops them the same way).
HIDDEN_CELL_TAGS = frozenset({"parameters", "injected-parameters", "remove", "remove-cell", "remove_cell"})


@dataclass(frozen=True)
class Msgid:
    """One English string a catalogue can translate.

    Attributes:
        text: the catalogue key (a plural entry's ``other`` form).
        forms: a plural entry's English forms by CLDR category; empty for a plain string.
        origins: where it is written (``params/analyses.yml``, ``library: report.py``...).
        group: the skeleton group it is listed under (its first origin's).
    """

    text: str
    forms: tuple[tuple[str, str], ...] = ()
    origins: tuple[str, ...] = ()
    group: str = PARAMS

    @property
    def neutral(self) -> bool:
        """Whether no letter stands outside its placeholders (``"{caption} — {place}"``).

        Nothing in it reads as English: a catalogue may still reorder it, but a report never
        shows it untranslated.
        """
        return not any(re.search(r"[^\W\d_]", literal(text)) for text in self.english)

    @property
    def english(self) -> tuple[str, ...]:
        """Every English text of the entry: its forms, or the text alone."""
        return tuple(dict.fromkeys(text for _, text in self.forms)) if self.forms else (self.text,)


def is_plural(value: Any) -> bool:
    """Whether a YAML value is a plural entry: a mapping with an ``other`` form and only forms."""
    if not isinstance(value, dict) or not isinstance(value.get("other"), str):
        return False
    return all(k in locales.PLURAL_CATEGORIES or k in NOT_TEXT or (str(k).startswith("=") and str(k)[1:].isdigit())
               for k in value)


def _plural_forms(value: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), " ".join(str(v).split()) if "\n" in str(v) else str(v)) for k, v in value.items()
                 if k not in NOT_TEXT and isinstance(v, str))


class _Collector:
    """Msgids in the order found, merging the origins of a string found twice."""

    def __init__(self) -> None:
        self.found: dict[str, Msgid] = {}

    def add(self, text: str, origin: str, group: str, forms: tuple[tuple[str, str], ...] = ()) -> None:
        if not isinstance(text, str) or not text.strip():
            return
        known = self.found.get(text)
        if known is None:
            self.found[text] = Msgid(text, forms, (origin,), group)
        elif origin not in known.origins:
            self.found[text] = Msgid(text, known.forms or forms, (*known.origins, origin), known.group)


def _walk(node: Any, source: Source, key: str | None, out: _Collector) -> None:
    """Add the report text of one YAML node (``key``: the key it is the value of)."""
    if isinstance(node, dict):
        if is_plural(node) and (source.keys is None or key in source.keys):
            out.add(node["other"], source.path, source.group, _plural_forms(node))
            return
        for k, value in node.items():
            if k in source.skip or k in NOT_TEXT:
                continue
            derive = dict(source.derived).get(k)
            if derive is not None and isinstance(value, str):
                out.add(DERIVATIONS[derive](value), source.path, source.group)
                continue
            _walk(value, source, str(k), out)
    elif isinstance(node, list):
        for item in node:
            _walk(item, source, key, out)
    elif isinstance(node, str) and (source.keys is None or key in source.keys):
        out.add(node, source.path, source.group)


def fallback_captions(analyses: dict[str, Any]) -> list[str]:
    """The captions :meth:`perspectives.report.Section.run` makes from the id of an analysis without one."""
    return [key.replace("_", " ").capitalize() for key, spec in analyses.items()
            if isinstance(spec, dict) and "section" in spec and not spec.get("figure") and not spec.get("caption")]


def markdown_blocks(source: str) -> list[str]:
    """The strings :meth:`perspectives.i18n.Translator.markdown` looks up in a Markdown text.

    Blocks separated by a blank line; a block of headings gives each heading's text, any
    other block its whole text.
    """
    out: list[str] = []
    for block in re.split(r"\n\s*\n", source):
        if not block.strip():
            continue
        lines = [ln for ln in block.split("\n") if ln.strip()]
        if all(re.match(r"^\s*#{1,6}\s", ln) for ln in lines):
            out += [re.sub(r"^\s*#{1,6}\s+", "", ln).strip() for ln in lines]
        else:
            out.append(block.strip())
    return out


# --------------------------------------------------------------------------- Python sources

def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level assignments of a module: name -> value expression."""
    out: dict[str, ast.expr] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) and node.value is not None else []
        for target in targets:
            if isinstance(target, ast.Name):
                out[target.id] = node.value
    return out


def _strings(node: ast.AST | None) -> list[str]:
    """The string constants of a constant expression (a mapping's values, not its keys)."""
    if node is None:
        return []
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, ast.Dict):
        return [s for value in node.values for s in _strings(value)]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for element in node.elts for s in _strings(element)]
    return []


class _Module:
    """One Python source: its constants, and the constants it imports from the library."""

    def __init__(self, name: str, tree: ast.Module, library: Mapping[str, ast.Module]) -> None:
        self.name, self.tree = name, tree
        self.constants = _constants(tree)
        self.imported: dict[str, ast.expr] = {}  # constant imported by name from a library module
        self.modules: dict[str, str] = {}  # alias -> library module name
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                origin = (node.module or "").removeprefix("perspectives").lstrip(".")
                for alias in node.names:
                    if origin in library and alias.name in _constants(library[origin]):
                        self.imported[alias.asname or alias.name] = _constants(library[origin])[alias.name]
                    elif not origin and alias.name in library:
                        self.modules[alias.asname or alias.name] = alias.name

    def constant(self, node: ast.expr, library: Mapping[str, ast.Module]) -> ast.expr | None:
        """The value of a module constant ``node`` names (``NAME``, ``module.NAME``), or None."""
        if isinstance(node, ast.Name):
            return self.constants.get(node.id) or self.imported.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in self.modules:
            return _constants(library[self.modules[node.value.id]]).get(node.attr)
        return None


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _bindings(scope: ast.AST, name: str) -> Iterator[ast.expr]:
    """Expressions a local ``name`` takes its strings from in ``scope``.

    Assigned (also by unpacking), iterated over (``for``, comprehensions) or a parameter's default.
    """
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and any(name in _target_names(t) for t in node.targets):
            yield node.value
        elif isinstance(node, (ast.For, ast.comprehension)) and name in _target_names(node.target):
            yield node.iter
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=True):
                if arg.arg == name:
                    yield default
            for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                if arg.arg == name and default is not None:
                    yield default


def _target_names(target: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _resolve(node: ast.expr, scope: tuple[ast.AST, ...], module: _Module, library: Mapping[str, ast.Module],
             depth: int = 0) -> list[str]:
    """The strings a translator's argument can be, as far as constants tell (else none)."""
    if isinstance(node, ast.Constant):
        return _strings(node)
    value = module.constant(node, library)
    if value is not None:
        return _strings(value)
    if isinstance(node, ast.Subscript):
        return _resolve(node.value, scope, module, library, depth)
    if isinstance(node, ast.IfExp):
        return [*_resolve(node.body, scope, module, library, depth), *_resolve(node.orelse, scope, module, library,
                                                                                depth)]
    if isinstance(node, ast.BoolOp):
        return [s for value in node.values for s in _resolve(value, scope, module, library, depth)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "items",
                                                                                                 "values"):
        return _resolve(node.func.value, scope, module, library, depth)
    if isinstance(node, ast.Name) and depth < 3:
        # The innermost function binding the name decides (a closure reads its parent's).
        for level in scope:
            bound = list(_bindings(level, node.id))
            if bound:
                return [s for b in bound for s in _resolve(b, scope, module, library, depth + 1)]
    return []


def _translators(scope: ast.AST) -> set[str]:
    """Local names of a translator in ``scope``: assigned ``Translator(...)`` or annotated ``Translator``."""
    names: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _callee(node.value) == "Translator":
            names |= {n for t in node.targets for n in _target_names(t)}
        elif isinstance(node, ast.arg) and node.annotation is not None and "Translator" in ast.unparse(node.annotation):
            names.add(node.arg)
    return names


def _calls(tree: ast.AST) -> Iterator[tuple[ast.Call, tuple[ast.AST, ...]]]:
    """Every call with the functions it sits in, innermost first, and the module last."""
    def visit(node: ast.AST, scopes: tuple[ast.AST, ...]) -> Iterator[tuple[ast.Call, tuple[ast.AST, ...]]]:
        for child in ast.iter_child_nodes(node):
            inner = (child, *scopes) if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else scopes
            if isinstance(child, ast.Call):
                yield child, inner
            yield from visit(child, inner)

    yield from visit(tree, (tree,))


class _Trees(dict):
    """The library's modules by dotted name under the package, each parsed when first asked for."""

    def __init__(self, lib: Path) -> None:
        super().__init__()
        self.paths = {".".join(p.relative_to(lib).with_suffix("").parts).removesuffix(".__init__"): p
                      for p in sorted(lib.rglob("*.py"))}

    def __contains__(self, name: object) -> bool:
        return name in self.paths

    def __missing__(self, name: str) -> ast.Module:
        tree = ast.parse(self.paths[name].read_text(encoding="utf-8"), filename=self.paths[name].name)
        self[name] = tree
        return tree


# A module that calls no translator, names no Translator and draws no words is not parsed for its calls.
_MAY_TRANSLATE = re.compile(r"\b(?:" + "|".join(sorted(TRANSLATOR_CALLS | DRAWING_CALLS)) + r")\(|Translator|\b(?:"
                            + "|".join(sorted(DRAWING_PARAMETERS)) + r")\b")


def library_strings(lib: Path | None = None) -> list[tuple[str, str]]:
    """``(text, module)`` of every string the library passes to a translator (see the module doc)."""
    library = _Trees(Path(lib or LIBRARY_DIR))
    found: list[tuple[str, str]] = []
    for name, path in library.paths.items():
        if not _MAY_TRANSLATE.search(path.read_text(encoding="utf-8")):
            continue
        tree = library[name]
        module = _Module(name, tree, library)
        local: dict[int, set[str]] = {}
        for call, scopes in _calls(tree):
            callee = _callee(call)
            if not call.args or callee is None or callee in DRAWING_CALLS:
                continue
            if callee not in TRANSLATOR_CALLS:
                # A translator under another local name, called with a literal (rare: looked up lazily).
                if not (isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
                    continue
                if id(scopes[0]) not in local:
                    local[id(scopes[0])] = _translators(scopes[0])
                if callee not in local[id(scopes[0])]:
                    continue
            found += [(text, name) for text in _resolve(call.args[0], scopes, module, library)]
        found += [(text, name) for text in _drawn_words(tree)]
    return found


def problem_strings(lib: Path | None = None) -> list[tuple[str, str]]:
    """``(text, module)`` of every check message the library writes (:data:`PROBLEM_CALLS`).

    The literal (or module-constant) first argument of ``Problem`` and ``Text`` and the
    ``problem``, ``fix`` and ``expected`` keywords: templates whose ``{names}`` the problem's
    ``args`` fill (:class:`perspectives.problems.Problem`).
    """
    library = _Trees(Path(lib or LIBRARY_DIR))
    found: list[tuple[str, str]] = []
    for name, path in library.paths.items():
        source = path.read_text(encoding="utf-8")
        if not any(f"{name}(" in source for name in (*PROBLEM_CALLS, "add")):
            continue
        tree = library[name]
        module = _Module(name, tree, library)
        for call, scopes in _calls(tree):
            callee = _callee(call)
            if callee == "add" and isinstance(call.func, ast.Attribute) and ast.unparse(call.func.value) in ADDERS:
                nodes = call.args[:1]  # a normalisation counted, or a phrase added to a problem
            elif callee in PROBLEM_CALLS:
                nodes = ([call.args[0]] if call.args else []) + [kw.value for kw in call.keywords
                                                                 if kw.arg in PROBLEM_PARTS]
            else:
                continue
            found += [(text, name) for node in nodes if not isinstance(node, ast.JoinedStr)
                      for text in _resolve(node, scopes, module, library)]
    return found


def _drawn_words(tree: ast.Module) -> list[str]:
    """Literal words a module's charts draw: :data:`DRAWING_CALLS`' texts, :data:`DRAWING_PARAMETERS`' defaults, legend labels."""
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _callee(node) in DRAWING_CALLS and node.args:
            out += _strings(node.args[0])
        elif isinstance(node, ast.keyword) and node.arg == "label":
            # A legend entry; matplotlib leaves out a label starting with "_".
            out += [n.value for n in ast.walk(node.value) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                    and n.value and not n.value.startswith("_")]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            positional = [*node.args.posonlyargs, *node.args.args]
            pairs = [*zip(positional[len(positional) - len(node.args.defaults):], node.args.defaults, strict=True),
                     *zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True)]
            out += [s for arg, default in pairs if arg.arg in DRAWING_PARAMETERS for s in _strings(default)]
    return out


def _code_strings(source: str) -> list[str]:
    """Literal texts a notebook's code cell passes to ``say``, ``figure`` (the caption) or ``caption=``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # a cell with IPython magics: it says nothing through the catalogue
    out: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _callee(node)
        if name in TRANSLATOR_CALLS and node.args:
            out += _strings(node.args[0])
        if name == "figure" and len(node.args) > 1:
            out += _strings(node.args[1])
        out += [s for kw in node.keywords if kw.arg == "caption" for s in _strings(kw.value)]
    return out


def notebook_strings(folder: Path) -> list[tuple[str, str]]:
    """``(text, notebook)`` of every string the notebooks in ``folder`` show through a catalogue."""
    found: list[tuple[str, str]] = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        for cell in cells:
            if HIDDEN_CELL_TAGS & set(cell.get("metadata", {}).get("tags", [])):
                continue
            source = "".join(cell.get("source", ""))
            texts = markdown_blocks(source) if cell.get("cell_type") == "markdown" else \
                _code_strings(source) if cell.get("cell_type") == "code" else []
            found += [(text, path.name) for text in texts]
    return found


# --------------------------------------------------------------------------- instrument

def _instrument_entries(project: Project) -> Iterator[tuple[str, dict[str, str]]]:
    """``(English text, labels by form language)`` of each question, answer and hint of the study's form."""
    import csv

    from .instrument import COUNTRY_LIST, DEFAULT_LANGUAGE, load_instrument

    instrument = load_instrument(project=project)
    for question in instrument.questions.values():
        if question.label != question.name:
            yield question.label, question.labels
    for list_name, choices in instrument.choices.items():
        if list_name != COUNTRY_LIST:
            yield from ((c.label, c.labels) for c in choices if c.label != c.name)
    with (project.instrument_sources / "survey.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            english = row.get(f"hint::{DEFAULT_LANGUAGE}", "")
            if english:
                yield english, {k.split("::", 1)[1]: v for k, v in row.items() if k.startswith("hint::") and v}


def instrument_translations(column: str, project: Project | None = None) -> dict[str, set[str]]:
    """English label or hint -> its texts in one form language's column (``Spanish (es)``).

    Args:
        column: the form language (``Spanish (es)``).
        project: the study folder (default: the one around the working directory).
    """
    out: dict[str, set[str]] = {}
    for english, labels in _instrument_entries(default(project)):
        if labels.get(column):
            out.setdefault(english, set()).add(labels[column])
    return out


# --------------------------------------------------------------------------- all together

def _read_files(project: Project) -> list[Path]:
    """The files extraction reads: a change to one extracts again."""
    root = project.root
    paths = [root / s.path for s in SOURCES] + [project.params / "analyses.yml"]
    paths += sorted(project.notebooks.glob("*.ipynb")) + sorted(LIBRARY_DIR.rglob("*.py"))
    paths += sorted(project.instrument_sources.glob("*.csv")) + [project.study_file]
    paths += sorted(project.catalogues.glob("*.yml"))  # a language the form lacks takes its labels from them
    return paths


def extract(project: Project | None = None) -> dict[str, Msgid]:
    """Every English string a report can print through a catalogue, by its catalogue key.

    Args:
        project: the study folder (default: the one around the working directory); the
            library's strings are this library's.

    Returns:
        Key -> :class:`Msgid`, ordered by :data:`GROUPS`, then as found.
    """
    project = default(project)
    return dict(project.cached("msgids", None, lambda: _extract(project), _read_files(project), keep=1))


def _extract(project: Project) -> tuple[tuple[str, Msgid], ...]:
    root = project.root
    out = _Collector()
    for key, forms in locales.COUNT_PHRASES.items():
        out.add(key, "perspectives.locales", PHRASES, tuple(forms.items()))
    for source in SOURCES:
        path = root / source.path
        if path.is_file():
            _walk(yaml.safe_load(path.read_text(encoding="utf-8")), source, None, out)
    analyses = root / "params" / "analyses.yml"
    if analyses.is_file():
        for text in fallback_captions(yaml.safe_load(analyses.read_text(encoding="utf-8"))):
            out.add(text, "params/analyses.yml (an entry without a caption)", PARAMS)
    for text, notebook in notebook_strings(root / "notebooks"):
        out.add(text, f"notebooks/{notebook}", NOTEBOOKS)
    for text, module in library_strings(LIBRARY_DIR):
        out.add(text, f"library: {module}.py", LIBRARY)
    for text, _ in _instrument_entries(project):
        out.add(text, "instrument", INSTRUMENT)
    for text, module in problem_strings(LIBRARY_DIR):
        out.add(text, f"library: {module}.py", CHECK)
    order = {group: i for i, group in enumerate(GROUPS)}
    return tuple((m.text, m) for m in sorted(out.found.values(), key=lambda m: order[m.group]))


def english_words(project: Project | None = None) -> frozenset[str]:
    """Every word (lower case) of the English the parameter and data files are written in.

    Their texts, keys and comments: a lexicon of the project's English, wider than the
    strings themselves, for telling English text that no catalogue knows
    (:mod:`perspectives.untranslated`). The catalogues are not read, nor ``params/study.yml``,
    whose partner organisations are named in their own languages.
    """
    project = default(project)
    paths = [p for p in sorted(project.params.glob("*.yml")) + sorted(project.data.glob("*.yml"))
             if p.name != "study.yml" and p.is_file()]
    return project.cached("english words", None, lambda: _english_words(paths), paths, keep=1)


def _english_words(paths: list[Path]) -> frozenset[str]:
    words: set[str] = set()
    for path in paths:
        words |= {w.lower() for w in re.findall(r"[^\W\d_]{2,}", path.read_text(encoding="utf-8"))}
    return frozenset(words)


def literal(template: str) -> str:
    """A template's text without its ``{fields}`` (each field becomes a space)."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return template
    return " ".join(text for text, _, _, _ in parts)


def groups(msgids: Iterable[Msgid]) -> dict[str, list[Msgid]]:
    """Msgids by skeleton group, in :data:`GROUPS` order (empty groups left out)."""
    out: dict[str, list[Msgid]] = {}
    for m in msgids:
        out.setdefault(m.group, []).append(m)
    return {g: out[g] for g in GROUPS if g in out}
