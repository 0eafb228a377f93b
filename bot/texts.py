"""The bot's Arabic interface texts (Telegram HTML: any `<`, `>` or `&` here must be escaped)."""

from __future__ import annotations

BOT_NAME = "اقتباس"

INTRO = (
    f"<b>{BOT_NAME}</b> يجيب عن أسئلتك من مقالات إخبارية عربية، "
    "فيقتبس الفقرات كما وردت في المقالات ويذكر مصدر كل اقتباس."
)
GREETING = "أهلاً بك! 👋"
HOW_TO_ASK = (
    "<b>كيف تسأل؟</b>\n"
    "• في المحادثة الخاصة: اكتب سؤالك مباشرةً.\n"
    "• في المجموعات: اكتب /ask متبوعاً بسؤالك، أو اذكرني {mention} في رسالتك، أو ردّ على إحدى رسائلي."
)
EXAMPLES = "<b>أمثلة من المقالات المتاحة</b> (المس السؤال لنسخه):"
EXAMPLE_QUESTION = "ما تفاصيل خبر «{title}»؟"
COMMANDS_HELP = "/latest — أحدث المقالات\n/sources — المقالات المفهرسة\n/new — موضوع جديد: أنسى أسئلتك السابقة\n/help — هذه الرسالة"

# Shown in Telegram's command menu (set_my_commands).
COMMAND_MENU = {
    "ask": "اطرح سؤالاً (في المجموعات)",
    "latest": "أحدث المقالات وتواريخها",
    "sources": "المقالات التي أجيب منها",
    "help": "طريقة الاستخدام وأمثلة",
    "new": "موضوع جديد (انسَ الأسئلة السابقة)",
    "start": "ابدأ من هنا",
}

FOLLOWUP_OF = "↩️ متابعة لسؤالك: «{question}»"
NEW_TOPIC = "حسناً، سأقرأ رسالتك التالية سؤالاً جديداً لا متابعة لما سبق."
NOT_COVERED = "لم أجد في المقالات المتاحة ما يجيب عن هذا السؤال."
RELATED = "تتناول المقالات هذا الموضوع، لكنها لا تذكر {what}. هذا أقرب ما ورد فيها:"
# What a related answer does not state, by the kind of fact asked.
ASKED_FACT = {
    "when": "الموعد أو التاريخ الذي سألت عنه",
    "count": "العدد أو المقدار الذي سألت عنه",
    "duration": "المدة التي سألت عنها",
    "age": "العمر الذي سألت عنه",
    "who": "اسم من سألت عنه",
    "where": "المكان الذي سألت عنه",
    "what": "ما سألت عنه بالتحديد",
}
CHATTER = (
    "أهلاً! 👋 أنا أجيب عن أسئلتك من المقالات الإخبارية المتاحة، وأقتبس النص كما ورد مع مصدره.\n"
    "اسألني مثلاً: <code>{example}</code>"
)
THANKS = "العفو! 🌷 يسعدني أن أساعد. اسألني عن أي خبر آخر، مثلاً: <code>{example}</code>"
CLOSEST_ARTICLES = "أقرب المقالات إلى موضوعه:"
MORE_PAGE_HEADER = "<b>نتائج إضافية</b> ({page} من {pages})"
CONTEXT_HEADER = "<b>سياق الاقتباس {number}</b>"
SOURCES_HEADER = "<b>المقالات المفهرسة</b> (عددها {count}):"
SOURCES_MORE = "… و{count} غيرها."
NO_ARTICLES = "لا توجد مقالات مفهرسة بعد."
LATEST_HEADER = "<b>أحدث المقالات</b>:"
NO_DATED_ARTICLES = "لا توجد بين المقالات المفهرسة مقالات مؤرخة بعد."

# Time in answers. UNDATED stands where an article states no publication date.
UNDATED = "بدون تاريخ"
RESOLVED_DAY = "📅 {days}"  # beside a quote: what its relative days mean, e.g. «الخميس = 27 فبراير 2025»
TIME_ORDER = {"latest": "الأحدث", "earliest": "الأقدم", "timeline": "تسلسل الأحداث"}
# Not in bold: in an answer, bold marks the quoted sentence that answers.
TIME_HEADER = "🕒 {what}:"
TIME_HEADER_IN = "🕒 {what} ({window}):"
TIMELINE_DATE = "🗓 {date}"
ALSO_REPORTED = "وأيضاً: {outlets}"  # on a source line: the other outlets whose articles state the same
EMPTY_WINDOW = "🗓 لا توجد عندي أخبار من {window}؛ {nearest}."
EMPTY_WINDOW_NOTHING = "🗓 لا توجد عندي أخبار من {window}، ولا مقالات مؤرخة أخرى."
NEAREST_BEFORE = "أحدث ما لدي بتاريخ {date}"
NEAREST_AFTER = "أقدم ما لدي بتاريخ {date}"
NEAREST_BOTH = "أقرب ما لدي قبلها بتاريخ {before} وبعدها بتاريخ {after}"
THIS_PERIOD = "هذه الفترة"
RELATED_NEAREST = "📌 هذا أقرب ما لدي إلى سؤالك:"

