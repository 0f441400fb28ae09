"""Recognise the FEEL the engine's DMN evaluator supports: simple unary tests (input entries)
and simple expressions (input expressions, output entries, literal expressions).

A tokenizer and a recursive-descent recogniser, no evaluation: ``is_simple_unary_tests`` and
``is_simple_expression`` answer None when supported, else the reason.
"""
from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+(?:\.\d+)?|\.\d+)
    | (?P<str>"(?:[^"\\]|\\.)*")
    | (?P<op>\.\.|<=|>=|!=|\*\*|[-+*/<>=(),\[\]\.])
    | (?P<name>[A-Za-z_?][\w?']*)
    | (?P<bad>\S)
    )""",
    re.X,
)
_TEMPORAL = {"date", "time", "duration", "date and time"}
_COMPLEX_WORDS = {"if", "then", "else", "for", "return", "some", "every", "satisfies", "in",
                  "instance", "of", "function", "between"}


class _Unsupported(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            break
        kind = match.lastgroup or "bad"
        value = match.group(kind)
        if kind == "bad":
            raise _Unsupported(f"unexpected character {value!r}")
        out.append((kind, value))
        position = match.end()
    # "date and time" is one function name in FEEL
    merged: list[tuple[str, str]] = []
    for tok in out:
        if tok == ("name", "time") and len(merged) >= 2 and merged[-1] == ("name", "and") \
                and merged[-2] == ("name", "date"):
            merged[-2:] = [("name", "date and time")]
        else:
            merged.append(tok)
    return merged


class _Recogniser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("eof", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise _Unsupported(f"expected {value!r}, found {tok[1] or 'end'!r}")
        self.i += 1
        return tok

    def done(self) -> None:
        if self.peek()[0] != "eof":
            raise _Unsupported(f"unexpected {self.peek()[1]!r}")

    # simple values --------------------------------------------------------------------------
    def value(self) -> None:
        kind, text = self.peek()
        if text == "-" and kind == "op":
            self.take()
            kind, text = self.peek()
            if kind != "num":
                raise _Unsupported("unary minus on a non-number")
        if kind in {"num", "str"}:
            self.take()
            return
        if kind == "name":
            if text in _COMPLEX_WORDS:
                raise _Unsupported(f"FEEL '{text}' expression")
            self.take()
            if self.peek()[1] == "(":
                if text not in _TEMPORAL:
                    raise _Unsupported(f"function call {text}(…)")
                self.take("(")
                if self.take()[0] != "str":
                    raise _Unsupported(f"{text}() needs a string literal")
                self.take(")")
                return
            while self.peek()[1] == "." or (self.peek()[0] == "name" and self.peek()[1] not in
                                             _COMPLEX_WORDS | {"and", "or"}):
                if self.peek()[1] == ".":
                    self.take()
                if self.take()[0] != "name":
                    raise _Unsupported("path segment must be a name")
            return
        if text == "(":
            self.take()
            self.expression()
            self.take(")")
            return
        raise _Unsupported(f"{'list or context' if text in '[{' else repr(text or 'end')} "
                           "is not a simple value")

    # simple expressions ----------------------------------------------------------------------
    def expression(self) -> None:
        self.arith()
        while self.peek()[1] in {"=", "!=", "<", ">", "<=", ">=", "and", "or"}:
            self.take()
            self.arith()

    def arith(self) -> None:
        self.value()
        while self.peek()[1] in {"+", "-", "*", "/", "**"}:
            self.take()
            self.value()

    # simple unary tests -----------------------------------------------------------------------
    def unary_tests(self) -> None:
        if self.peek() == ("op", "-") and self.i + 1 == len(self.toks):
            self.take()
            return
        if self.peek() == ("name", "not"):
            self.take()
            self.take("(")
            self.positive_tests()
            self.take(")")
            return
        self.positive_tests()

    def positive_tests(self) -> None:
        self.positive_test()
        while self.peek()[1] == ",":
            self.take()
            self.positive_test()

    def positive_test(self) -> None:
        kind, text = self.peek()
        if text in {"<", "<=", ">", ">="}:
            self.take()
            self.value()
        elif text in {"[", "]", "("} and kind == "op":
            self.take()
            self.value()
            self.take("..")
            self.value()
            if self.peek()[1] not in {"]", "[", ")"}:
                raise _Unsupported("unterminated interval")
            self.take()
        else:
            self.value()


def is_simple_unary_tests(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    try:
        recogniser = _Recogniser(text)
        recogniser.unary_tests()
        recogniser.done()
    except _Unsupported as exc:
        return str(exc)
    return None


def is_simple_expression(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    try:
        recogniser = _Recogniser(text)
        recogniser.expression()
        recogniser.done()
    except _Unsupported as exc:
        return str(exc)
    return None
