"""Writes the saved pages of tests/pages: the articles of articles.py in three outlets' chrome, plus feeds.

Run once after editing articles.py (`python tests/pages/make_pages.py`); the tests read the written files.
Each outlet's chrome is the kind news sites have: menus, tickers, share buttons, inline "read also" links,
captions, tags, related stories with summaries, reader comments, newsletter boxes and cookie banners.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import articles as a

HERE = Path(__file__).resolve().parent
BASE = "http://127.0.0.1:{port}"  # the test server fills in its port

MENU = ["الرئيسية", "سياسة", "اقتصاد", "رياضة", "ثقافة", "منوعات", "فيديو", "اتصل بنا"]
MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]
RELATED = [
    ("وزير التجهيز يعلن برنامجا لتأهيل قنوات تصريف مياه الأمطار في المدن الكبرى", "قال الوزير إن البرنامج يشمل ثماني ولايات وتبلغ كلفته مئات ملايين الدنانير على مدى ثلاث سنوات."),
    ("ارتفاع أسعار الخضر في الأسواق بعد موجة البرد الأخيرة", "سجلت أسواق الجملة ارتفاعا في أسعار الطماطم والفلفل بنسبة تجاوزت عشرين في المئة خلال أسبوع واحد."),
    ("انطلاق الدورة الجديدة من معرض الكتاب بمشاركة ثلاثمئة دار نشر", "يستمر المعرض عشرة أيام ويستضيف ندوات فكرية وأمسيات شعرية بمشاركة كتاب من عدة دول عربية."),
]
COMMENTS = [
    ("أبو أحمد", "منذ ساعتين", "كل سنة نفس المشكلة والمسؤولون لا يحركون ساكنا، متى سنرى حلولا حقيقية على أرض الواقع؟"),
    ("سلمى", "منذ 3 ساعات", "شكرا على التغطية المتواصلة، نرجو أن تنشروا أرقام الطوارئ حتى يتمكن الناس من طلب المساعدة بسرعة."),
]
COOKIES = "نستخدم ملفات تعريف الارتباط (الكوكيز) لتحسين تجربتك على موقعنا وتحليل الزيارات. بمواصلة التصفح فإنك توافق على سياسة الخصوصية الخاصة بنا."
NEWSLETTER = "اشترك في نشرتنا البريدية ليصلك ملخص أهم الأخبار كل صباح مباشرة إلى بريدك الإلكتروني."


def arabic_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{int(day)} {MONTHS[int(month) - 1]} {year}"


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def wordpress(article: dict, outlet: str, slug: str, show_date: bool = True) -> str:
    """A WordPress-style site: <p> paragraphs, a "read also" line inside the body, comments and a cookie banner."""
    body = [f"<p>{esc(p)}</p>" for p in article["body"]]
    body.insert(2, f'<p class="read-also"><strong>اقرأ أيضاً:</strong> <a href="/news/related-1">{esc(RELATED[0][0])}</a></p>')
    meta = (f'<meta property="article:published_time" content="{article["date"]}T08:15:00+01:00">'
            if show_date and article["date"] else "")
    posted = (f'<span class="posted-on"><time class="entry-date">{arabic_date(article["date"])}</time></span>'
              if show_date and article["date"] else "")
    comments = "".join(
        f'<li class="comment"><div class="comment-author">{esc(n)}</div><div class="comment-meta">{esc(t)}</div>'
        f'<div class="comment-content"><p>{esc(c)}</p></div><a class="comment-reply-link" href="#">رد</a></li>'
        for n, t, c in COMMENTS)
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{esc(article["title"])} - {esc(outlet)}</title>
<meta property="og:title" content="{esc(article["title"])}">
<meta property="og:site_name" content="{esc(outlet)}">
<link rel="canonical" href="{BASE}/{slug}">
{meta}
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
<style>.site-header{{background:#fff}} .cookie-notice{{position:fixed;bottom:0}}</style>
</head><body class="post-template-default single single-post">
<div id="cookie-notice" class="cookie-notice"><p>{COOKIES}</p><button>موافق</button><a href="/privacy">سياسة الخصوصية</a></div>
<header class="site-header"><div class="site-branding"><a href="/" class="site-title">{esc(outlet)}</a></div>
<nav class="main-navigation"><ul>{"".join(f'<li><a href="/cat/{i}">{m}</a></li>' for i, m in enumerate(MENU))}</ul></nav>
<div class="header-date">آخر تحديث: منذ 5 دقائق</div></header>
<div class="breadcrumbs"><a href="/">الرئيسية</a> » <a href="/cat/1">أخبار وطنية</a> » <span>{esc(article["title"])}</span></div>
<main id="main"><article class="post type-post status-publish">
<header class="entry-header"><h1 class="entry-title">{esc(article["title"])}</h1>
<div class="entry-meta">{posted}<span class="byline">بقلم <a href="/author/3">هيئة التحرير</a></span></div></header>
<div class="share-buttons"><span>شارك</span><a href="#">فيسبوك</a><a href="#">تويتر</a><a href="#">واتساب</a><a href="#">نسخ الرابط</a></div>
<figure class="wp-block-image"><img src="/img/{slug}.jpg" alt=""><figcaption>صورة أرشيفية</figcaption></figure>
<div class="entry-content">
{chr(10).join(body)}
</div>
<footer class="entry-footer"><span class="tags-links">الوسوم: <a href="/tag/1">أخبار</a>، <a href="/tag/2">{esc(outlet)}</a></span></footer>
</article>
<section class="related-posts"><h3>مواضيع ذات صلة</h3><ul>{"".join(f'<li><a href="/news/related-{i}">{esc(t)}</a></li>' for i, (t, _) in enumerate(RELATED))}</ul></section>
<div id="comments" class="comments-area"><h2 class="comments-title">تعليقان على «{esc(article["title"])}»</h2>
<ol class="comment-list">{comments}</ol>
<div id="respond" class="comment-respond"><h3>اترك تعليقاً</h3><p class="comment-notes">لن يتم نشر عنوان بريدك الإلكتروني. الحقول الإلزامية مشار إليها بـ *</p>
<form><textarea name="comment"></textarea><input type="submit" value="إرسال التعليق"></form></div></div>
</main>
<aside class="widget-area"><section class="widget"><h2>الأكثر قراءة</h2><ol>{"".join(f'<li><a href="/news/m{i}">{esc(t)}</a></li>' for i, (t, _) in enumerate(reversed(RELATED)))}</ol></section>
<section class="widget newsletter"><h2>النشرة البريدية</h2><p>{NEWSLETTER}</p><form><input type="email"><button>اشترك</button></form></section></aside>
<footer class="site-footer"><nav><a href="/about">من نحن</a> | <a href="/privacy">سياسة الخصوصية</a> | <a href="/contact">اتصل بنا</a></nav>
<p>جميع الحقوق محفوظة © {esc(outlet)} 2025</p></footer>
</body></html>
"""