BUTTON_MORE = "نتائج أخرى ⬅️"
BUTTON_CONTEXT = "📄 سياق {number}"
BUTTON_UP = "👍"
BUTTON_DOWN = "👎"
BUTTON_SHARE = "↗️ شارك السؤال"
BUTTON_ASK_BOT = f"🔎 اسأل {BOT_NAME}"

# Inline mode (@bot question in any chat). Button texts above the results: short.
INLINE_HINT = "اكتب سؤالك عن خبر وأنهِه بعلامة ؟"
INLINE_NOT_ALLOWED = "عذراً، هذا البوت غير متاح لك."
INLINE_RATE_LIMITED = "تمهّل قليلاً، ثم أعد المحاولة بعد {wait}."
INLINE_RELATED = "لا تذكر المقالات {what}"
BAD_START_LINK = "عذراً، هذا الرابط لا يحمل سؤالاً صالحاً. اكتب سؤالك مباشرةً، أو أرسل /help لمعرفة طريقة الاستخدام."

EMPTY_QUESTION = "اكتب سؤالك نصّاً من فضلك، مثلاً: <code>{example}</code>"
ASK_USAGE = "اكتب سؤالك بعد الأمر، مثلاً:\n<code>/ask {example}</code>"
DEFAULT_EXAMPLE = "ما أبرز ما ورد في الأخبار؟"
TOO_LONG = "سؤالك طويل جداً (عدد أحرفه {length}). اختصره إلى {limit} حرف على الأكثر من فضلك."
RATE_LIMITED = "تمهّل قليلاً من فضلك؛ بلغتَ الحد المسموح به من الأسئلة في الدقيقة ({limit}). أعد المحاولة بعد {wait}."
UNKNOWN_COMMAND = "لا أعرف هذا الأمر. اكتب سؤالك مباشرةً، أو أرسل /help لمعرفة طريقة الاستخدام."
NOT_TEXT = "أفهم الأسئلة المكتوبة فقط. اكتب سؤالك نصّاً وسأبحث عن إجابته في المقالات."
NOT_ALLOWED = "عذراً، هذا البوت غير متاح في هذه المحادثة."
ADMINS_ONLY = "عذراً، هذا الأمر متاح للمشرفين فقط."
SOMETHING_WENT_WRONG = "عذراً، حدث خطأ غير متوقع. حاول مرة أخرى بعد قليل."

EXPIRED = "انتهت صلاحية هذه الإجابة. أعد طرح سؤالك من فضلك."
NO_MORE_RESULTS = "لا توجد نتائج أخرى."
THANKS_FOR_VOTE = "شكراً على تقييمك!"
ALREADY_VOTED = "سجّلنا تقييمك لهذه الإجابة من قبل."
VOTE_NOT_RECORDED = "تعذّر تسجيل تقييمك الآن؛ حاول مرة أخرى لاحقاً."
BUTTONS_RATE_LIMITED = "تمهّل قليلاً من فضلك، ثم أعد المحاولة بعد {wait}."

REINDEX_STARTED = "⏳ بدأت إعادة بناء الفهرس من <code>{corpus}</code>. سأواصل الإجابة من الفهرس الحالي حتى تنتهي."
REINDEX_RUNNING = "إعادة بناء الفهرس جارية بالفعل؛ سأخبرك حين تنتهي."
REINDEX_WAITING = "⏳ يُبنى الفهرس الآن خارج البوت (python -m retrieval)؛ سأعيد بناءه حين ينتهي ذلك."
REINDEX_STOPPED = "⏹ توقّف البوت قبل أن تنتهي إعادة بناء الفهرس؛ ما زال الفهرس السابق كما هو. أرسل /reindex بعد تشغيله."
REINDEX_DONE = "✅ تم تحديث الفهرس (المقالات: {articles}، المقاطع: {chunks}).\n<pre>{summary}</pre>"
REINDEX_FAILED = "❌ تعذّرت إعادة بناء الفهرس، وما زال الفهرس السابق في الخدمة:\n<pre>{error}</pre>"
REINDEX_CRASHED = "❌ تعذّرت إعادة بناء الفهرس بسبب خطأ غير متوقع (التفاصيل في سجل البوت). ما زال الفهرس السابق في الخدمة."

