"""The report's bundle of the dashboard modules: the forms it reads, the ones it refuses."""

from __future__ import annotations

from importlib import resources

import pytest

from parley.report._bundle import BundleError, bundle


def sources(**modules: str) -> dict[str, str]:
    return modules


def test_modules_are_joined_dependencies_first_each_in_its_own_scope() -> None:
    code = bundle(
        "app",
        sources(
            app='import * as util from "./util.js";\nimport { a, b as c } from "./base.js";\n'
            "export function run() { return util.twice(a) + c; }\n",
            util='import { a } from "./base.js";\nexport const twice = (x) => 2 * x + a;\n',
            base="export const a = 1;\nexport let b = 2;\nconst hidden = 3;\n",
        ).__getitem__,
    )
    assert (
        code.index('modules["base"]') < code.index('modules["util"]') < code.index('modules["app"]')
    )
    assert code.count('modules["base"] = ') == 1  # imported twice, included once
    assert 'const { a, b: c } = modules["base"];' in code
    assert 'const util = modules["util"];' in code
    assert "return { a, b };" in code  # `hidden` stays inside base's scope
    assert "export" not in code
    assert "import " not in code


@pytest.mark.parametrize(
    "source",
    [
        'import x from "./base.js";\n',  # a default import
        'import { a } from "https://cdn.example/base.js";\n',  # anything not ./name.js
        "export default 1;\n",
        "export { a };\n",
        'export * from "./base.js";\n',
    ],
)
def test_forms_the_bundle_cannot_read_are_refused_with_their_line(source: str) -> None:
    with pytest.raises(BundleError, match=r"app\.js"):
        bundle("app", {"app": "const a = 1;\n" + source, "base": ""}.__getitem__)


def test_an_import_cycle_is_refused() -> None:
    modules = {"a": 'import { b } from "./b.js";\n', "b": 'import { a } from "./a.js";\n'}
    with pytest.raises(BundleError, match="a -> b -> a"):
        bundle("a", modules.__getitem__)


def test_every_module_of_the_report_bundles() -> None:
    static = resources.files("parley.report").joinpath("static")
    code = bundle("report", lambda name: static.joinpath(f"{name}.js").read_text("utf-8"))
    for module in ("report", "dashboard", "charts", "dom", "people", "filters"):
        assert f'modules["{module}"] = ' in code
