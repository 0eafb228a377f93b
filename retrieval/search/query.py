"""What a chat message asks: chatter or a question, its script, dialect read as MSA, Arabizi in Arabic
script, and the kind of answer it wants (a date, a number, a name …).

People type dialect (شو قال؟ إمتى؟ قديش؟), drop hamzas, write Arabic in Latin letters with digits
("shu 2al el kremlin?") or English, and send "thanks" or "test". `understand` turns such a message
into the text that is embedded and analyzed; the original is kept for display.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..arabic.analyzer import ARABIC_STOPWORDS, light_stem
from ..arabic.normalize import WORD, normalize, words

Script = Literal["arabic", "arabizi", "latin"]
# The kind of fact a question asks for; "what" when it names none in particular.
AnswerType = Literal["when", "count", "duration", "age", "who", "where", "why", "how", "yesno", "what"]


@dataclass(frozen=True)
class Query:
    """A message read for search: `text` as typed, `search_text` what is embedded and analyzed."""

    text: str
    search_text: str
    script: Script
    asks: AnswerType
    chatter: bool = False
    # The stem of the noun the question counts or picks ("كم ساعة" -> ساع, "في أي فندق" -> فندق): the
    # sentence that answers names it.
    focus: str | None = None

    @property
    def cross_lingual(self) -> bool:
        """Written in another language than the (Arabic) corpus: English."""
        return self.script == "latin"


def _table(spec: str) -> dict[str, str]:
    """`"a b c -> x"` lines to {normalized a: x, …}; `x` of `-` means drop the word."""
    table: dict[str, str] = {}
    for line in spec.strip().splitlines():
        left, right = line.split("->")
        target = "" if right.strip() == "-" else right.strip()
        for word in left.split():
            table[normalize(word)] = target
    return table


# Dialect words (Egyptian, Levantine, Gulf, Iraqi, Maghrebi) to their MSA equivalents, or dropped
# (`-`): question words, negations, demonstratives, frequent verbs and particles.
DIALECT = _table(
    """
    ايش إيش شو شنو وش ايه إيه اش شنهو شنوة شنية شني واشنو اشنو آش شكو -> ماذا
    وين فين فاين وينه فينه -> أين
    ليش ليه علاش لويش ليشن لاش عله -> لماذا
    امتى إمتى ايمتى إيمتى امتا إمتا وقتاش وقتيش متين إيمته امته فوقاش -> متى
    قديش اديش قداش قدّيش كام شقد چم جم شكد قدش شحال شحالا -> كم
    مين منو شكون منهو مينو -> من
    ازاي إزاي كيفاش شلون كيفش إزّاي -> كيف
    واش -> هل
    مش مو موش مب مهوش ماهوش مهو ماشي -> ليس
    مفيش مافيش مافي ماكو ماكاينش -> لا يوجد
    اكو كاين كاينة كاينه -> يوجد
    ده دا دي هاد هادا هادي هاي هيدا هيدي هذاك هاذا هاذي دول هدول هذول -> هذا
    اللي إللي -> الذي
    إنو انو انه إنه -> أن
    دلوقتي دلوقت هلق هسه هسا الحين توا دابا دركا ذلحين -> الآن
    لسه لسا لساتو لسع -> ما زال
    امبارح إمبارح مبارح البارحه -> أمس
    بكره بكرة بكرا غدوه غدوة -> غدا
    كتير برشا ياسر وايد هوايه هواية بزاف -> كثير
    شوي شويه شوية -> قليلا
    هيك كده كدا هكا هكي جذي -> هكذا
    برضو برضه كمان -> أيضا
    عشان علشان مشان منشان كرمال لاجل باش -> لأجل
    متل زي -> مثل
    حاجه حاجة حاجات -> شيء
    بالظبط -> بالضبط
    نتايج -> نتائج
    حكى حكا بيحكي يحكي گال -> قال
    بيقول بيقولوا بتقول بيقولو كايقول كيقول يگول -> يقول
    بدو بده بدها بدهم عايز عاوز عايزين عاوزين بغى بغا بغات بغاو يبغى يبي يبون تبي حاب -> يريد
    شاف شافوا -> رأى
    بيشوف يشوف شايف شايفين -> يرى
    صار صارت حصل حصلت -> حدث
    بيحصل بيصير يصير -> يحدث
    سوى سووا -> فعل
    بيعمل بيعملوا بيسوي يسوي يسوون -> يفعل
    إجا اجا اجى جه جا إجو اجو -> جاء
    لقى لقوا -> وجد
    خلص خلصت خلصوا -> انتهى
    رح -> سوف
    بس -> فقط
    يعني يعنى ديال ديالو ديالها ديالهم تاع متاع بتاع بتاعة بتاعه بتوع حق عم راه راهي ترى -> -
    طيب طب يا ياخي يااخي خويا اخوي حبيبي بالله والله لو سمحت ممكن تقولي قلي قولي اعرف نعرف بدي ابغى ابي -> -
    """
)

# Arabizi words whose letters do not spell them well, and the prefixes written apart ("el kremlin").
ARABIZI_WORDS = {
    "shu": "شو", "sho": "شو", "shou": "شو", "chou": "شو", "chno": "شنو", "chnou": "شنو", "shno": "شنو",
    "wesh": "وش", "wach": "واش", "wash": "واش", "eh": "ايه", "eih": "ايه", "ey": "ايه", "esh": "ايش", "eish": "ايش",
    "ezay": "ازاي", "izzay": "ازاي", "ezzay": "ازاي", "ezzai": "ازاي", "kifesh": "كيفاش", "kifach": "كيفاش",
    "kif": "كيف", "keef": "كيف", "kaif": "كيف", "shlon": "شلون", "shloon": "شلون",
    "leh": "ليه", "leih": "ليه", "lesh": "ليش", "leish": "ليش", "laysh": "ليش", "3lash": "علاش", "3alash": "علاش",
    "meen": "مين", "min": "مين", "mein": "مين", "mino": "منو", "minu": "منو", "shkoun": "شكون",
    "fein": "فين", "fen": "فين", "fain": "فين", "wein": "وين", "wen": "وين", "wayn": "وين",
    "emta": "امتى", "imta": "امتى", "emte": "امتى", "imte": "امتى", "ame": "امتى", "waqtash": "وقتاش",
    "kam": "كام", "2adesh": "قديش", "adesh": "قديش", "2ddesh": "قديش", "2addeh": "قديش", "2addesh": "قديش", "2adeesh": "قديش", "2ade": "قديش", "addesh": "قديش", "chhal": "قداش",
    "2al": "قال", "2aal": "قال", "al2": "قال", "2alo": "قالوا", "2alu": "قالوا", "2alet": "قالت", "2alit": "قالت",
    "3an": "عن", "3n": "عن", "3ala": "على", "3la": "على", "ma3": "مع", "fi": "في", "fe": "في", "men": "من", "mn": "من",
    "w": "و", "wa": "و", "ya": "يا", "ana": "انا", "enta": "انت", "inta": "انت", "howa": "هو", "huwa": "هو",
    "hiya": "هي", "heya": "هي", "homma": "هم", "hum": "هم", "mesh": "مش", "mish": "مش", "mush": "مش", "msh": "مش",
    "ma": "ما", "la": "لا", "bas": "بس", "kaman": "كمان", "ya3ni": "يعني", "y3ni": "يعني", "elli": "اللي",
    "illi": "اللي", "eli": "اللي", "enno": "انو", "inno": "انو", "da": "ده", "di": "دي", "hay": "هاي", "hayda": "هيدا",
    "el": "ال", "il": "ال", "al": "ال", "l": "ال", "ra7": "رح", "7a": "ح", "b": "ب",
}
# Words that mark a Latin-script message as Arabizi: one strong hint suffices, weak ones (also English or
# French words) must be a third of the message.
_WEAK_HINTS = frozenset({"da", "di", "w", "b", "l", "la", "ma", "al", "el", "il", "fi", "fe", "min", "men", "hay", "wen",
                         "ana", "ya", "eh", "ey", "bas", "kam", "hum", "mn", "wa"})
_STRONG_HINTS = frozenset(set(ARABIZI_WORDS) - _WEAK_HINTS)
# Letters of Arabizi, longest spelling first.
_ARABIZI_LETTERS = [
    ("3'", "غ"), ("7'", "خ"), ("9'", "ض"), ("sh", "ش"), ("ch", "ش"), ("kh", "خ"), ("gh", "غ"), ("th", "ث"),
    ("dh", "ذ"), ("zh", "ج"), ("ou", "و"), ("oo", "و"), ("ee", "ي"), ("ii", "ي"), ("aa", "ا"), ("ei", "ي"), ("ai", "اي"),
    ("ay", "اي"), ("2", "ق"), ("3", "ع"), ("5", "خ"), ("6", "ط"), ("7", "ح"), ("8", "غ"), ("9", "ص"),
    ("b", "ب"), ("p", "ب"), ("t", "ت"), ("j", "ج"), ("g", "ج"), ("d", "د"), ("r", "ر"), ("z", "ز"), ("s", "س"),
    ("f", "ف"), ("v", "ف"), ("q", "ق"), ("k", "ك"), ("c", "ك"), ("l", "ل"), ("m", "م"), ("n", "ن"), ("h", "ه"),
    ("w", "و"), ("y", "ي"), ("x", "كس"), ("u", "و"), ("o", "و"), ("i", "ي"), ("e", ""), ("a", ""),
]
_ARABIZI = dict(_ARABIZI_LETTERS)
_LATIN_WORD = re.compile(r"[A-Za-z0-9']+")

CHATTER = frozenset(
    normalize(w)
    for w in """
    السلام سلام عليكم وعليكم مرحبا مرحبتين مراحب اهلا أهلا اهلين أهلين هلا هلو هاي باي سلامات
    صباح مساء الخير النور الفل تصبح على خير وانت بخير
    شكرا شكراً مشكور مشكورة تسلم تسلمي يسلمو يسلموا يعطيك العافية العافيه جزاك الله خيرا ممنون متشكر ميرسي
    تست تجربة تجربه اختبار جرب
    اوكي أوكي اوك تمام حسنا ماشي طيب اه آه ايوه أيوه ايوة نعم لا لأ ok okay k yes no yep nope
    كيفك كيفكم كيف الحال حالك عامل ازيك إزيك اخبارك أخبارك شلونك شخبارك لاباس بخير الحمد لله الحمدلله
    hi hello hey hola yo salam salut bonjour thanks thank you thx ty merci test testing ping bye good morning evening night
    how are u r who what is this bot so much very lot please pls bro guys باشا يا جزيلا جزيل تيست تست انت من مين بوت البوت you والله يا اخي ياخي حبيبي عزيزي الغالي
    lol هه ههه هههه ههههه
    """.split()
)
_LAUGH = re.compile(r"^(?:ه{2,}|(?:ha){2,}h?|(?:he){2,}|(?:hh)+h?|lo+l|x+d+)$")
_MARKUP = re.compile(r"<[^>]*>|&\w+;|[*_~`|]+")


def understand(message: str) -> Query:
    """Read a chat message: chatter or question, and in the latter case what to search and what it asks."""
    text = message.strip()
    plain = _MARKUP.sub(" ", text)
    script = _script(plain)
    chatter = _is_chatter(plain)
    if script == "arabizi":
        search_text = msa(transliterate(plain)) + ("؟" if "?" in plain else "")
    elif script == "arabic":
        search_text = msa(plain)
    else:
        search_text = plain.strip()
    search_text = search_text or plain.strip()
    focus = asked_noun(search_text) if script != "latin" else None
    return Query(text, search_text, script, answer_type(search_text, script), chatter, focus)


def _script(text: str) -> Script:
    letters = [ch for ch in text if ch.isalpha()]
    if sum("\u0600" <= ch <= "\u06ff" for ch in letters) * 2 >= len(letters):
        return "arabic"
    latin = [w.lower() for w in _LATIN_WORD.findall(text)]
    # A digit in an Arabizi word is a letter (3arab, 2al, ma3); a run of digits is a number ("test123", "abc123").
    digits_in_words = sum(1 for w in latin if re.search(r"[a-z]", w) and re.search(r"[235789]", w)
                          and not re.search(r"\d\d", w))
    strong = sum(1 for w in latin if w in _STRONG_HINTS)
    weak = sum(1 for w in latin if w in _WEAK_HINTS)
    return "arabizi" if digits_in_words or strong or (latin and weak * 3 >= len(latin)) else "latin"


def _is_chatter(text: str) -> bool:
    """Greetings, thanks, "test", "ok", laughter, emoji or punctuation alone: nothing to look up."""
    tokens = [normalize(w) for w in words(text)]
    if not tokens:
        return True
    return len(tokens) <= 6 and all(t in CHATTER or _LAUGH.match(t) for t in tokens)


def transliterate(text: str) -> str:
    """Arabizi to Arabic script, word by word: known words from a table, others letter by letter."""
    out: list[str] = []
    prefix = ""
    for word in _LATIN_WORD.findall(text):
        lower = word.lower()
        if lower in ("el", "il", "al", "l") or (lower == "w" and not out):
            prefix += "و" if lower == "w" else "ال"
            continue
        arabic = ARABIZI_WORDS.get(lower)
        if arabic is None:
            if lower.startswith(("el-", "il-", "al-")):
                prefix, lower = prefix + "ال", lower[3:]
            arabic = _spell(lower)
        out.append(prefix + arabic)
        prefix = ""
    return " ".join(out)


def _spell(word: str) -> str:
    """One Arabizi word letter by letter (longest spelling first). Arabic leaves short vowels unwritten:
    a vowel is spelled only at the start, doubled (long), as a final -a/-e (ta marbuta) or as i (ي)."""
    out: list[str] = []
    i = 0
    while i < len(word):
        piece = word[i: i + 2] if word[i: i + 2] in _ARABIZI else word[i]
        letter = _ARABIZI.get(piece, "")
        last = i + len(piece) == len(word)
        if piece in "aeiou":
            if i == 0:
                letter = "او" if piece in "ou" else "ا"
            elif last and i > 1 and piece in "ae":
                letter = "ه"
            elif piece != "i":
                letter = ""
        elif piece == "2" and last:
            letter = "ء"  # 2 is ق in dialect speech (2al), a hamza at a word's end (5obara2)
        if not (out and letter and out[-1] == letter):  # a doubled letter is one Arabic letter (shadda)
            out.append(letter)
        i += len(piece)
    return "".join(out)


# Two-word dialect phrases, matched before single words: Egyptian قد إيه / أد إيه (how much, how long).
_PHRASES = re.compile(r"(?<!\w)(?:[قا]د|أد)\s+(?:ايه|إيه|ايش)(?!\w)")


def msa(text: str) -> str:
    """Dialect words of `text` replaced by their MSA equivalents (or dropped); all else as typed, punctuation
    included (the embedder reads a question mark too)."""
    return re.sub(r"\s{2,}", " ", WORD.sub(_msa_word, _PHRASES.sub("كم", text))).strip()


def _msa_word(match: re.Match) -> str:
    word = match.group()
    norm = normalize(word)
    if norm in DIALECT:
        return DIALECT[norm]
    if len(norm) > 1 and norm[0] in "وف" and norm[1:] in DIALECT:  # وليش، فمين
        return DIALECT[norm[1:]]
    return _negated_past(norm) or word


def _negated_past(norm: str) -> str | None:
    """Egyptian/Levantine ما…ش negation: محققتش -> لم تحقق; ماقالش -> لم قال (the analyzer only wants the stem)."""
    if len(norm) >= 5 and norm.endswith("ش") and norm.startswith("م"):
        stem = norm[2:-1] if norm.startswith("ما") else norm[1:-1]
        if len(stem) >= 3:
            return f"لم {stem}"
    return None


# Verbs of lasting: "كم استمر …" asks a duration, whatever unit the answer uses.
_LASTING = frozenset(normalize(w) for w in """استمر استمرت استمروا يستمر تستمر دام دامت يدوم تدوم طال طالت طول طولت
    استغرق استغرقت يستغرق تستغرق خد خدت اخد اخدت""".split())
_LASTING_WORDS = sorted(_LASTING)
_ARABIC_TYPES: list[tuple[AnswerType, re.Pattern]] = [
    ("age", re.compile(r"\b(?:كم|ما)\s+(?:\w+\s+)?عمر(?:ه|ها|هم)?\b")),
    ("duration", re.compile(r"\bكم\s+(?:من\s+)?(?:الوقت\s+)?(?:" + "|".join(_LASTING_WORDS) + r")\b|"
                            r"\b(?:" + "|".join(_LASTING_WORDS) + r")\s+(?:\w+\s+)?كم\b|\b(?:كم|ما)\s+(?:من\s+)?(?:مده|مدة|المده|ساعه|ساعات|يوم|يوما|ايام|اسبوع|اسابيع|شهر|اشهر|شهور|سنه|سنوات|سنين|عام|اعوام|دقيقه|دقائق)\b|\bمنذ\s+متي\b|\bالي\s+متي\b|\bطول\b|\bمده\b")),
    ("count", re.compile(r"\bكم\b|\bعدد\b|\bنسبه\b|\bحجم\b|\bمقدار\b|\b(?:ال)?(?:مساحه|سعر|ارتفاع|طول|وزن|قيمه|تكلفه|راتب|ميزانيه)\b")),
    ("when", re.compile(r"\bمتي\b|\bموعد\b|\bتاريخ\b|\b(?:اي|اية)\s+(?:يوم|وقت|تاريخ|شهر|سنه|عام)\b|\bفي\s+اي\s+(?:يوم|وقت|تاريخ|شهر|عام)\b")),
    ("where", re.compile(r"\bاين\b|\bمكان\b|\b(?:اي|اية)\s+(?:مدينه|دوله|بلد|عاصمه|مكان)\b")),
    ("who", re.compile(r"^\s*(?:و|ف)?\s*من\b|\bمن\s*$|\bمن\s+(?:هو|هي|هم|الذي|التي|الذين)\b|\bاسم\b|\b(?:اي|اية)\s+(?:مسؤول|شخص|وزير|دبلوماسي|جهه|وكاله)\b")),
    ("why", re.compile(r"\bلماذا\b|\bلم\s*اذا\b|\bسبب\b|\bالسبب\b|\bلاجل\s+ماذا\b|\bما\s+الداعي\b")),
    ("how", re.compile(r"\bكيف\b|\bبايه\b|\bبماذا\b|\bباي\s+طريقه\b")),
    ("yesno", re.compile(r"^\s*(?:و|ف)?\s*(?:هل|اهل|ا)\b|^\s*(?:و|ف)?هل")),
]
_ENGLISH_TYPES: list[tuple[AnswerType, re.Pattern]] = [
    ("age", re.compile(r"\bhow old\b|\bage\b")),
    ("duration", re.compile(r"\bhow long\b|\bfor how many (?:days|weeks|months|years|hours)\b|\bsince when\b")),
    ("count", re.compile(r"\bhow (?:many|much)\b|\bnumber of\b|\bpercent")),
    ("when", re.compile(r"\bwhen\b|\bwhat (?:date|day|time|year|month)\b|\bwhich (?:date|day|year|month)\b")),
    ("where", re.compile(r"\bwhere\b|\bwhich (?:city|country|place)\b|\bin what (?:city|country|place)\b")),
    ("who", re.compile(r"\bwho\b|\bwhom\b|\bwhose\b|\bname of\b|\bwhich (?:official|diplomat|minister|person)\b")),
    ("why", re.compile(r"\bwhy\b|\breason\b|\bwhat for\b")),
    ("how", re.compile(r"\bhow\b")),
    ("yesno", re.compile(r"^\s*(?:is|are|was|were|do|does|did|can|could|will|would|has|have|had|should)\b")),
]


_PICKERS = frozenset({"كم", "اي", "ايه", "اسم"})
# Nouns that ask for a measure: "ما مساحة …" wants a number that measures exactly that.
_MEASURES = frozenset(normalize(w) for w in """مساحة مساحه سعر اسعار عمر ارتفاع طول عرض وزن قيمة قيمه تكلفة تكلفه
    حجم نسبة نسبه عدد سكان راتب ميزانية ميزانيه""".split())
# Words after كم / أي / اسم that are not the thing asked about; and nouns after أي whose kind of answer
# (a date, a place, a person) the answer types already know.
_SKIP = frozenset(normalize(w) for w in "عدد من كان كانت كانوا كانو هو هي هم الذي التي".split())
_TYPED = frozenset(normalize(w) for w in """يوم وقت تاريخ شهر سنه سنة عام مكان مدينه دوله بلد عاصمه شخص مسؤول
    وزير نوع""".split())

def asked_noun(text: str) -> str | None:
    """The stem of the noun after كم / أي / اسم, if any: what the answer must name."""
    tokens = words(normalize(text))
    for token in tokens[:4]:
        bare = token[2:] if token.startswith("ال") else token
        if bare in _MEASURES and bare != "عدد":
            return light_stem(bare)
    for i, token in enumerate(tokens):
        if token in _PICKERS:
            for word in tokens[i + 1: i + 3]:
                if word in _SKIP or (word in ARABIC_STOPWORDS and word not in _TYPED):
                    continue
                if (token != "كم" and word in _TYPED) or word in _LASTING or len(word) < 3:
                    return None
                if token == "كم" and word[0] in "يتن" and len(word) >= 4:
                    return None  # a verb (كم تسيطر روسيا …): the number is what is asked, not a noun
                return light_stem(word)
            return None
    return None


def answer_type(text: str, script: Script = "arabic") -> AnswerType:
    """The kind of fact `text` asks for, from its question words (MSA; dialect read as MSA; English)."""
    if script == "latin":
        lower = text.lower()
        return next((kind for kind, pattern in _ENGLISH_TYPES if pattern.search(lower)), "what")
    norm = " ".join(words(normalize(text)))
    return next((kind for kind, pattern in _ARABIC_TYPES if pattern.search(norm)), "what")
