"""The README's tables stay true: routes, `flask bff` commands and `BFF_*` settings.

Each check goes both ways: something the app has but the README does not list fails, and so does
a README row that names something the app no longer has. The README is read as markdown: the
first column of a table holds the names, in backticks.

- Routes: every rule of `app.url_map` (bff in sandbox mode, the mode with the most routes; not
  `/static/...`) must be written in the README, and every route the README writes must exist.
  Routes are written in the "Routes" table (in any column: a row such as `/setup` names its
  sub-routes in its text) and in the "JSON API for setup apps" section, which the table's
  `/api/v1/...` row points to. A written route is `[METHOD ]/path[?query]`. Matching: the query
  is dropped, a trailing slash does not count, every `<...>` placeholder (`<id>`,
  `<int:claim_id>`, `<path:x>`) becomes `<>`, and a rule's `<any(a, b):x>` and the README's
  `a|b` both stand for the literal alternatives. A written METHOD must be one the rule accepts.
  A row like `/api/v1/...` only points elsewhere: it covers nothing itself, but something must
  exist under it.
- Commands: the commands of the `bff` group (`flask --app app bff <command>`) and the first word
  of the "Commands" table's first column are the same set; every `--option` a row writes exists.
- Configuration: the settings bff reads from the environment are the ones `bff.config.load_config`
  gives a default (or generates) and that a `BFF_<NAME>` variable changes. They and the
  "Configuration" table's `BFF_*` names are the same set.
"""
from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import click
import pytest
from flask import Flask

from bff import create_app
from bff.config import ConfigError, load_config

README = Path(__file__).resolve().parent.parent / "README.md"

SKIPPED_RULES = {"/static/<path:filename>"}  # Flask's static files
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# Settings bff reads but the README does not list, each with the reason. The test fails when an
# entry stops being a setting, so this list cannot go stale.
NOT_IN_README = {
}
PROBE_VALUE = "docs-probe:client:secret"  # a valid value for every setting, even the products


# -- reading the README ----------------------------------------------------------------------------


def readme_section(title: str) -> str:
    """The text of the README's `## <title>` section (up to the next `## ` heading)."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}[ \t]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f'README.md has no "## {title}" section'
    return match.group(1)


def table_rows(title: str) -> list[list[str]]:
    """The cells of the body rows of the first markdown table in a README section."""
    lines = [line.strip() for line in readme_section(title).splitlines()]
    table = list(itertools.takewhile(lambda line: line.startswith("|"),
                                     itertools.dropwhile(lambda line: not line.startswith("|"), lines)))
    assert len(table) > 2, f'the "{title}" section of README.md has no table'
    assert re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", table[1]), f'"{title}": the second table line is not |---|'
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row.strip("|"))] for row in table[2:]]


def backticked(text: str) -> list[str]:
    """The `code` spans of markdown text, with table escapes (`\\|`) undone."""
    return [span.replace("\\|", "|") for span in re.findall(r"`([^`]+)`", text)]


def first_column_names(title: str) -> list[str]:
    """The backticked names in the first column of a section's table."""
    names = [name for row in table_rows(title) for name in backticked(row[0])]
    assert names, f'the "{title}" table of README.md names nothing in backticks'
    return names


# -- routes ----------------------------------------------------------------------------------------


_ANY = re.compile(r"<any\(([^)]*)\)(?::\w+)?>")
_PLACEHOLDER = re.compile(r"<[^<>]*>")
_WRITTEN_ROUTE = re.compile(rf"^(?:({'|'.join(HTTP_METHODS)})\s+)?(/\S*)")


def _forms(path: str, alternatives) -> set[str]:
    """Normalised paths: no query, no trailing slash, `<...>` as `<>`, alternatives expanded.

    `alternatives(segment)` gives the literal choices a path segment stands for, or None.
    """
    path = path.split("?", 1)[0]
    if len(path) > 1:
        path = path.rstrip("/")
    segments = [[_PLACEHOLDER.sub("<>", option) for option in (alternatives(segment) or [segment])]
                for segment in path.split("/")]
    return {"/".join(choice) for choice in itertools.product(*segments)}


def rule_forms(rule: str) -> set[str]:
    """What a Flask rule stands for; `<any(online, offline):power>` is `online` or `offline`."""
    def any_options(segment):
        match = _ANY.fullmatch(segment)
        return [option.strip().strip("'\"") for option in match.group(1).split(",")] if match else None
    return _forms(rule, any_options)


def written_forms(path: str) -> set[str]:
    """What a route written in the README stands for; `online|offline` is either."""
    return _forms(path, lambda segment: segment.split("|") if "|" in segment else None)


