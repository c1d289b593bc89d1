"""index.html: the report on one page, the summary with every figure in it, live.

The summary's Markdown is rendered as it is (tables, links), and each figure's image
is replaced by the interactive figure itself. The page loads plotly.js from the one
copy beside it, which the figures' own pages share.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from markdown_it import MarkdownIt

from autolr.report.files import PLOTLY_JS

INDEX = "index.html"
STYLE = """
body { font-family: Helvetica, Arial, sans-serif; max-width: 1280px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.8em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f3f3f3; }
code { background: #f3f3f3; padding: 0 0.2em; }
.figure { margin: 1em 0 0.4em; border: 1px solid #e3e3e3; }
"""


def render(title: str, summary: str, figures: Mapping[str, str]) -> str:
    """The page for `summary` (Markdown), each `![..](NAME.png)` replaced by figures[NAME]
    (an HTML fragment), with the PNG linked under it."""
    body = MarkdownIt("commonmark").enable("table").render(summary)

    def live(match: re.Match[str]) -> str:
        png = html.unescape(match.group(1))
        fragment = figures.get(png.removesuffix(".png"))
        if fragment is None:
            return match.group(0)
        link = html.escape(png)
        return f'<div class="figure">{fragment}</div><p>Image: <a href="{link}">{link}</a></p>'

    body = re.sub(r'<p><img src="([^"]+)" alt="[^"]*" /></p>', live, body)
    script = f'<script src="{PLOTLY_JS}" charset="utf-8"></script>' if figures else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n{script}\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )
