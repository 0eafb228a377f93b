"""Hostile pages, feeds and files for the intake fault suite (tests/test_intake_faults*.py), served on 127.0.0.1.

`hostile_server()` is a PageServer (tests/pageserver.py) with the routes below; `internal_service()` plays a
service on the bot's own machine that no feed may make intake read (it is never listed in INTAKE_ALLOW_PRIVATE).
"""

from __future__ import annotations

import functools
import gzip
import json
import threading
import time
from urllib.parse import quote
from xml.sax.saxutils import escape

from pageserver import PAGES, PageServer

SECRET = "INTERNAL-7731"  # on the internal service's page only: it must never reach the corpus
GOOD = "wakala_final.html"  # a real news page: added wherever a hostile source is refused beside it
GOOD_TITLE = json.loads((PAGES / "truth.json").read_text(encoding="utf-8"))[GOOD]["title"]
ARABIC_PATH = "/" + quote("أخبار/الوداد-يتوج.html")  # as a client sends it, percent-encoded
ITEMS_IN_HUGE_FEED = 10_000
NEVER_ITEMS = 4


def secret_page() -> bytes:
    """A page of an internal service that reads as a news article: only its address keeps it out of the corpus."""
    paragraphs = [
        "أعلنت إدارة الشبكة الداخلية للشركة اليوم عن تحديث شامل لأنظمة الدخول إلى خوادم الإدارة، بعد مراجعة "
        "أمنية استمرت ثلاثة أسابيع وشملت جميع الفروع في المدن الكبرى.",
        f"وقالت الإدارة في مذكرتها إن كلمة المرور الجديدة لخادم الإدارة هي {SECRET}، وإنها لا تُستعمل إلا من داخل "
        "الشبكة، ولا يجوز نشرها أو إرسالها بالبريد الإلكتروني تحت أي ظرف من الظروف.",
        "وأضافت المذكرة أن فريق الدعم الفني سيتواصل مع رؤساء الأقسام خلال الأيام المقبلة لشرح الإجراءات الجديدة، "
        "وأن الأنظمة القديمة ستتوقف عن العمل نهاية الشهر الجاري.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>تحديث أنظمة الدخول</title></head><body><article><h1>تحديث أنظمة الدخول إلى "
            f"خوادم الإدارة</h1>{body}</article></body></html>").encode()


def internal_service() -> PageServer:
    """A service on 127.0.0.1 that intake is never allowed to read."""
    server = PageServer()
    server.routes["/secret.html"] = (200, "text/html; charset=utf-8", secret_page())
    return server


def _raw(data: bytes):
    def send(handler) -> None:
        try:
            handler.wfile.write(data)
        except OSError:
            pass
    return send


def _redirect(to: str, status: int = 302):
    def send(handler) -> None:
        handler._send(status, "text/html", b"", {"Location": to.replace("{port}", str(handler.server.server_port))})
    return send


def _dribbled_headers(handler) -> None:
    """A status line, then a header byte every 0.3 s: each read succeeds, the headers never end."""
    try:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(30):
            handler.wfile.write(b"a")
            handler.wfile.flush()
            time.sleep(0.3)
    except OSError:
        pass


@functools.cache
def _bomb() -> bytes:
    """50 MB of text in 50 KB of gzip: ten times the page limit once decompressed (intake never decompresses)."""
    return gzip.compress(b"<p>" + b"a" * (50 * 1024 * 1024) + b"</p>", compresslevel=9)


def _gzip_bomb(handler) -> None:
    handler._send(200, "text/html", _bomb(), {"Content-Encoding": "gzip"})


def _declares_two_gigabytes(handler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(2 * 1024**3))
    handler.end_headers()
    try:
        handler.wfile.write(b"<p>" * 1000)
    except OSError:
        pass


def _reset(handler) -> None:
    """The connection closed with no answer at all."""
    handler.close_connection = True
    handler.connection.close()


def _never(release: threading.Event):
    """No answer until the server stops (or a minute passes)."""
    def wait(handler) -> None:
        release.wait(60)
    return wait


def _item(link: str, title: str = "خبر") -> str:
    return f"<item><title>{escape(title)}</title><link>{escape(link)}</link></item>"