def app_routes(app: Flask) -> dict[str, tuple[str, set[str]]]:
    """Normalised path -> (the rule as Flask writes it, the methods it accepts)."""
    routes: dict[str, tuple[str, set[str]]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule in SKIPPED_RULES:
            continue
        for form in rule_forms(rule.rule):
            methods = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
            previous = routes.get(form, (rule.rule, set()))
            routes[form] = (previous[0], previous[1] | methods)
    return routes


def written_routes(text: str) -> list[tuple[str, str | None, str]]:
    """The routes written in backticks in markdown text: (as written, method or None, path)."""
    written = []
    for span in backticked(text):
        match = _WRITTEN_ROUTE.match(" ".join(span.split()))
        if match:
            written.append((span, match.group(1), match.group(2)))
    return written


def readme_routes() -> list[tuple[str, str | None, str]]:
    """Every route written in the Routes table (any column) and in the API section."""
    cells = [cell for row in table_rows("Routes") for cell in row]
    return written_routes("\n".join([*cells, readme_section("JSON API for setup apps")]))


@pytest.fixture(scope="module")
def documented_app(tmp_path_factory):
    """bff in sandbox mode (its console adds routes); creating it starts no sandbox."""
    instance = tmp_path_factory.mktemp("docs-instance")
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("BFF_")]:
            patch.delenv(name)
        return create_app({"TESTING": True, "DATABASE": str(instance / "bff.sqlite3"),
                           "PARTICLE_PRODUCTS": None, "SECRET_KEY": "docs", "LABEL_KEY": "docs"},
                          instance_path=str(instance))


def test_every_route_of_the_app_is_in_the_readme(documented_app):
    documented = set()
    for _, _, path in readme_routes():
        if not path.endswith("/..."):
            documented |= written_forms(path)
    missing = sorted({rule for form, (rule, _) in app_routes(documented_app).items() if form not in documented})
    assert not missing, (
        f"routes missing from README.md (add them to the Routes table, or to the JSON API "
        f"section for /api/v1): {missing}")


def test_every_route_in_the_readme_exists(documented_app):
    routes = app_routes(documented_app)
    absent = []
    for written, method, path in readme_routes():
        if path.endswith("/..."):  # e.g. /api/v1/...: something must live under it
            prefix = path[: -len("...")]
            if not any(form.startswith(prefix) for form in routes):
                absent.append(written)
            continue
        for form in written_forms(path):
            if form not in routes or (method and method not in routes[form][1]):
                absent.append(written)
                break
    assert not absent, f"README.md lists routes the app does not have (path or method): {absent}"


def test_the_route_reader_understands_the_readme_forms():
    text = ("| `/d/<device_id>?k=<tag>` | the page (`POST /d/<device_id>/claim`), `k` |\n"
            "then `POST /api/v1/sign-in/code\n{\"phone\"}` texts a code; `Authorization: Bearer <t>`")
    assert [(method, path) for _, method, path in written_routes(text)] == [
        (None, "/d/<device_id>?k=<tag>"), ("POST", "/d/<device_id>/claim"), ("POST", "/api/v1/sign-in/code")]
    assert written_forms("/d/<device_id>?k=<tag>") == rule_forms("/d/<device_id>") == {"/d/<>"}
    assert written_forms("/claims/<id>.json") == rule_forms("/claims/<int:claim_id>.json")
    assert rule_forms("/setup/") == {"/setup"}
    assert written_forms("/console/devices/<id>/online|offline") == \
        rule_forms("/console/devices/<device_id>/<any(online, offline):power>") == \
        {"/console/devices/<>/online", "/console/devices/<>/offline"}
    assert readme_routes(), "no route found in the README at all"


# -- commands --------------------------------------------------------------------------------------


def bff_commands(app: Flask) -> dict[str, click.Command]:
    group = app.cli.commands["bff"]
    assert isinstance(group, click.Group)
    return dict(group.commands)


def test_commands_and_the_readme_table_agree(documented_app):
    written = [name.split()[0] for name in first_column_names("Commands")]
    commands = bff_commands(documented_app)
    assert not (missing := sorted(set(commands) - set(written))), \
        f"`flask bff` commands missing from the README's Commands table: {missing}"
    assert not (absent := sorted(set(written) - set(commands))), \
        f"the README's Commands table lists commands that do not exist: {absent}"


def test_every_option_the_commands_table_names_exists(documented_app):
    commands = bff_commands(documented_app)
    wrong = []
    for row in first_column_names("Commands"):
        name, *rest = row.split()
        if name not in commands:
            continue  # reported by the test above
        options = {opt for param in commands[name].params for opt in getattr(param, "opts", [])}
        wrong += [f"{name} {option}" for option in re.findall(r"--[\w-]+", " ".join(rest))
                  if option not in options]
    assert not wrong, f"the README's Commands table names options that do not exist: {wrong}"