# Admins add articles by sending a link or a file in a private chat.
INTAKE_ADMINS_ONLY = ("عذراً، إضافة المقالات متاحة للمشرفين فقط. إن كان لديك سؤال فاكتبه نصّاً، "
                      "وسأبحث عن إجابته في المقالات.")
INTAKE_FILE_TYPES = "أضيف ملفات النصوص فقط (txt وmd وhtml وjsonl)؛ لم أُضف هذا الملف."
INTAKE_TOO_BIG = "حجم هذا الملف {size} ميغابايت، وتيليغرام لا يسمح للبوت بتنزيل أكثر من {limit} ميغابايت؛ لم أُضفه."
INTAKE_STARTED = "⏳ أضيف ما أرسلته إلى المقالات، ثم أحدّث الفهرس…"
INTAKE_ADDED = "✅ أُضيف: «{title}»{rest}{note}"
INTAKE_UPDATED = "🔄 حُدّث: «{title}»{rest}{note}"
INTAKE_DUPLICATE = "↔️ {source}: نسخة من مقال موجود («{title}»)؛ حُفظ مصدراً ثانياً له."
INTAKE_KNOWN = "ℹ️ {source}: موجود من قبل («{title}»)."
INTAKE_FAILED = "❌ لم أُضف {source}: <code>{reason}</code>"
INTAKE_NOT_ARABIC = " (ليس بالعربية، لكنه حُفظ)"
INTAKE_NOTHING = "لم أجد فيه ما أضيفه."
INTAKE_INDEXED = "الفهرس محدّث (المقالات: {articles})، ويمكن السؤال عنه الآن."
INTAKE_INDEX_FAILED = "❌ حُفظ في المقالات، لكن تعذّر تحديث الفهرس، وما زال الفهرس السابق في الخدمة:\n<pre>{error}</pre>"
INTAKE_DOWNLOAD_FAILED = "❌ تعذّر تنزيل الملف من تيليغرام: <code>{error}</code>"
INTAKE_WAITING = "⏳ حُفظ ما أرسلته، ويُبنى الفهرس الآن خارج البوت (python -m retrieval)؛ سأحدّثه حين ينتهي ذلك."
INTAKE_STOPPED = ("⏹ توقّف البوت قبل أن تكتمل الإضافة. ما حُفظ منها يدخل الفهرس عند إعادة بنائه "
                  "(/reindex بعد تشغيله)، وما لم يُحفظ أرسله مرة أخرى.")
INTAKE_CRASHED = "❌ تعذّرت الإضافة بسبب خطأ غير متوقع (التفاصيل في سجل البوت). ما زال الفهرس السابق في الخدمة."

STATS = (
    "<b>إحصاءات {name}</b>\n"
    "المقالات: {articles}\n"
    "المقاطع: {chunks}\n"
    "بُني الفهرس في: {built_at}\n"
    "\n<b>منذ التشغيل</b>\n"
    "أسئلة أُجيب عنها: {answered}\n"
    "أسئلة لا تغطيها المقالات: {abstained}\n"
    "التقييمات: 👍 {up} · 👎 {down}"
)


def seconds(n: int) -> str:
    """`n` seconds in Arabic, with the counted noun in the form the number calls for."""
    if n <= 1:
        return "ثانية واحدة"
    if n == 2:
        return "ثانيتين"
    if n <= 10:
        return f"{n} ثوانٍ"
    return f"{n} ثانية"

CONSOLE_HELP = (
    f"{BOT_NAME}: اكتب سؤالك ثم اضغط Enter، وسأقتبس لك من المقالات ما يجيب عنه مع مصادره.\n"
    "الأوامر: /more نتائج أخرى · /new موضوع جديد · /latest أحدث المقالات · /sources المقالات المفهرسة · /help هذه الرسالة"
    " · /quit الخروج"
)
CONSOLE_PROMPT = "سؤالك: "
CONSOLE_NOTHING_MORE = "لا توجد نتائج أخرى؛ اطرح سؤالاً جديداً."
CONSOLE_UNKNOWN_COMMAND = "لا أعرف هذا الأمر. الأوامر المتاحة: /more و/new و/latest و/sources و/help و/quit"