def rss(*links: str) -> bytes:
    items = "".join(_item(link, f"خبر {i}") for i, link in enumerate(links))
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>وكالة</title>'
            f"<link>http://127.0.0.1:{{port}}/</link>{items}</channel></rss>").encode()


_BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><link>http://127.0.0.1:{port}/lol</link></item></channel></rss>"""

_XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title><link>http://127.0.0.1:{port}/&xxe;</link>
<description>&xxe;</description></item></channel></rss>"""


def _menu() -> bytes:
    """A minified page that is a menu of 60 links and nothing else."""
    links = "".join(f'<a href="/news/{i}">عنوان الخبر رقم {i} عن الأحداث الجارية في المنطقة</a>' for i in range(60))
    return f"<html><head><title>البوابة</title></head><body><nav>{links}</nav></body></html>".encode()


def _wrong_charset() -> bytes:
    return (PAGES / GOOD).read_text(encoding="utf-8").replace('charset="utf-8"', "").encode("cp1256", "replace")


ROUTES = {
    # broken HTTP
    "/dribble": _dribbled_headers,
    "/long-header": _raw(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n<p>x</p>"),
    "/many-headers": _raw(b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n"),
    "/bad-status": _raw(b"NONSENSE\r\n\r\n"),
    "/cut-short": _raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<p>abc"),
    "/reset": _reset,
    "/gzip-bomb": _gzip_bomb,
    "/two-gigabytes": _declares_two_gigabytes,
    "/zip": (200, "text/html", b"PK\x03\x04\x14\x00\x00\x00\x08\x00"),
    # redirects
    **{f"/chain-{i}": _redirect(f"/chain-{i + 1}") for i in range(8)},
    "/to-ftp": _redirect("ftp://127.0.0.1/x.html"),
    "/to-data": _redirect("data:text/html,<p>x</p>"),
    "/to-bad-port": _redirect("http://127.0.0.1:99999/x"),
    # pages that are no article
    "/menu.html": (200, "text/html; charset=utf-8", _menu()),
    # charsets: a wrong declaration and an unknown one; both still the article
    "/wrong-charset.html": (200, "text/html; charset=utf-8", _wrong_charset()),
    "/unknown-charset.html": (200, "text/html; charset=x-klingon", (PAGES / GOOD).read_bytes()),
    # an address in Arabic letters, as a client sends it
    ARABIC_PATH: (200, "text/html; charset=utf-8", (PAGES / GOOD).read_bytes()),
    # feeds
    "/billion-laughs.xml": (200, "application/rss+xml", _BILLION_LAUGHS),
    "/xxe.xml": (200, "application/rss+xml", _XXE),
    "/bad-links.xml": (200, "application/rss+xml", rss(
        "http://127.0.0.1:99999/x", "http://[::1/x", "http://127.0.0.1:port/x", "javascript:alert(1)",
        "file:///etc/passwd", f"http://127.0.0.1:{{port}}/{GOOD}")),
    "/huge-feed.xml": (200, "application/rss+xml", rss(*(f"http://127.0.0.1:{{port}}/item/{i}"
                                                         for i in range(ITEMS_IN_HUGE_FEED)))),
}


def hostile_server(internal: PageServer | None = None) -> PageServer:
    """The saved pages (tests/pages) plus ROUTES; with `internal`, feeds and redirects that point at it."""
    _bomb()  # made once, before any client waits for it
    server = PageServer()
    server.routes.update(ROUTES)
    server.release = threading.Event()  # set to end the pages that never answer
    server.routes.update({f"/never/{i}": _never(server.release) for i in range(NEVER_ITEMS)})
    server.routes["/never-feed.xml"] = (200, "application/rss+xml",
                                        rss(*(f"http://127.0.0.1:{{port}}/never/{i}" for i in range(NEVER_ITEMS))))
    if internal is not None:
        secret = internal.url("secret.html")
        server.routes["/to-internal"] = _redirect(secret)
        server.routes["/internal-feed.xml"] = (200, "application/rss+xml", rss(secret, f"http://127.0.0.1:{{port}}/{GOOD}"))
    return server
