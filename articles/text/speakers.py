"""Speaker names: a spelling-tolerant key and a same-person test, so variants of one name meet."""

import re
import unicodedata
from functools import lru_cache

# Honorifics carry no identity: "Mr. Peskov" is Peskov.
_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame"})
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"[\s_-]+")

# Transliteration of Russian/Ukrainian names varies by outlet; these folds map the common
# variants onto one spelling. Order matters: longer patterns first.
_TOKEN_FOLDS = (
    (re.compile(r"^dimitr"), "dmitr"),  # Dimitri -> Dmitri
    (re.compile(r"ks"), "x"),  # Aleksandr -> Alexandr, Aleksei -> Alexei
    (re.compile(r"^ye"), "e"),  # Yevgeny -> Evgeny, Yelena -> Elena
    (re.compile(r"ey"), "ei"),  # Sergey -> Sergei, Alexey -> Alexei
    (re.compile(r"(?:iy|yy|ii|ij|yj|y)$"), "i"),  # Dmitry/Dmitriy/Dmitrii, Yury, Zelenskyy
    (re.compile(r"ander$"), "andr"),  # Alexander -> Alexandr
)


def _strip_diacritics(text: str) -> str:
    if text.isascii():
        return text  # most names: nothing to decompose
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _fold_token(token: str) -> str:
    # Folding again until nothing changes keeps name_key idempotent ("iii" -> "ii" -> "i").
    for _ in range(6):
        folded = token
        for pattern, replacement in _TOKEN_FOLDS:
            folded = pattern.sub(replacement, folded)
        if folded == token:
            break
        token = folded
    return token


@lru_cache(maxsize=4096)
def name_tokens(name: str) -> tuple[str, ...]:
    """The folded tokens of a name, honorifics and punctuation removed."""
    plain = _strip_diacritics(name).casefold().replace("’", "").replace("'", "")
    plain = _NON_WORD.sub(" ", plain)
    tokens = [t for t in _SPACE.split(plain) if t and t not in _HONORIFICS]
    return tuple(_fold_token(t) for t in tokens)


def name_key(name: str) -> str:
    """A normalised key under which spelling variants of one person's name are equal."""
    return " ".join(name_tokens(name))


def _first_names_agree(a: str, b: str) -> bool:
    # "J." and "Jens" agree: an initial stands for any name with that letter.
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    return a == b


@lru_cache(maxsize=16384)
def same_person(a: str, b: str) -> bool:
    """Whether two names can refer to one person: equal keys, or the same surname and
    first names that do not contradict each other ('Peskov' and 'Dmitry Peskov')."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return False
    if ta == tb:
        return True
    if ta[-1] != tb[-1]:
        return False
    short, long = (ta, tb) if len(ta) < len(tb) else (tb, ta)
    if len(short) >= 2 and long[-len(short) :] == short:
        return True  # "Security Council" in "United Nations Security Council"
    ga, gb = _given_names(ta), _given_names(tb)
    if not ga or not gb:
        return True
    return _first_names_agree(ga[0], gb[0])


# Particles belong to the surname: "De Blasio" is Bill de Blasio, not a first name "De".
_SURNAME_PARTICLES = frozenset(
    "de da del della di du van von der den ter la le al el bin ibn".split()
)


def _given_names(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The tokens before the surname and its particles."""
    end = len(tokens) - 1
    while end > 0 and tokens[end - 1] in _SURNAME_PARTICLES:
        end -= 1
    return tokens[:end]


# --- gender, as far as a name tells it --------------------------------------------------------
# Small lists of common first names, enough to tell "he" from "she" in news text; a name not
# listed has no known gender and agrees with either pronoun.
_MALE_NAMES = frozenset(
    """
    aaron adam alan albert alex alexander alexei andrew anthony antony barack ben benjamin
    bernie bill bob bobby boris brad brian bruce carl carlos charles charlie chris christopher
    chuck dan daniel david dennis dick dmitry dmitri don donald doug douglas ed eddie edward
    emmanuel eric francisco frank fred gary george gerald greg gregory harry henry ivan jack
    jacob james jason jeb jeff jeffrey jens jerry jim jimmy joe john jon jonathan jorge jose
    josh joseph juan justin keith ken kenneth kevin larry lawrence lindsey luis marco mark
    martin matt matthew michael mike mitch mitt neil newt nicholas nick olaf oscar
    patrick paul peter phil philip ralph ray reince richard rick rob robert roger ron ronald
    rudy rudolph russ ryan sam samuel scott sean sergei sergey stephen steve steven ted terry_m
    thomas tim timothy todd tom tony vladimir volodymyr walter wayne william xi yuri
    """.split()
)
_FEMALE_NAMES = frozenset(
    """
    alicia amy angela ann anna anne barbara betsy betty carly carmel carol caroline catherine
    christina claire cynthia debbie deborah diane donna elaine elizabeth ellen emily emma
    gennifer gwen heather hillary huma ivanka jane janet jennifer jessica jill joan julia julie
    karen kate katherine kathleen kellyanne kelly laura lauren linda lisa liz maria marine
    martha mary megan melania michelle monica nancy nicole nikki olga pamela patricia rachel
    rebecca sarah sharon sheila stephanie susan suzanne tammy teresa theresa tulsi ursula
    valerie victoria virginia yulia
    """.split()
)
_MALE_WORDS = frozenset("mr mr. he him his spokesman congressman chairman king prince".split())
_FEMALE_WORDS = frozenset(
    "mrs mrs. ms ms. miss she her spokeswoman congresswoman chairwoman queen princess".split()
)


@lru_cache(maxsize=4096)
def name_gender(phrase: str) -> str:
    """'m', 'f', or '' (unknown) for a name or a role-and-name phrase."""
    for word in phrase.split():
        low = word.casefold().strip(",.;:")
        if low in _MALE_WORDS or word.casefold() in _MALE_WORDS:
            return "m"
        if low in _FEMALE_WORDS or word.casefold() in _FEMALE_WORDS:
            return "f"
    for word in phrase.split():
        low = word.casefold().strip(",.;:")
        if low in _MALE_NAMES:
            return "m"
        if low in _FEMALE_NAMES:
            return "f"
    return ""
