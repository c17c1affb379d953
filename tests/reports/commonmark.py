"""report.md as a reader sees it: rendered by markdown-it-py as CommonMark with GFM tables.

GitHub (cmark-gfm) and GitLab render CommonMark with GitHub's table extension;
markdown-it-py's ``commonmark`` preset with ``table`` enabled follows the same
specifications, so what it shows is what those sites show.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

from tests.reports.htmltree import Element, parse

_RENDERER = MarkdownIt("commonmark").enable("table")


def render(text: str) -> Element:
    """The rendered document as an HTML tree (a ``div`` around everything)."""
    return parse(f"<div>{_RENDERER.render(text)}</div>").find("div")


def visible(text: str) -> str:
    """The visible text of the rendered document, whitespace collapsed."""
    return " ".join(render(text).text().split())


def blocks(text: str) -> list[str]:
    """The visible text of each paragraph, list item, heading and table cell."""
    kinds = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "blockquote"}
    return [" ".join(e.text().split()) for e in render(text).iter() if e.tag in kinds]


def table(tree: Element, first_header: str) -> list[list[str]]:
    """The body rows (cell texts) of the table whose first header cell is ``first_header``."""
    for candidate in tree.find_all("table"):
        headers = [th.text().strip() for th in candidate.find_all("th")]
        if headers and headers[0] == first_header:
            body = candidate.find_all("tbody")
            rows = body[0].find_all("tr") if body else []
            cells = [[td.text().strip() for td in tr.find_all("td")] for tr in rows]
            assert all(len(row) == len(headers) for row in cells), cells  # no column lost
            return cells
    raise LookupError(f"no table headed {first_header!r}")


def section(tree: Element, heading: str) -> list[Element]:
    """The elements after the ``h2``/``h3`` whose text is ``heading``, up to the next heading."""
    children = [c for c in tree.children if isinstance(c, Element)]
    for index, child in enumerate(children):
        if child.tag in ("h2", "h3") and child.text().strip() == heading:
            following = []
            for element in children[index + 1 :]:
                if element.tag in ("h2", "h3"):
                    break
                following.append(element)
            return following
    raise LookupError(f"no heading {heading!r}")