def portal(article: dict, outlet: str, slug: str) -> str:
    """An older news portal: div soup, paragraphs split by <br>, a ticker, inline ads and a numeric date."""
    paragraphs = [esc(p) for p in article["body"]]
    paragraphs.insert(3, '<div class="ad-slot">إعلان</div>')
    paragraphs.insert(2, f'<span class="inline-related">اقرأ أيضا: <a href="/details/991">{esc(RELATED[1][0])}</a></span>')
    year, month, day = (article["date"] or "--").split("-") if article["date"] else ("", "", "")
    stamp = f'<div class="news-date">الثلاثاء {day}/{month}/{year} - 10:42 ص</div>' if article["date"] else ""
    return f"""<!DOCTYPE html>
<html lang="ar"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{esc(outlet)} | {esc(article["title"])}</title>
<meta name="description" content="{esc(article["body"][0][:150])}">
<script src="/js/jquery.min.js"></script><script>var googletag = googletag || {{}};</script>
</head><body>
<div class="top-bar"><div class="date-now">اليوم</div><div class="social"><a href="#">فيسبوك</a> <a href="#">يوتيوب</a> <a href="#">انستغرام</a></div></div>
<div class="logo"><a href="/"><img src="/logo.png" alt="{esc(outlet)}"></a></div>
<div class="menu">{" ".join(f'<a href="/section/{i}">{m}</a>' for i, m in enumerate(MENU))}</div>
<div class="ticker"><span>عاجل</span><marquee>{esc(RELATED[2][0])} ... {esc(RELATED[1][0])}</marquee></div>
<div class="container"><div class="right-col">
<div class="news-details">
<div class="news-title"><h1>{esc(article["title"])}</h1></div>
{stamp}
<div class="writer">كتب: محرر الشؤون المحلية</div>
<div class="news-image"><img src="/photos/{slug}.jpg"><div class="caption">صورة من موقع الحدث</div></div>
<div class="font-size"><a href="#">تكبير الخط</a> <a href="#">تصغير الخط</a></div>
<div class="news-text">{"<br><br>".join(paragraphs)}<br><br>المصدر: {esc(outlet)}</div>
<div class="share"><a href="#">شارك الخبر</a> <a href="#">طباعة</a></div>
<div class="tags">كلمات مفتاحية: <a href="/tags/1">طقس</a> <a href="/tags/2">محليات</a></div>
</div>
<div class="more-news"><div class="block-title">أخبار ذات صلة</div>
{"".join(f'<div class="item"><a href="/details/{900 + i}">{esc(t)}</a><p>{esc(s)}</p></div>' for i, (t, s) in enumerate(RELATED))}
</div></div>
<div class="left-col"><div class="most-read"><div class="block-title">الأكثر مشاهدة</div>
{"".join(f'<a href="/details/{800 + i}">{esc(t)}</a><br>' for i, (t, _) in enumerate(RELATED))}</div>
<div class="banner">إعلان</div></div></div>
<div class="footer"><div>رئيس مجلس الإدارة: فلان الفلاني</div><div>رئيس التحرير: علان العلاني</div>
<div>حقوق النشر محفوظة لموقع {esc(outlet)} 2025</div></div>
</body></html>
"""


