"""The strings the library's code and the notebooks print, found by reading them (Python's ``ast``).

Purpose
    A translator call's literal first argument (or the module constant it names), the words
    a chart draws itself, a check's messages (``Problem``, ``problem_at``, ``Text`` and a
    tally's ``add``), and the Markdown cells and code strings of the notebooks: each is a key
    of every study's catalogues. Apart from :mod:`perspectives.msgids`, which gathers these
    with the parameter files' and the form's strings, because this is the reading of code.

Inputs
    The library's modules (:data:`LIBRARY_DIR`), the notebooks.

Outputs
    (text, where) pairs: :func:`library_strings`, :func:`problem_strings`,
    :func:`notebook_strings`; :func:`markdown_blocks`.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

# The library's own modules, whose translated words are keys of every study's catalogues.
LIBRARY_DIR = Path(__file__).parent

# Calls whose texts are a check's messages (perspectives.problems): what is wrong with an export,
# what was expected and the fix, shown on the partner's page in its language.
PROBLEM_CALLS = frozenset({"Problem", "problem_at", "Text"})
PROBLEM_PARTS = frozenset({"problem", "fix", "expected"})
# Receivers whose ``add`` takes a check message: the reader's tally of normalisations, a problem.
ADDERS = frozenset({"tally", "self.tally", "problem"})

# Names under which the library and the notebooks call a translator.
TRANSLATOR_CALLS = frozenset({"t", "tr", "_tr", "translate", "translator", "lookup", "say", "fill"})
# Words a chart draws itself (matplotlib calls, and the label parameters of the figure
# functions): the section run translates the ones its catalogue has before saving the picture.
DRAWING_CALLS = frozenset({"set_xlabel", "set_ylabel", "set_title", "suptitle"})
DRAWING_PARAMETERS = frozenset({"xlabel", "ylabel"})
# Markdown cells not shown in a report (perspectives.outline drops them the same way).
HIDDEN_CELL_TAGS = frozenset({"parameters", "injected-parameters", "remove", "remove-cell", "remove_cell"})


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
