"""report.html: the report's Markdown as one page that travels alone, charts embedded as data
URIs, with a table of contents, tables that scroll in their own box and print styles."""
from __future__ import annotations


#: The stylesheet of report.html: a readable column; a table wider than it scrolls inside its own
#: box (the page never scrolls sideways at 1280 px) and long cells wrap; the table of contents sits in
#: the left margin on a wide screen and above the summary as a compact line on a narrow one; print
#: hides the contents and lets tables run the page's width. The first screen (title, stamp, the first
#: section's answers and its chart) fits 1280 x 800 without scrolling: tight margins up to the chart,
#: the chart at most 24rem (384 px) tall, in rem rather than vh so the layout does not hang on the
#: window's height, leaving room for a "since last quarter" line of up to four lines
#: (tests/test_report.py and tests/test_first_screen.py measure it).
HTML_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;"
    "line-height:1.45;color:#222}h1{font-size:1.5rem;line-height:1.25;margin:.2rem 0 .2rem}"
    "h2{font-size:1.3rem}h3{font-size:1.1rem}"
    # the stamp under the title (the contents sit between them on a narrow screen), the Summary's head
    "h1+p,h1+nav+p{margin:0;font-size:.8rem;color:#555}h2:first-of-type{margin:.6rem 0 .3rem}"
    "h2:first-of-type+ul{margin:.3rem 0}"
    ".scroll{overflow-x:auto;max-width:100%;margin:1rem 0}"
    "table{border-collapse:collapse;font-size:.85rem;margin:0}"
    "th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top;"
    "max-width:26rem;overflow-wrap:break-word}"
    "th{background:#f3f3f3}img{max-width:100%;height:auto}code{font-size:.85em}"
    "pre{overflow-x:auto}"
    # the summary's chart (the paragraph after its list) fits on the first screen with the answers
    "h2:first-of-type+ul+p{margin:.6rem 0 .4rem}h2:first-of-type+ul+p>img{max-height:24rem;width:auto}"
    "nav.toc{font-size:.8rem;color:#555;margin:.2rem 0 .6rem}"
    "nav.toc ol{list-style:none;margin:0;padding:0;display:inline}"
    "nav.toc li{display:inline}nav.toc li+li::before{content:' · '}"
    "nav.toc a{color:#335;text-decoration:none}nav.toc a:hover{text-decoration:underline}"
    "@media (min-width:1280px){nav.toc{position:fixed;top:2rem;left:.5rem;width:calc((100vw - 62rem)/2 - 1rem);"
    "max-width:14rem;margin:0}nav.toc ol{display:block}nav.toc li{display:block;margin:.15rem 0}"
    "nav.toc li+li::before{content:none}}"
    "@media print{nav.toc{display:none}body{max-width:none;margin:0;padding:0;font-size:10pt}"
    ".scroll{overflow:visible}table{font-size:7.5pt}th,td{max-width:none}tr,img{break-inside:avoid}"
    "h2,h3{break-after:avoid}h2:first-of-type+ul+p>img{max-height:none}a{color:inherit;text-decoration:none}"
    "@page{size:A4 landscape;margin:12mm}}"
)


def _slug(text: str, seen: set[str]) -> str:
    import re

    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    slug, k = base, 2
    while slug in seen:
        slug, k = f"{base}-{k}", k + 1
    seen.add(slug)
    return slug


def render_html(markdown: str, images: dict[str, bytes], title: str) -> str:
    """A standalone HTML page of the Markdown, every ``charts/*.png`` embedded as a data URI, with a
    table of contents of its sections (``##``), each table in a box that scrolls sideways on its own
    when it is wider than the page, and print styles (:data:`HTML_STYLE`)."""
    import base64
    import html as html_lib

    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(markdown)
    toc, seen = [], set()
    for k, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3"):
            text = tokens[k + 1].content
            slug = _slug(text, seen)
            token.attrSet("id", slug)
            if token.tag == "h2":
                toc.append((slug, text))
        for child in token.children or ():
            if child.type == "image":
                src = child.attrGet("src")
                if src in images:
                    child.attrSet("src", "data:image/png;base64," + base64.b64encode(images[src]).decode("ascii"))
    body = md.renderer.render(tokens, md.options, {})
    body = body.replace("<table>", '<div class="scroll"><table>').replace("</table>", "</table></div>")
    if toc:
        items = "".join(f'<li><a href="#{slug}">{html_lib.escape(text)}</a></li>' for slug, text in toc)
        nav = f'<nav class="toc" aria-label="Contents"><strong>Contents</strong> <ol>{items}</ol></nav>\n'
        end = body.find("</h1>")
        body = body[:end + 6] + nav + body[end + 6:] if end >= 0 else nav + body
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html_lib.escape(title)}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")