def agency(article: dict, outlet: str, slug: str) -> str:
    """A news agency: semantic <article>, JSON-LD, a <time> element, related stories with summaries."""
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": article["title"],
          "datePublished": f'{article["date"]}T07:30:00Z', "publisher": {"@type": "Organization", "name": outlet}}
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{esc(article["title"])}</title>
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head><body>
<div class="consent-banner" role="dialog"><p>{COOKIES}</p><button>قبول الكل</button><button>الإعدادات</button></div>
<header><nav aria-label="القائمة الرئيسية"><ul>{"".join(f'<li><a href="/{i}">{m}</a></li>' for i, m in enumerate(MENU))}</ul></nav>
<form role="search"><input placeholder="ابحث في الموقع"></form></header>
<main><article>
<h1>{esc(article["title"])}</h1>
<div class="meta"><time datetime="{article["date"]}T07:30:00Z">{arabic_date(article["date"])}</time> | {esc(outlet)}</div>
<ul class="share"><li><a href="#">فيسبوك</a></li><li><a href="#">تويتر</a></li><li><a href="#">تيليجرام</a></li></ul>
<div class="article-body">
{chr(10).join(f"<p>{esc(p)}</p>" for p in article["body"])}
</div>
<p class="credit">({esc(outlet)})</p>
</article>
<section class="more-stories"><h2>قصص أخرى</h2>
{"".join(f'<div class="story-card"><h3><a href="/story/{700 + i}">{esc(t)}</a></h3><p>{esc(s)}</p></div>' for i, (t, s) in enumerate(RELATED))}
</section></main>
<footer><p>{NEWSLETTER}</p><p>© 2025 {esc(outlet)}. جميع الحقوق محفوظة.</p></footer>
</body></html>
"""


def english(article: dict, outlet: str, slug: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(article["title"])} | {outlet}</title>
<meta property="article:published_time" content="{article["date"]}T09:00:00Z"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a> <a href="/sport">Sport</a></nav>
<article><h1>{esc(article["title"])}</h1><p class="byline">By Staff Reporter | {article["date"]}</p>
{"".join(f"<p>{esc(p)}</p>" for p in article["body"])}
</article>
<aside><h2>Most read</h2><ul><li><a href="/1">Markets rally as oil prices slip</a></li><li><a href="/2">Heatwave warning for the south</a></li></ul></aside>
<footer>© 2025 {outlet}. All rights reserved.</footer></body></html>
"""


