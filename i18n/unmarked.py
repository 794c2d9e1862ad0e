"""Finds text people read that is not passed through ``_()``: the check behind the test that
every user-visible string has a translation (a string never marked never reaches the catalog).

What counts as text people read, by where it stands in the code:
- the message of an exception a user sees (``UsageError``, ``Refusal``, ``FileRefused``, …);
- what ``print`` writes (but not JSON);
- an argparse ``help=`` or ``description=``;
- the headers of a table (``table([...], rows)``) and the titles of a status section;
- every literal with words in a ``render…`` function, an event's ``summary_line`` or a line of a
  table of summary lines (``LINES``: a module-level dict of functions; the lines ``log`` shows);
- a table of message templates: a module-level dict whose values are texts with ``{…}``
  placeholders (the domain's ``MISSING`` and ``ESTABLISHED`` refusals), marked with ``N_()``.

    python -m akkoord.i18n.unmarked     # lists file:line and the text; exit 1 if any
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

from akkoord.i18n.catalog import PACKAGE_ROOT, source_files

USER_ERRORS = {"UsageError", "Refusal", "FileRefused", "EventRefused", "DossierNotFound",
               "NotFound", "ChainError", "AlreadyRecorded", "OutputRefused", "YAMLRefused",
               "Said", "TableRefused", "ViewsRefused"}
# Functions whose every literal with words is text people read.
SHOWN_FUNCTIONS = ("render", "summary_line")
# Module-level dicts whose values (lambdas, or the module's functions by name) write shown text.
SHOWN_TABLES = ("LINES",)
# Calls whose string arguments are not text: an encoding, a view's column mapping, the name
# of an enum whose label is shown.
NOT_TEXT_CALLS = {"encode", "decode", "row", "label", "_word"}
TEXT_KEYWORDS = {"help", "description", "epilog"}
MARKS = {"_", "N_", "ngettext"}


def _is_text(node: ast.AST) -> bool:
    """A literal with words in it: an f-string, or a string constant with a letter."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and any(c.isalpha() for c in str(v.value))
                   for v in node.values)
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)
            and any(c.isalpha() for c in node.value))


def _texts(node: ast.AST) -> Iterator[ast.AST]:
    """The literal texts in an expression, not looking inside a marked call."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in MARKS:
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "format":
        yield from _texts(node.func.value)  # _("…{x}").format(x=…) is marked; "…".format is not
        return
    if _is_text(node):
        yield node
    elif isinstance(node, ast.BinOp):
        yield from _texts(node.left)
        yield from _texts(node.right)
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            yield from _texts(element)
    elif isinstance(node, ast.IfExp):
        yield from _texts(node.body)
        yield from _texts(node.orelse)


def _name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _rendered(tree: ast.AST) -> Iterator[ast.AST]:
    """The texts a ``render…`` function or a ``summary_line`` writes: every literal with words in
    its body, but keys (``row["id"]``, ``{"id": …}``), comparisons with enum values, default
    values of parameters, encodings and the marked ones."""
    skipped: set[int] = set()
    for function in _shown_functions(tree):
        for default in function.args.defaults + function.args.kw_defaults:
            if default is not None:
                skipped.update(id(n) for n in ast.walk(default))
        for node in ast.walk(function):
            if isinstance(node, ast.Subscript):
                skipped.update(id(n) for n in ast.walk(node.slice))
            elif isinstance(node, ast.Compare):
                skipped.update(id(n) for n in ast.walk(node))
            elif isinstance(node, ast.Dict):
                skipped.update(id(n) for key in node.keys if key is not None
                               for n in ast.walk(key))
            elif isinstance(node, ast.Call) and (
                    _name(node.func) in MARKS or _name(node.func) in ("get", "join", "setdefault")
                    or _name(node.func) in NOT_TEXT_CALLS):
                skipped.update(id(n) for n in ast.walk(node) if n is not node.func)
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                skipped.add(id(node.value))  # a docstring
            elif isinstance(node, ast.JoinedStr):
                skipped.update(id(v) for v in node.values)
        for node in ast.walk(function):
            if id(node) not in skipped and _is_text(node):
                yield node


def _shown_functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.Lambda]:
    """The functions whose literals with words are shown: by name, or as a line of a table."""
    tabled: set[str] = set()
    for statement in getattr(tree, "body", ()):
        target = (statement.targets[0] if isinstance(statement, ast.Assign)
                  else statement.target if isinstance(statement, ast.AnnAssign) else None)
        if _name(target) in SHOWN_TABLES and isinstance(statement.value, ast.Dict):
            for value in statement.value.values:
                if isinstance(value, ast.Lambda):
                    yield value
                elif isinstance(value, ast.Name):
                    tabled.add(value.id)
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef) and (
                function.name.startswith(SHOWN_FUNCTIONS) or function.name in tabled):
            yield function


def _templates(tree: ast.Module) -> Iterator[ast.AST]:
    """The unmarked texts of the module's tables of message templates."""
    for statement in tree.body:
        value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
        if not isinstance(value, ast.Dict) or not value.values:
            continue
        if all(_is_template(v) for v in value.values):
            yield from (v for v in value.values if not isinstance(v, ast.Call))


def _is_template(node: ast.AST) -> bool:
    """A text with a ``{…}`` placeholder, marked (``N_("…")``) or not."""
    if isinstance(node, ast.Call) and _name(node.func) in MARKS and node.args:
        node = node.args[0]
    return _is_text(node) and isinstance(node, ast.Constant) and "{" in node.value


def unmarked(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for text in _rendered(tree):
        yield text.lineno, ast.unparse(text)[:90]
    for text in _templates(tree):
        yield text.lineno, ast.unparse(text)[:90]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        shown: list[ast.AST] = []
        if name in USER_ERRORS or name == "print":
            if name == "print" and any(k.arg == "file" and _name(k.value) == "stdout"
                                       for k in node.keywords):
                pass
            shown += node.args[1:] if name in ("FileRefused", "EventRefused") else node.args
        if name == "table" and node.args:
            shown.append(node.args[0])
        if name not in NOT_TEXT_CALLS:
            shown += [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
        for expression in shown:
            for text in _texts(expression):
                yield text.lineno, ast.unparse(text)[:90]


def report() -> list[str]:
    found = []
    for path in source_files():
        if path.name == "unmarked.py":
            continue
        for line, text in unmarked(path):
            found.append(f"{path.relative_to(PACKAGE_ROOT)}:{line}: {text}")
    return found


if __name__ == "__main__":
    lines = report()
    print("\n".join(lines) or "every user-visible string is marked")
    sys.exit(1 if lines else 0)
