"""The rules of the house that no import or link may quietly break.

Layering: the library layers (models, data, text, metrics, synth) never import the front doors
(train, evaluate, infer, serve), the workflow or the CLI; models and data never import each
other; the pipeline imports no front door; no front door imports another (except that serve
builds on infer) or the workflow; the workflow (the step chain of demo and ablate, above the
front doors) imports neither the CLI nor the server. Links: every relative link of every
Markdown page, and every ``docs/<page>.md#anchor`` that the code cites, resolves.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "sign2gpt"

LIBRARY = {"models", "data", "text", "metrics", "synth"}
BASE = {"config", "errors", "io", "runs", "skeleton"}
FRONT_DOORS = {"train", "evaluate", "infer", "serve"}
ABOVE = {"workflow", "cli"}  # the orchestrators: only the CLI imports the workflow
FORBIDDEN = {
    "models": {"data", "pipeline", *ABOVE, *FRONT_DOORS},
    "data": {"models", "pipeline", *ABOVE, *FRONT_DOORS},
    "text": {"pipeline", *ABOVE, *FRONT_DOORS},
    "metrics": {"pipeline", *ABOVE, *FRONT_DOORS},
    "synth": {"models", "pipeline", *ABOVE, *FRONT_DOORS},
    "pipeline": {*ABOVE, *FRONT_DOORS},
    **{
        base: {"models", "data", "text", "metrics", "synth", "pipeline", *ABOVE, *FRONT_DOORS}
        for base in BASE
    },
    **{door: {*ABOVE, *(FRONT_DOORS - {door})} for door in FRONT_DOORS},
    # the web page is a front door over the inference library: it translates with infer's
    # Translator, and nothing below it knows it exists
    "serve": {*ABOVE, *(FRONT_DOORS - {"serve", "infer"})},
    "workflow": {"cli", "serve"},
}


def part_of(path: Path, package: Path) -> str:
    """``models`` for models/x.py, ``pipeline`` for pipeline.py."""
    rel = path.relative_to(package).parts
    return rel[0] if len(rel) > 1 else rel[0].removesuffix(".py")


def imported_parts(path: Path, package_name: str) -> set[str]:
    """The parts of the package a module imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == package_name:  # from sign2gpt import x
                names = [f"{package_name}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == package_name and len(parts) > 1:
                found.add(parts[1])
    return found


def layering_violations(package: Path) -> list[str]:
    """``path -> part`` for every import that breaks a rule of :data:`FORBIDDEN`."""
    out = []
    for path in sorted(package.rglob("*.py")):
        me = part_of(path, package)
        for part in sorted(imported_parts(path, package.name) & FORBIDDEN.get(me, set())):
            out.append(f"{path.relative_to(package)} -> {part}")
    return out


def test_the_package_keeps_its_layers():
    assert layering_violations(PACKAGE) == []


def test_the_layering_check_finds_what_breaks_it(tmp_path: Path):
    package = tmp_path / "sign2gpt"
    for name, text in {
        "models/head.py": "from sign2gpt.data.store import FrameStore\n",
        "data/store.py": "def f():\n    import sign2gpt.models.head\n",
        "train/runner.py": "from sign2gpt.evaluate import runner\n",
        "evaluate/runner.py": "from sign2gpt.pipeline import Pipeline\n",
        "config.py": "from sign2gpt import models\n",
        "pipeline.py": "from sign2gpt.models.head import x\n",
        "workflow/chain.py": "from sign2gpt.cli import main\n",
        "workflow/steps.py": "from sign2gpt.train.runner import run_training\n",
        "workflow/serving.py": "from sign2gpt.serve import app\n",
        "evaluate/chain.py": "from sign2gpt.workflow.steps import train_stage\n",
        "runs.py": "from sign2gpt import workflow\n",
    }.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    assert layering_violations(package) == [
        "config.py -> models",
        "data/store.py -> models",
        "evaluate/chain.py -> workflow",
        "models/head.py -> data",
        "runs.py -> workflow",
        "train/runner.py -> evaluate",
        "workflow/chain.py -> cli",
        "workflow/serving.py -> serve",
    ]


# --------------------------------------------------------------------------------------------
# links

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CITED = re.compile(r"\b((?:docs|benchmarks)/[\w.-]+\.md)(#[\w-]+)?")
FENCE = re.compile(r"^(```|~~~)")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation but ``-`` and ``_`` dropped,
    spaces as ``-``."""
    text = re.sub(r"`|\*\*|\*", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link: its text
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    counts: dict[str, int] = {}
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match and not fenced:
            base = slug(match.group(1))
            n = counts.get(base, 0)
            found.add(base if n == 0 else f"{base}-{n}")
            counts[base] = n + 1
    return found


def markdown_pages() -> list[Path]:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    pages += sorted((ROOT / "benchmarks").glob("*.md"))
    return [p for p in pages if p.is_file()]


def broken_links(page: Path) -> list[str]:
    out = []
    fenced = False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
        if fenced:
            continue
        for target in LINK.findall(line):
            if re.match(r"^[a-z][\w+.-]*:", target):  # http:, https:, mailto:
                continue
            path_part, _, anchor = target.partition("#")
            dest = (page.parent / path_part).resolve() if path_part else page
            where = f"{page.relative_to(ROOT)}:{number}: {target}"
            if not dest.exists():
                out.append(f"{where} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                out.append(f"{where} (no such anchor)")
    return out


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path):
    assert broken_links(page) == []


def test_every_docs_page_the_code_cites_exists_with_its_anchor():
    # docs/<page>.md and benchmarks/RESULTS.md#<section>, where code comments send figures
    sources = [*PACKAGE.rglob("*.py"), *(ROOT / "configs").rglob("*.yaml")]
    sources += [*(ROOT / "benchmarks").glob("*.py"), *(ROOT / "tests").glob("*.py")]
    cited, bad = 0, []
    for source in sources:
        for page, anchor in CITED.findall(source.read_text(encoding="utf-8")):
            cited += 1
            target = ROOT / page
            if not target.is_file():
                bad.append(f"{source.relative_to(ROOT)}: {page} (no such page)")
            elif anchor and anchor[1:] not in anchors(target):
                bad.append(f"{source.relative_to(ROOT)}: {page}{anchor} (no such anchor)")
    assert cited > 20 and bad == []


def test_anchors_follow_github():
    assert slug("4.4 Language model and gated fusion") == "44-language-model-and-gated-fusion"
    assert slug("`sign2gpt synth`: the synthetic corpus") == "sign2gpt-synth-the-synthetic-corpus"
    assert slug("Stage 1: pseudo-gloss pretraining (PGP)") == "stage-1-pseudo-gloss-pretraining-pgp"


def test_no_file_needs_the_steering_folder():
    pattern = re.compile(r"SPEC section|DESIGN\.md|\.\./shared")
    files = [*PACKAGE.rglob("*.py"), *markdown_pages(), *(ROOT / "configs").rglob("*.yaml")]
    assert [str(f.relative_to(ROOT)) for f in files if pattern.search(f.read_text())] == []
