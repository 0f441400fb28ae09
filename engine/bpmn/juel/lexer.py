"""The EL scanner: composite text in, tokens out. A port of de.odysseus JUEL's ``Scanner``
(the one Camunda 7 ships), so escapes and edge cases behave the same way.

Outside ``${``/``#{`` the scanner emits TEXT; inside it emits expression tokens until ``}``.
Positions are indexes into the original text, for error messages and source slices.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from engine.bpmn.juel.errors import JuelSyntaxError


class Sym(enum.Enum):
    EOF = "<EOF>"
    PLUS = "'+'"
    MINUS = "'-'"
    MUL = "'*'"
    DIV = "'/'|'div'"
    MOD = "'%'|'mod'"
    LPAREN = "'('"
    RPAREN = "')'"
    IDENTIFIER = "<IDENTIFIER>"
    NOT = "'!'|'not'"
    AND = "'&&'|'and'"
    OR = "'||'|'or'"
    EMPTY = "'empty'"
    INSTANCEOF = "'instanceof'"
    INTEGER = "<INTEGER>"
    FLOAT = "<FLOAT>"
    TRUE = "'true'"
    FALSE = "'false'"
    STRING = "<STRING>"
    NULL = "'null'"
    LE = "'<='|'le'"
    LT = "'<'|'lt'"
    GE = "'>='|'ge'"
    GT = "'>'|'gt'"
    EQ = "'=='|'eq'"
    NE = "'!='|'ne'"
    QUESTION = "'?'"
    COLON = "':'"
    TEXT = "<TEXT>"
    DOT = "'.'"
    LBRACK = "'['"
    RBRACK = "']'"
    COMMA = "','"
    START_EVAL_DEFERRED = "'#{'"
    START_EVAL_DYNAMIC = "'${'"
    END_EVAL = "'}'"


KEYWORDS: dict[str, Sym] = {
    "null": Sym.NULL,
    "true": Sym.TRUE,
    "false": Sym.FALSE,
    "empty": Sym.EMPTY,
    "div": Sym.DIV,
    "mod": Sym.MOD,
    "not": Sym.NOT,
    "and": Sym.AND,
    "or": Sym.OR,
    "le": Sym.LE,
    "lt": Sym.LT,
    "eq": Sym.EQ,
    "ne": Sym.NE,
    "ge": Sym.GE,
    "gt": Sym.GT,
    "instanceof": Sym.INSTANCEOF,
}

_ONE_CHAR: dict[str, Sym] = {
    "*": Sym.MUL,
    "/": Sym.DIV,
    "%": Sym.MOD,
    "+": Sym.PLUS,
    "-": Sym.MINUS,
    "?": Sym.QUESTION,
    ":": Sym.COLON,
    "[": Sym.LBRACK,
    "]": Sym.RBRACK,
    "(": Sym.LPAREN,
    ")": Sym.RPAREN,
    ",": Sym.COMMA,
}

_TWO_CHAR: dict[str, Sym] = {
    "==": Sym.EQ,
    "!=": Sym.NE,
    "&&": Sym.AND,
    "||": Sym.OR,
    "<=": Sym.LE,
    ">=": Sym.GE,
}


@dataclass(frozen=True, slots=True)
class Token:
    sym: Sym
    image: str  # the token's value: the text, the unescaped string, the identifier
    start: int
    end: int

    def describe(self) -> str:
        if self.sym in (Sym.IDENTIFIER, Sym.INTEGER, Sym.FLOAT):
            return f"'{self.image}'"
        if self.sym is Sym.STRING:
            return f"string '{self.image}'"
        return str(self.sym.value).split("|")[0]


def _is_identifier_start(c: str) -> bool:
    return c.isalpha() or c in "_$"


def _is_identifier_part(c: str) -> bool:
    return c.isalnum() or c in "_$"


class _Scanner:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.tokens: list[Token] = []

    def fail(self, position: int, encountered: str, expected: str) -> JuelSyntaxError:
        return JuelSyntaxError(
            self.src,
            position,
            f"lexical error at position {position}, encountered {encountered}, "
            f"expected {expected}",
        )

    def run(self) -> list[Token]:
        src, n = self.src, len(self.src)
        in_eval = False
        while True:
            if in_eval:
                while self.pos < n and src[self.pos].isspace():
                    self.pos += 1
            if self.pos >= n:
                self.tokens.append(Token(Sym.EOF, "", n, n))
                return self.tokens
            if in_eval:
                if src[self.pos] == "}":
                    tok = Token(Sym.END_EVAL, "}", self.pos, self.pos + 1)
                    in_eval = False
                else:
                    tok = self.next_eval()
            elif src[self.pos] in "$#" and src.startswith("{", self.pos + 1):
                sym = Sym.START_EVAL_DYNAMIC if src[self.pos] == "$" else Sym.START_EVAL_DEFERRED
                tok = Token(sym, src[self.pos : self.pos + 2], self.pos, self.pos + 2)
                in_eval = True
            else:
                tok = self.next_text()
            self.tokens.append(tok)
            self.pos = tok.end

    def next_text(self) -> Token:
        # A backslash escapes only a following '${' or '#{'; otherwise it is kept literally.
        src, n, i = self.src, len(self.src), self.pos
        out: list[str] = []
        escaped = False
        while i < n:
            c = src[i]
            if c == "\\":
                if escaped:
                    out.append("\\")
                else:
                    escaped = True
            elif c in "$#":
                if i + 1 < n and src[i + 1] == "{":
                    if not escaped:
                        break
                    out.append(c)
                else:
                    if escaped:
                        out.append("\\")
                    out.append(c)
                escaped = False
            else:
                if escaped:
                    out.append("\\")
                out.append(c)
                escaped = False
            i += 1
        if escaped:
            out.append("\\")
        return Token(Sym.TEXT, "".join(out), self.pos, i)

    def next_eval(self) -> Token:
        src, start = self.src, self.pos
        c1 = src[start]
        two = src[start : start + 2]
        if two in _TWO_CHAR:
            return Token(_TWO_CHAR[two], two, start, start + 2)
        if c1 in _ONE_CHAR:
            return Token(_ONE_CHAR[c1], c1, start, start + 1)
        if c1 == "!":
            return Token(Sym.NOT, c1, start, start + 1)
        if c1 == "<":
            return Token(Sym.LT, c1, start, start + 1)
        if c1 == ">":
            return Token(Sym.GT, c1, start, start + 1)
        if c1 in "'\"":
            return self.next_string()
        if (c1.isascii() and c1.isdigit()) or (c1 == "." and src[start + 1 : start + 2].isdigit()):
            return self.next_number()
        if c1 == ".":
            return Token(Sym.DOT, c1, start, start + 1)
        if _is_identifier_start(c1):
            i = start + 1
            while i < len(src) and _is_identifier_part(src[i]):
                i += 1
            name = src[start:i]
            return Token(KEYWORDS.get(name, Sym.IDENTIFIER), name, start, i)
        raise self.fail(start, f"invalid character '{c1}'", "expression token")

    def next_string(self) -> Token:
        # Only \\ and an escaped quote of the enclosing kind are valid escapes (JUEL rule).
        src, start = self.src, self.pos
        quote = src[start]
        out: list[str] = []
        i = start + 1
        while i < len(src):
            c = src[i]
            i += 1
            if c == "\\":
                if i == len(src):
                    raise self.fail(start, "unterminated string", f"{quote} or \\")
                c = src[i]
                i += 1
                if c not in ("\\", quote):
                    raise self.fail(start, f"invalid escape sequence \\{c}", f"\\{quote} or \\\\")
                out.append(c)
            elif c == quote:
                return Token(Sym.STRING, "".join(out), start, i)
            else:
                out.append(c)
        raise self.fail(start, "unterminated string", quote)

    def next_number(self) -> Token:
        src, start, n = self.src, self.pos, len(self.src)

        def digits(i: int) -> int:
            while i < n and src[i].isdigit() and src[i].isascii():
                i += 1
            return i

        i = digits(start)
        sym = Sym.INTEGER
        if i < n and src[i] == ".":
            i = digits(i + 1)
            sym = Sym.FLOAT
        if i < n and src[i] in "eE":
            e = i + 1
            if e < n and src[e] in "+-":
                e += 1
            if e < n and src[e].isdigit():
                i = digits(e)
                sym = Sym.FLOAT
        return Token(sym, src[start:i], start, i)


def tokenize(source: str) -> list[Token]:
    """Scan the whole text; the last token is EOF."""
    return _Scanner(source).run()