# -- configuration ---------------------------------------------------------------------------------


def _loaded(instance: Path) -> Flask:
    probe = Flask("bff_docs_probe", instance_path=str(instance))
    load_config(probe)
    return probe


def environment_settings(instance: Path) -> set[str]:
    """Names (without `BFF_`) that load_config fills in and that a BFF_ variable changes.

    Candidates are the keys load_config adds to, or changes in, Flask's own configuration;
    derived values (such as SANDBOX_MODE) are the ones a `BFF_<NAME>` variable does not change.
    Call with no BFF_ variable in the environment.
    """
    vanilla = Flask("bff_docs_vanilla", instance_path=str(instance)).config
    defaults = _loaded(instance).config
    candidates = {key for key, value in defaults.items()
                  if key not in vanilla or vanilla[key] != value}
    settings = set()
    with pytest.MonkeyPatch.context() as patch:
        for key in sorted(candidates):
            patch.setenv(f"BFF_{key}", PROBE_VALUE)
            try:
                changed = _loaded(instance).config.get(key) != defaults.get(key)
            except ConfigError:
                changed = True  # it was read (and judged)
            patch.delenv(f"BFF_{key}")
            if changed:
                settings.add(key)
    return settings


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> set[str]:
    instance = tmp_path_factory.mktemp("docs-config")
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("BFF_")]:
            patch.delenv(name)
        return environment_settings(instance)


def test_settings_and_the_readme_table_agree(settings):
    names = first_column_names("Configuration")
    assert not (odd := [n for n in names if not n.startswith("BFF_")]), \
        f"the Configuration table names non-BFF_ variables: {odd}"
    written = {name[len("BFF_"):] for name in names}
    expected = settings - set(NOT_IN_README)
    assert not (missing := sorted(f"BFF_{n}" for n in expected - written)), \
        f"settings read from the environment but missing from the README's Configuration table: {missing}"
    assert not (absent := sorted(f"BFF_{n}" for n in written - settings)), \
        f"the README's Configuration table lists variables bff does not read: {absent}"
    assert not (listed := sorted(set(NOT_IN_README) & written)), \
        f"the README lists {listed}: remove them from NOT_IN_README in this file"


def test_the_settings_probe_finds_settings_and_skips_derived_values(settings):
    assert {"SECRET_KEY", "LABEL_KEY", "DATABASE", "PUBLIC_URL", "PARTICLE_PRODUCTS"} <= settings
    assert "SANDBOX_MODE" not in settings  # derived from the products, not read
    stale = sorted(set(NOT_IN_README) - settings)
    assert not stale, f"NOT_IN_README names what is no longer a setting; remove it: {stale}"


# -- links into docs/ ------------------------------------------------------------------------------


ROOT = README.parent
DOCS = ROOT / "docs"
SCANNED = ["README.md", "app.py", "bff", "tests", "bench", "templates", "docs"]


def heading_anchors(page: Path) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, `-` for spaces."""
    return {re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
            for title in re.findall(r"^#{1,6} +(.+?) *#*$", page.read_text(encoding="utf-8"), re.M)}


def docs_links() -> list[tuple[str, str, str]]:
    """(where, page, anchor) for every `docs/<page>.md#<anchor>` in the repository's text files,
    and every `(<page>.md#<anchor>)` or `(#<anchor>)` link between the docs pages."""
    links = []
    for entry in SCANNED:
        path = ROOT / entry
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()
                                                      and p.suffix in {".py", ".md", ".html", ".txt"}
                                                      and "node_modules" not in p.parts)
        for file in files:
            text = file.read_text(encoding="utf-8", errors="replace")
            where = str(file.relative_to(ROOT))
            links += [(where, page, anchor) for page, anchor in
                      re.findall(r"\bdocs/([\w-]+\.md)(?:#([\w-]+))?", text)]
            if file.parent == DOCS:
                links += [(where, page or file.name, anchor) for page, anchor in
                          re.findall(r"\]\(([\w-]+\.md)?#([\w-]+)\)", text)]
    return links


def test_every_link_into_docs_names_a_page_and_heading_that_exist():
    broken = []
    for where, page, anchor in docs_links():
        target = DOCS / page
        if not target.is_file() or (anchor and anchor not in heading_anchors(target)):
            broken.append(f"{where}: docs/{page}{'#' + anchor if anchor else ''}")
    assert not broken, f"links to docs/ pages or headings that do not exist: {sorted(set(broken))}"
