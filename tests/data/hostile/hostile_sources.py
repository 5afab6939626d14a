"""Generate hostile and odd source files into a folder, at test time (nothing binary is committed).

Each case is a file (or a thing in the file system where a file is expected) that a careful reader
must either load or skip with a one-line reason: bad encodings, odd newlines, huge lines, terminal
escape sequences, markup, bidi tricks, odd file names, links that loop, FIFOs.

`write_hostile_corpus(folder)` returns {case name: path}. `ESCAPE_SOURCE_TEXT` is the text whose
escape sequences must never reach a terminal; the tests look for its marker words on screen.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

PROSE = (
    "The company said on Tuesday that its revenue rose by 12 percent. "
    "Analysts had expected a smaller gain, according to three people familiar with the figures.\n"
)

# Terminal escape sequences an article could carry: window title change (OSC 0 and OSC 2), cursor
# moves and screen clears (CSI), an OSC 8 hyperlink, an OSC 52 clipboard write, a C1 CSI (U+009B),
# a bell, DCS and the "set icon name" sequence. Marker words let a test find the text on screen.
TITLE_MARKER = "PWNEDTITLE"
ESCAPE_SOURCE_TEXT = (
    "Escape test headline about terminal safety\n"
    f"Before \x1b]0;{TITLE_MARKER}\x07 after the title change.\n"
    f"Second \x1b]2;{TITLE_MARKER}2\x1b\\ title with ST terminator.\n"
    "Cursor \x1b[2J\x1b[H\x1b[10;10H moved and screen cleared.\n"
    "Colour \x1b[31;1mRED\x1b[0m and \x1b[5mblink\x1b[0m.\n"
    "Link \x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\ here.\n"
    "Clipboard \x1b]52;c;cm0gLXJmIH4=\x07 write.\n"
    "C1 \u009b31m control sequence introducer and \u009d0;C1TITLE\u009c string.\n"
    "Bell \x07 and DCS \x1bP+q544e\x1b\\ request.\n"
    "Backspace \x08\x08\x08 and carriage\rreturn.\n"
)

MARKUP_TEXT = (
    "Markup test headline with brackets everywhere\n"
    "[bold]not bold[/bold] and [red]not red[/] and [@click=app.quit]click to quit[/].\n"
    "[link=https://evil.example]a link[/link] and [on red]background[/on red].\n"
    "Unbalanced [/ closing and [/bold] stray and [b]open forever.\n"
    "Textual variables $accent and \\[escaped] and [[double]] brackets.\n"
)

BIDI_TEXT = (
    "Bidirectional override headline for the safety test\n"
    "The invoice total is \u202e0001$\u202c dollars, says the \u2067report\u2069.\n"
    "Hidden \u200b zero \u200c width \u200d joiners \u2060 and \ufeff BOM inside \u00ad soft hyphen.\n"
    "Isolates \u2066left\u2069 \u2068first\u2069 and marks \u200e\u200f.\n"
)

UNICODE_CASES = {
    "cjk.txt": "東京の会社は火曜日、売上高が12%増加したと発表した。アナリストは小幅な増加を予想していた。\n"
               "北京消息：该公司表示，收入增长了百分之十二。\n",
    "emoji.txt": "Family 👨‍👩‍👧‍👦 and thumbs 👍🏽👍🏿 and flags 🇺🇸🇬🇧 and 🏳️‍🌈 in the news today.\n"
                 "Technologist 👩🏾‍💻 says the figure is 💯 percent right.\n",
    "combining.txt": "Cafe\u0301 and nai\u0308ve and Z\u0335\u0321a\u0337\u0322l\u0336g\u0334o\u0338 text "
                     "with many combining marks stacked on one base.\n",
    "rtl.txt": "The report in Arabic: قالت الشركة يوم الثلاثاء إن إيراداتها ارتفعت.\n"
               "And in Hebrew: החברה אמרה ביום שלישי כי ההכנסות עלו.\n",
    "tabs.txt": "Column\tseparated\ttext with tabs\tbetween words.\n\tIndented line with a tab.\n",
    "bidi.txt": BIDI_TEXT,
    "escapes.txt": ESCAPE_SOURCE_TEXT,
    "markup.txt": MARKUP_TEXT,
    "markup.md": "# " + MARKUP_TEXT,
    "c1_title.txt": "Headline \u009b31m with a C1 CSI and \u202edesrever\u202c override\n"
                    "Body text with \u009d0;C1BODY\u009c an OSC in C1 form and \u2066isolates\u2069.\n",
    "separators.txt": "First line of a separator test\u2028second after LINE SEPARATOR\u2029third after "
                      "PARAGRAPH SEPARATOR\x85fourth after NEL\x0bfifth after VT\x0csixth after FF\x1cseventh "
                      "after FS\x1deighth\x1eninth line ends here.\n",
}

HTML_ESCAPES = (
    "<html><head><title>Hostile \x1b]0;HTMLTITLE\x07 page headline</title>"
    "<script>alert('x')</script></head><body><article><h1>Hostile page headline here</h1>"
    "<p>The page says \x1b[2J cleared and [bold]markup[/bold] and &lt;script&gt; in the text. "
    "It continues with enough words to count as a main text paragraph for the extractor.</p>"
    "<p>A second paragraph with \u202eoverride\u202c and OSC \x1b]52;c;ZXZpbA==\x07 clipboard.</p>"
    "</article></body></html>"
)


def _encoded_cases() -> dict[str, bytes]:
    rng = random.Random(20240517)
    binary = bytes(rng.randrange(256) for _ in range(4096))
    return {
        "empty.txt": b"",
        "whitespace.txt": b"  \n\t\n  \r\n",
        "binary.txt": binary,
        "nul_bytes.txt": PROSE.encode() + b"\x00\x00\x00" + PROSE.encode(),
        "invalid_utf8.txt": b"Caf\xc3 and \xff\xfe and \xed\xa0\x80 surrogate and \xf8\x88\x80\x80\x80 overlong. " * 3,
        "utf16_bom.txt": ("UTF-16 with a byte-order mark. " + PROSE).encode("utf-16"),
        "utf16le_nobom.txt": ("UTF-16 little endian without a mark. " + PROSE).encode("utf-16-le"),
        "utf16be_nobom.txt": ("UTF-16 big endian without a mark. " + PROSE).encode("utf-16-be"),
        "utf8_bom.txt": b"\xef\xbb\xbf" + PROSE.encode(),
        "utf32_bom.txt": PROSE.encode("utf-32"),
        "cp1252.txt": ("\u201cSmart quotes\u201d \u2014 caf\u00e9 costs \u20ac5 \u2026 " + PROSE).encode("cp1252"),
        "latin1.txt": ("Fran\u00e7ais: \u00e9t\u00e9, na\u00efve, \u00bd price. " + PROSE).encode("latin-1"),
        "mixed_encodings.txt": "UTF-8 part: café — “quoted”. ".encode() + "cp1252 part: café — “quoted”. ".encode("cp1252"),
        "cr_only.txt": PROSE.replace("\n", "\r").encode() * 3,
        "crlf.txt": PROSE.replace("\n", "\r\n").encode() * 3,
        "ansi_c1_raw.txt": b"Raw C1 byte \x9b31m in a cp1252 file \x9d and \x1b]0;RAWTITLE\x07 " + PROSE.encode(),
        "hostile.html": HTML_ESCAPES.encode(),
        **{name: text.encode() for name, text in UNICODE_CASES.items()},
    }


# Names of the cases that must load (rather than be skipped) and what must be true of their text.
MUST_LOAD = {
    "invalid_utf8.txt", "utf16_bom.txt", "utf16le_nobom.txt", "utf16be_nobom.txt",
    "utf8_bom.txt", "utf32_bom.txt", "cp1252.txt", "latin1.txt", "mixed_encodings.txt", "cr_only.txt",
    "crlf.txt", "ansi_c1_raw.txt", "hostile.html", *UNICODE_CASES,
}
# A NUL byte marks a file as binary (as git and grep decide), so a text with stray NULs is skipped.
MUST_SKIP = {"nul_bytes.txt", "empty.txt", "whitespace.txt", "binary.txt", "fifo.txt", "loop_a.txt", "loop_b.txt"}

LONG_NAME = "long_" + "n" * 240 + ".txt"
NEWLINE_NAME = "name with\nnewline and \x1b]0;NAMETITLE\x07.txt"


def write_hostile_corpus(folder: Path, big: bool = False) -> dict[str, Path]:
    """Write every hostile case into folder; with big=True also the 50 MB line and the million lines."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, data in _encoded_cases().items():
        path = folder / name
        path.write_bytes(data)
        paths[name] = path
    for name, text in ((LONG_NAME, "A file with a very long name. " + PROSE),
                       (NEWLINE_NAME, "A file whose name holds a newline and an escape. " + PROSE)):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    # A symbolic link loop (two links pointing at each other) and a folder link pointing at its parent.
    os.symlink("loop_b.txt", folder / "loop_a.txt")
    os.symlink("loop_a.txt", folder / "loop_b.txt")
    paths["loop_a.txt"], paths["loop_b.txt"] = folder / "loop_a.txt", folder / "loop_b.txt"
    (folder / "sub").mkdir()
    os.symlink("..", folder / "sub" / "up")
    # A FIFO: opening it for reading would block forever if a loader tried.
    os.mkfifo(folder / "fifo.txt")
    paths["fifo.txt"] = folder / "fifo.txt"
    if big:
        paths.update(write_big_cases(folder))
    return paths


def write_big_cases(folder: Path) -> dict[str, Path]:
    """A 50 MB single line and a million one-character lines."""
    huge = folder / "huge_line.txt"
    word = b"word "
    with open(huge, "wb") as handle:
        handle.write(b"Huge single line headline for the test ")
        handle.write(word * (50 * 1024 * 1024 // len(word)))
        handle.write(b"end.\n")
    million = folder / "million_lines.txt"
    million.write_bytes(b"x\n" * 1_000_000)
    return {"huge_line.txt": huge, "million_lines.txt": million}
