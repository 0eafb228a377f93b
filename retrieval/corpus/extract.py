"""The article of a news page: its paragraphs (trafilatura), publication date (htmldate), title and outlet.

Measured against a naive extraction (all text of the page, then the corpus's line heuristics) on the saved
pages of tests/pages: see benchmarks/intake.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..arabic.normalize import normalize
from ..errors import RetrievalError
from .scraped import is_prose

MIN_ARTICLE_WORDS = 60
# Of the letters of an article, the share in Arabic script below which it is reported as another language.
ARABIC_SHARE = 0.5

# "Read also: <headline>" lines that sites put inside the body: a link to another article, never its text.
_READ_ALSO = tuple(normalize(p) for p in (
    "اقرأ أيضا", "اقرأ أيضاً", "إقرأ أيضا", "اقرأ كذلك", "اقرأ المزيد", "شاهد أيضا", "طالع أيضا", "اقرأ ايضا",
    "مواضيع ذات صلة", "أخبار ذات صلة", "قد يهمك أيضا", "قد يهمك",
))
_SIGNATURES = {b"%PDF-": "a PDF", b"\x89PNG": "an image (PNG)", b"\xff\xd8\xff": "an image (JPEG)",
               b"GIF8": "an image (GIF)", b"PK\x03\x04": "a ZIP archive or office document"}
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/octet-stream", "")


class NotAnArticle(RetrievalError):
    """A page with no article to keep: a PDF, an image, a home page of links, an empty page."""


@dataclass(frozen=True)
class Extracted:
    title: str | None
    text: str  # the article's paragraphs, one per line
    date: str | None  # ISO date of publication, where the page states one
    outlet: str | None
    url: str | None  # the canonical address the page gives for itself
    arabic: bool


def check_html(content_type: str, body: bytes) -> None:
    """NotAnArticle unless the bytes look like a web page (content type and first bytes)."""
    for signature, what in _SIGNATURES.items():
        if body.startswith(signature):
            raise NotAnArticle(f"not a web page: {what}")
    if content_type.startswith("image/"):
        raise NotAnArticle(f"not a web page: an image ({content_type})")
    if content_type not in _HTML_TYPES and not content_type.endswith("+xml"):
        raise NotAnArticle(f"not a web page ({content_type})")


def decode_html(body: bytes, charset: str | None = None) -> str:
    """The page's text: in its declared charset, else as detected."""
    if charset:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    from trafilatura.utils import decode_file

    return decode_file(body)


def extract_article(html: str, url: str | None = None) -> Extracted:
    """The article of a page; NotAnArticle if it holds fewer than MIN_ARTICLE_WORDS words of body text."""
    import trafilatura
    from htmldate import find_date

    # its "discarding data" and "empty HTML tree" notes are not ours to show: a page it cannot read is refused
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    logging.getLogger("htmldate").setLevel(logging.CRITICAL)
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                           include_images=False, deduplicate=False)
    paragraphs = [p.strip() for p in (document.text or "").splitlines() if p.strip()] if document else []
    paragraphs = [p for p in paragraphs if not normalize(p).startswith(_READ_ALSO)]
    text = "\n".join(paragraphs)
    # headlines and link lists are not body text: a home page has plenty of words but no prose
    words = _prose_words(paragraphs)
    if words < MIN_ARTICLE_WORDS:
        raise NotAnArticle(f"no article on the page ({words} words of body text; at least {MIN_ARTICLE_WORDS})")
    if words - _link_words(html) < MIN_ARTICLE_WORDS and (outside := _words_outside_links(html, url)) < MIN_ARTICLE_WORDS:
        raise NotAnArticle(f"no article on the page: its text is links ({outside} words of body text outside "
                           f"links; at least {MIN_ARTICLE_WORDS})")
    # Not the extensive search: it takes a bare year (a copyright line) for a date.
    date = find_date(html, url=url, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    canonical = document.url if document.url and urlsplit(document.url).scheme in ("http", "https") else None
    outlet = document.sitename or (urlsplit(url).hostname if url else None)
    return Extracted(document.title or None, text, date or None, outlet, canonical, is_arabic(text))


def _prose_words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs if is_prose(p))


def _link_words(html: str) -> int:
    """Words of link text on the whole page (an upper bound on those in its body)."""
    import lxml.html

    try:
        page = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return 0
    return sum(len(a.text_content().split()) for a in page.iter("a"))


def _words_outside_links(html: str, url: str | None) -> int:
    """Words of body text once every link's text is taken out: a menu of links written on one line (minified)
    reads as one long paragraph, which is no article."""
    import lxml.html
    import trafilatura

    try:
        page = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return 0
    for link in list(page.iter("a")):
        link.drop_tree()  # its text goes, the text after it stays
    document = trafilatura.bare_extraction(lxml.html.tostring(page, encoding="unicode"), url=url,
                                           include_comments=False, include_images=False, deduplicate=False)
    paragraphs = [p.strip() for p in (document.text or "").splitlines() if p.strip()] if document else []
    return _prose_words([p for p in paragraphs if not normalize(p).startswith(_READ_ALSO)])


def is_arabic(text: str) -> bool:
    """Whether most letters of `text` are in Arabic script."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    arabic = sum(1 for c in letters if "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f" or "\ufb50" <= c <= "\ufeff")
    return arabic / len(letters) >= ARABIC_SHARE