def home(outlet: str) -> str:
    """A home page: headlines and links, no article."""
    headlines = [a.FLOOD, a.RATES, a.FINAL, a.VACCINES, a.DATACENTER, a.FLOOD_REPORT]
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{outlet} - الصفحة الرئيسية</title></head><body>
<nav>{"".join(f'<a href="/section/{i}">{m}</a> ' for i, m in enumerate(MENU))}</nav>
<div class="ticker">عاجل: {esc(RELATED[0][0])}</div>
<main><section class="top-stories"><h2>أهم الأخبار</h2><ul>
{"".join(f'<li><a href="/news/{i}"><h3>{esc(h["title"])}</h3></a><span>منذ {i + 1} ساعات</span></li>' for i, h in enumerate(headlines))}
</ul></section>
<section><h2>الأكثر قراءة</h2><ol>{"".join(f'<li><a href="/news/r{i}">{esc(t)}</a></li>' for i, (t, _) in enumerate(RELATED))}</ol></section>
</main><footer>جميع الحقوق محفوظة © {outlet} 2025</footer></body></html>
"""


# file name -> (article, outlet, template)
PAGES = {
    "wakala_flood.html": (a.FLOOD, "وكالة الأنباء المغاربية", agency),
    "rasif_flood.html": (a.FLOOD, "الرصيف نيوز", wordpress),
    "madina_flood.html": (a.FLOOD_EDITED, "بوابة المدينة", portal),
    "sada_flood.html": (a.FLOOD_EXTRA, "صدى الجنوب", wordpress),
    "rasif_flood_report.html": (a.FLOOD_REPORT, "الرصيف نيوز", wordpress),
    "madina_rates.html": (a.RATES, "بوابة المدينة", portal),
    "wakala_final.html": (a.FINAL, "وكالة الأنباء المغاربية", agency),
    "rasif_vaccines.html": (a.VACCINES, "الرصيف نيوز", wordpress),
    "madina_datacenter.html": (a.DATACENTER, "بوابة المدينة", portal),
    "english_floods.html": (a.ENGLISH, "The Maghreb Post", english),
}


def rss(items: list[str]) -> str:
    entries = "".join(
        f"<item><title>{esc(PAGES[name][0]['title'])}</title><link>{BASE}/{name}</link>"
        f"<guid>{BASE}/{name}</guid><pubDate>Tue, 18 Nov 2025 08:00:00 +0000</pubDate>"
        f"<description>{esc(PAGES[name][0]['body'][0])}</description></item>\n" for name in items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>الرصيف نيوز</title><link>{BASE}/</link><description>آخر الأخبار</description>
{entries}</channel></rss>
"""


def atom(items: list[str]) -> str:
    entries = "".join(
        f'<entry><title>{esc(PAGES[name][0]["title"])}</title><link href="{BASE}/{name}"/><id>{BASE}/{name}</id>'
        f"<updated>2025-12-03T09:00:00Z</updated><summary>{esc(PAGES[name][0]['body'][0])}</summary></entry>\n"
        for name in items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>بوابة المدينة</title><id>{BASE}/atom.xml</id>
<updated>2025-12-03T09:00:00Z</updated>
{entries}</feed>
"""


def main() -> None:
    truth = {}
    for name, (article, outlet, template) in PAGES.items():
        (HERE / name).write_text(template(article, outlet, name), encoding="utf-8")
        truth[name] = {"title": article["title"], "date": article["date"], "outlet": outlet, "body": article["body"]}
    (HERE / "home.html").write_text(home("الرصيف نيوز"), encoding="utf-8")
    (HERE / "rss.xml").write_text(rss(["rasif_flood_report.html", "rasif_vaccines.html", "rasif_flood.html"]), encoding="utf-8")
    (HERE / "atom.xml").write_text(atom(["madina_rates.html", "madina_datacenter.html", "madina_flood.html"]), encoding="utf-8")
    (HERE / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
