"""The dashboard's JavaScript modules as one classic script, for the report to inline.

The page loads `dashboard.js` and its imports as ES modules from the server. A report
is one file that opens offline under a CSP of `default-src 'none'`, where a module can
import nothing; so the same modules are joined here, each in a function scope of its
own. This is not a general bundler: it reads the two import forms and the `export`
declarations parley's modules use, and refuses anything else, so a module written
another way fails a test instead of a report.

    import { a, b as c } from "./dom.js";   ->  const { a, b: c } = modules["dom"];
    import * as charts from "./charts.js";  ->  const charts = modules["charts"];
    export function f() / export const x    ->  function f() / const x, returned by name
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

__all__ = ["BundleError", "bundle"]

_IMPORT = re.compile(
    r"^import\s+(?:\{(?P<names>[^}]*)\}|\*\s+as\s+(?P<ns>\w+))"
    r'\s+from\s+"\./(?P<module>[\w-]+)\.js";[ \t]*$',
    re.M,
)
_EXPORT = re.compile(
    r"^export\s+(?P<kind>(?:async\s+)?function\*?|const|let|class)\s+(?P<name>[$\w]+)", re.M
)
_ANY_IMPORT_OR_EXPORT = re.compile(r"^(import|export)\b", re.M)
_NAME = re.compile(r"^[$\w]+$")


class BundleError(ValueError):
    """A module uses a form of import or export the bundle does not read."""


def _binding(spec: str, module: str) -> str:
    """`a, b as c` -> `a, b: c`."""
    parts = []
    for item in (p.strip() for p in spec.split(",")):
        if not item:
            continue
        name, _, alias = (s.strip() for s in item.partition(" as "))
        if not _NAME.match(name) or (alias and not _NAME.match(alias)):
            raise BundleError(f"{module}.js: cannot read the import of {item!r}")
        parts.append(f"{name}: {alias}" if alias else name)
    return ", ".join(parts)


def _wrap(module: str, source: str) -> tuple[str, list[str]]:
    """The module as `modules[name] = (() => {...})();`, and the modules it imports."""
    imports: list[str] = []

    def imported(found: re.Match[str]) -> str:
        imports.append(found["module"])
        target = f'modules["{found["module"]}"]'
        if found["ns"]:
            return f"const {found['ns']} = {target};"
        return f"const {{ {_binding(found['names'], module)} }} = {target};"

    body = _IMPORT.sub(imported, source)
    exported = [found["name"] for found in _EXPORT.finditer(body)]
    body = _EXPORT.sub(lambda found: f"{found['kind']} {found['name']}", body)
    leftover = _ANY_IMPORT_OR_EXPORT.search(body)
    if leftover:
        line = body.count("\n", 0, leftover.start()) + 1
        raise BundleError(f"{module}.js, line {line}: an import or export the bundle cannot read")
    returned = ", ".join(exported)
    wrapped = (
        f'modules["{module}"] = (() => {{\n"use strict";\n'
        f"{body}\nreturn {{ {returned} }};\n}})();\n"
    )
    return wrapped, imports


def bundle(entry: str, read: Callable[[str], str]) -> str:
    """`entry` and every module it imports, dependencies first, as one script.

    `read(name)` gives the source of `name.js`."""
    wrapped: dict[str, str] = {}
    order: list[str] = []
    visiting: set[str] = set()

    def visit(module: str, chain: Iterable[str]) -> None:
        if module in wrapped:
            return
        if module in visiting:
            raise BundleError(f"import cycle: {' -> '.join([*chain, module])}")
        visiting.add(module)
        code, imports = _wrap(module, read(module))
        for dependency in imports:
            visit(dependency, [*chain, module])
        visiting.discard(module)
        wrapped[module] = code
        order.append(module)

    visit(entry, [])
    joined = "".join(wrapped[m] for m in order)
    return f"(() => {{\nconst modules = {{}};\n{joined}}})();\n"
