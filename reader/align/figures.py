"""Figures with their units: "10 years" and "$10 billion" are different figures, "$13 billion" and "13 billion"
the same one, "over a decade" is a duration of 10 years and "2014" a date.

A figure is compared by its key: value (times its magnitude) and kind (amount, duration, percent, date), so
two claims share a figure only when both value and kind agree.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from reader.text import Span, word_spans

MAGNITUDES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "m": 1e6, "k": 1e3}
DURATIONS = {
    "year": "year",
    "years": "year",
    "month": "month",
    "months": "month",
    "week": "week",
    "weeks": "week",
    "day": "day",
    "days": "day",
    "hour": "hour",
    "hours": "hour",
    "minute": "minute",
    "minutes": "minute",
    "decade": "decade",
    "decades": "decade",
}
PERCENT_WORDS = {"percent", "%", "per"}
# Units of measure a number is joined to ("a 40-centimetre crack"); joined to any other word ("10,000-step",
# "18-storey") the number stays part of a name, as it always was
MEASURES = frozenset(
    f"{prefix}{base}"
    for base in ("metre", "meter", "litre", "liter", "gram", "tonne")
    for prefix in ("", "centi", "milli", "kilo")
) | {"mile", "foot", "inch", "ton", "pound", "ounce", "acre", "hectare", "degree", "mph", "km", "cm", "mm", "kg"}
CURRENCY = "$€£¥"
NUMBER_NAMES = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "a": 1,
    "an": 1,
}
COUNTED_FROM = 3  # a number written as a word states a figure from three up ("one", "two" are mostly not counts)
_TALLY = re.compile(r"^(\d{1,3})[-\u2013](\d{1,3})$")  # a vote or a score: "7-4", "7\u20134"
_JOINED_UNIT = re.compile(r"^(\d+(?:[.,]\d+)?)-([^\W\d_]+)(?:-[^\W\d_]+)*$")  # "40-centimetre", "4-year-old"
_YEAR = re.compile(r"(1[89]|20)\d\d")  # four digits read as a year, a date: "in 2019"
_VALUE = re.compile(r"^([$€£¥]?)(\d+(?:[.,]\d+)*)(%|bn|m|k)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Figure:
    """One figure a passage states: its text span, value and kind ("amount", "duration:year", "percent", "date")."""

    start: int
    end: int
    text: str
    value: float
    kind: str

    @property
    def key(self) -> str:
        return f"{self.value:g}|{self.kind}"


def figures(text: str, start: int, end: int) -> list[Figure]:
    """The figures text[start:end] states, with the words that give them their unit."""
    spans = word_spans(text, start, end)
    words = [text[s:e] for s, e in spans]
    found: list[Figure] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word.isalpha() and word.casefold() not in NUMBER_NAMES:
            # letters only and no number's name: no figure starts here (the common case, tested in C; a
            # million-line source has millions of such words)
            index += 1
            continue
        figure, used = _figure_at(text, spans, words, index)
        if figure is not None:
            found.append(figure)
            index += used
        else:
            index += 1
    return found


def _figure_at(text: str, spans: list[Span], words: list[str], index: int) -> tuple[Figure | None, int]:
    word = words[index].strip(_PUNCTUATION)
    lower = word.casefold()
    following = [_bare(w) for w in words[index + 1 : index + 3]]
    match = _VALUE.match(word)
    tally = _TALLY.match(word)
    if tally is not None:
        return _make(text, spans, index, 1, float(tally[1]), f"tally:{int(tally[2])}"), 1
    clock = _clock(text, spans, words, index)
    if clock is not None:  # "2:40am", "3 pm", "14:30": minutes after midnight
        return _make(text, spans, index, clock[1], clock[0], "clock"), clock[1]
    tally_found = _written_tally(words, index)
    if tally_found is not None:  # "seven to four", "6 votes to 1" (the tally "7-4")
        first, second, used = tally_found
        return _make(text, spans, index, used, float(first), f"tally:{second}"), used
    joined = _JOINED_UNIT.match(word) if match is None else None
    unit = joined[2].casefold() if joined is not None else ""
    if joined is not None and (unit in DURATIONS or unit in MEASURES or unit == "percent"):
        # "40-centimetre", "10-year", "4-year-old": a number joined to its unit, as "40 centimetres" reads
        value = float(joined[1].replace(",", ""))
        if unit in DURATIONS:
            return _duration(text, spans, index, 1, value, DURATIONS[unit]), 1
        return _make(text, spans, index, 1, value, "percent" if unit == "percent" else "amount"), 1
    if match is None and any(char.isdigit() for char in word):
        # A name with a number in it ("Phi-3", "GPT-4o"): the same name, not a figure.
        return _make(text, spans, index, 1, 0.0, f"label:{lower}"), 1
    spelled = _spelled(words, index) if match is None else None
    if spelled is not None:  # "one point two million", "two point five per cent", "a million"
        value, used = spelled
        after = _bare(words[index + used]) if index + used < len(words) else ""
        if after in DURATIONS:
            return _duration(text, spans, index, used + 1, value, DURATIONS[after]), used + 1
        if after in PERCENT_WORDS:
            return _make(text, spans, index, used + 1, value, "percent"), used + 1
        return _make(text, spans, index, used, value, "amount"), used
    if match is None:
        # "a decade", "over a decade", "two years"
        if lower in NUMBER_NAMES and following and following[0] in DURATIONS:
            if lower in ("a", "an") and _rate(text, spans, words, index):
                return None, 1  # "30,000 vehicles a day", "$5 an hour", "twice a week": per day, not one day
            unit = DURATIONS[following[0]]
            value, used = float(NUMBER_NAMES[lower]), 2
        elif lower in ("decade", "decades") and index > 0 and words[index - 1].casefold() in ("a", "over", "nearly"):
            return None, 1  # counted from its article ("a decade")
        elif NUMBER_NAMES.get(lower, 0) >= COUNTED_FROM:
            return _make(text, spans, index, 1, float(NUMBER_NAMES[lower]), "amount"), 1  # "Seventeen people"
        else:
            return None, 1
        return _duration(text, spans, index, used, value, unit), used
    currency, digits, suffix = match.groups()
    if not currency and not suffix and index + 1 < len(words) and _tallied(text, spans, index):
        other = words[index + 1].strip(_PUNCTUATION)
        return _make(text, spans, index, 2, float(digits), f"tally:{int(other)}"), 2
    try:
        value = float(digits.replace(",", ""))
    except ValueError:
        return None, 1
    used = 1
    suffix = (suffix or "").casefold()
    if suffix == "%":
        return _make(text, spans, index, used, value, "percent"), used
    if suffix in MAGNITUDES:
        value *= MAGNITUDES[suffix]
    elif following and following[0] in MAGNITUDES and following[0] not in ("m", "k"):
        value *= MAGNITUDES[following[0]]
        used += 1
        following = following[1:]
    if following and following[0] in DURATIONS and not currency:
        return _duration(text, spans, index, used + 1, value, DURATIONS[following[0]]), used + 1
    if following and following[0] in PERCENT_WORDS and not currency:
        return _make(text, spans, index, used + 1, value, "percent"), used + 1
    if not currency and used == 1 and _YEAR.fullmatch(digits):
        return _make(text, spans, index, used, value, "date"), used
    return _make(text, spans, index, used, value, "amount"), used


_RATE_WORDS = frozenset({"once", "twice", "times"})  # "once a week", "three times a day"
# words after which "a day" is how long, not how often: "for a day", "in a year", "took a week"
_SPAN_WORDS = frozenset(
    {
        "for",
        "in",
        "within",
        "after",
        "over",
        "about",
        "around",
        "nearly",
        "almost",
        "than",
        "of",
        "took",
        "take",
        "takes",
        "lasted",
        "lasts",
        "spent",
        "spend",
        "spends",
        "half",
        "just",
        "only",
        "least",
        "most",
    }
)


def _rate(text: str, spans: list[Span], words: list[str], index: int) -> bool:
    """Whether "a" / "an" + a unit of time at words[index] says how often (per day, per hour) after a figure:
    "30,000 vehicles a day", "$5 an hour", "twice a week"; not "for a day", "a day later", "took a week"."""
    if index == 0 or _bare(words[index - 1]) in _SPAN_WORDS:
        return False
    for back in range(index - 1, max(-1, index - 4), -1):
        word = words[back]
        if any(mark in text[spans[back][1] : spans[back + 1][0]] for mark in ",;:.!?"):
            return False  # "over 3 years, a decade": the figure is another clause's
        bare = _bare(word).lstrip("$€£¥")
        if bare in _RATE_WORDS or NUMBER_NAMES.get(bare, 0) >= 2:
            return True
        if _VALUE.match(bare) and not _YEAR.fullmatch(bare):  # a year is a date: "in 2019 a year"
            return True
    return False


_PUNCTUATION = ",.;:()\"'\u201c\u201d"  # what may cling to a figure's word ("$4.2m," "(2019)")


def _bare(word: str) -> str:
    """A word without the punctuation around it, case-folded."""
    return word.casefold().strip(_PUNCTUATION)


DIGIT_NAMES = {"zero": 0, **{name: value for name, value in NUMBER_NAMES.items() if value < 10 and len(name) > 2}}
SPELLED_MAGNITUDES = ("thousand", "million", "billion", "trillion")


def _spelled(words: list[str], index: int) -> tuple[float, int] | None:
    """(value, words used) of a number spelled out with a decimal point or a magnitude from words[index], as a
    transcript writes one: "one point two million", "two point five" (then per cent or years), "a million";
    None for anything else ("at one point two engineers": a decimal with no unit after it is no figure)."""
    following = [_bare(w) for w in words[index + 1 : index + 5]]
    value: float = NUMBER_NAMES.get(_bare(words[index]), -1)
    if value < 0:
        return None
    used, decimal = 1, False
    if following[:1] == ["point"]:
        digits = list(itertools.takewhile(lambda word: word in DIGIT_NAMES, following[1:]))
        if not digits:
            return None
        value = float(f"{int(value)}." + "".join(str(DIGIT_NAMES[word]) for word in digits))
        used, decimal = used + 1 + len(digits), True
    after = following[used - 1] if used - 1 < len(following) else ""
    if after in SPELLED_MAGNITUDES:
        return value * MAGNITUDES[after], used + 1
    if decimal and (after in DURATIONS or after in PERCENT_WORDS):
        return value, used
    return None


def _written_tally(words: list[str], index: int) -> tuple[int, int, int] | None:
    """(first count, second count, words used) of a tally written out from words[index], in words or digits:
    "seven to four", "6 votes to 1"; None for anything else, the range "6 to 10 years" among them."""
    first = _count(_bare(words[index]))
    following = [_bare(w) for w in words[index + 1 : index + 4]]
    if first is None or len(following) < 2:
        return None
    if following[:2] == ["votes", "to"] and len(following) == 3:
        second, used = _count(following[2]), 4
    elif following[0] == "to":
        second, used = _count(following[1]), 3
    else:
        return None
    after = _bare(words[index + used]) if index + used < len(words) else ""
    if second is None or after in DURATIONS or after in MAGNITUDES or after in PERCENT_WORDS:
        return None
    return first, second, used


def _count(word: str) -> int | None:
    """The number a word names as one side of a tally: "seven", "7" (up to three digits); "a" / "an" never."""
    if word.isdigit() and len(word) <= 3 and word.isascii():
        return int(word)
    return NUMBER_NAMES[word] if word in NUMBER_NAMES and word not in ("a", "an") else None


_CLOCK_WORD = re.compile(r"^(\d{1,2})(?:[.:](\d{2}))?(am|pm|a\.m|p\.m)\.?$", re.IGNORECASE)  # "3am", "2.40pm"
_CLOCK_MINUTES = re.compile(r"^(\d{2})(am|pm|a\.m|p\.m)?\.?$", re.IGNORECASE)  # the "40am" of "2:40am"
_MERIDIEM = ("am", "pm", "a.m", "p.m")
_STRIP = ",;()\"'\u201c\u201d"


def _clock(text: str, spans: list[Span], words: list[str], index: int) -> tuple[float, int] | None:
    """A time of day starting at words[index] ("2:40am" is two words, "3 pm" too) as (minutes after midnight,
    words used); None for anything else ("2:1" is a score, "3" a number)."""
    word = words[index].strip(_STRIP)
    found = _CLOCK_WORD.match(word)
    if found is not None:
        return _minutes(int(found[1]), int(found[2] or 0), found[3]), 1
    if not word.isdigit() or len(word) > 2:
        return None
    used, minutes, meridiem = 1, 0, ""
    if index + 1 < len(spans) and spans[index + 1][0] == spans[index][1] + 1 and text[spans[index][1]] == ":":
        found = _CLOCK_MINUTES.match(words[index + 1].strip(_STRIP))
        if found is None:
            return None
        used, minutes, meridiem = 2, int(found[1]), found[2] or ""
    if (
        not meridiem
        and index + used < len(words)
        and words[index + used].strip(_STRIP).rstrip(".").casefold() in _MERIDIEM
    ):
        meridiem, used = words[index + used].strip(_STRIP), used + 1
    hours = int(word)
    if used == 1 or minutes >= 60 or hours > 23 or (meridiem and not 1 <= hours <= 12):
        return None
    return _minutes(hours, minutes, meridiem), used


def _minutes(hours: int, minutes: int, meridiem: str | None) -> float:
    half = (meridiem or "").casefold().replace(".", "")
    if half == "pm" and hours < 12:
        hours += 12
    elif half == "am" and hours == 12:
        hours = 0
    return float(hours * 60 + minutes)


def _tallied(text: str, spans: list[Span], index: int) -> bool:
    """Whether the number at spans[index] is the first of a tally written "7-4" / "7\u20134" (split in two words)."""
    end, (next_start, next_end) = spans[index][1], spans[index + 1]
    following = text[next_start:next_end].strip(_PUNCTUATION)
    return next_start == end + 1 and text[end] in "-\u2013" and following.isdigit() and len(following) <= 3


def _duration(text: str, spans: list[Span], index: int, used: int, value: float, unit: str) -> Figure:
    if unit == "decade":
        value, unit = value * 10, "year"
    return _make(text, spans, index, used, value, f"duration:{unit}")


def _make(text: str, spans: list[Span], index: int, used: int, value: float, kind: str) -> Figure:
    start, end = spans[index][0], spans[min(len(spans), index + used) - 1][1]
    return Figure(start, end, text[start:end], value, kind)


def _family(kind: str) -> str:
    """What a figure measures: a date and a duration are both time (a tenure: "since 2014", "for a decade")."""
    return "time" if kind == "date" or kind.startswith("duration:") else kind.split(":")[0]


def key_family(key: str) -> str:
    """What the figure with this key (Figure.key) measures: "amount", "time", "percent", "tally" or "label"."""
    return _family(key.partition("|")[2])


def figures_differ(only_a: Sequence[Figure], only_b: Sequence[Figure]) -> bool:
    """Whether the figures each of two passages states and the other does not can be one figure stated two
    ways ("$4.2 million" / "$4.5 million", "2014" / "a decade"), not two facts ("$4.2 million" / "2014", or
    "$4.2 million" / "60 firefighters")."""
    families = set().union(*map(_measures, only_a))
    return any(families & _measures(figure) for figure in only_b)


def of_one_kind(only_a: Sequence[Figure], only_b: Sequence[Figure]) -> tuple[list[Figure], list[Figure]]:
    """The figures of each side that measure what a figure of the other side measures: what is shown side by side
    as differing ("4" | "Five", not the "7am" beside it)."""
    measures_a = set().union(*map(_measures, only_a))
    measures_b = set().union(*map(_measures, only_b))
    return [f for f in only_a if _measures(f) & measures_b], [f for f in only_b if _measures(f) & measures_a]


SUM_FROM = 1e5  # an amount without a currency from this size may be a sum of money ("4.5 million dollars")


def _measures(figure: Figure) -> frozenset[str]:
    """What a figure may measure: its family, and for an amount whether it is a sum of money ("$4.2 million"),
    a count ("60 firefighters") or, large and without a currency, either."""
    family = _family(figure.kind)
    if family != "amount":
        return frozenset((family,))
    if any(char in CURRENCY for char in figure.text):
        return frozenset(("money",))
    return frozenset(("money", "amount")) if figure.value >= SUM_FROM else frozenset(("amount",))


_MAY_STATE_FIGURE = re.compile(
    r"\d|\b(?:decades?|years?|months?|weeks?|days?|hours?|minutes?|thousand|million|billion|trillion|"
    + "|".join(name for name, value in NUMBER_NAMES.items() if value >= COUNTED_FROM)
    + r")\b",
    re.IGNORECASE,
)


def may_state_figure(word: str) -> bool:
    """Whether a word holds a digit or names a duration: a passage whose words do not, states no figure."""
    return _MAY_STATE_FIGURE.search(word) is not None


def figure_keys(text: str, start: int, end: int) -> frozenset[str]:
    """The keys of the figures text[start:end] states (see Figure.key)."""
    if not _MAY_STATE_FIGURE.search(text, start, end):
        return frozenset()
    return frozenset(figure.key for figure in figures(text, start, end))
