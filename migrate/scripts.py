"""Translate the common JavaScript/Groovy script idioms of Camunda 7 models to Python.

A real tokenizer and precedence-climbing parser for a deliberately small subset:
``execution.setVariable("x", e)``, ``execution.getVariable("x")``, local ``var/let/const/def``
declarations and assignments, literals, variables, arithmetic, string concatenation,
comparisons, logic, ``?:`` and a few string methods. Anything else raises
``OutsideSubset`` and the caller keeps the script unchanged (and reports it), so nothing is
ever rewritten by guesswork.

C7 script variables are transient (process variables change only through setVariable), while
every name a Python script task assigns lands in the task data: locals are therefore deleted
at the end of the translated script.
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

JAVASCRIPT = frozenset({"javascript", "js", "ecmascript", "nashorn", "graal.js"})
GROOVY = frozenset({"groovy"})
PYTHON = frozenset({"python", "jython"})


class OutsideSubset(Exception):
    """The script uses something the translator does not cover; ``reason`` says what."""

    def __init__(self, reason: str, position: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # num | str | name | op | eof
    text: str
    pos: int
    newline_before: bool
    value: object = None


_OPS = sorted(
    "=== !== == != <= >= && || ! < > + - * / % ( ) , ; = ? : . += -= *= /=".split(),
    key=len, reverse=True,
)
_NUM = re.compile(r"(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "0": "\0",
            "\\": "\\", "'": "'", '"': '"', "/": "/"}


def tokenize(source: str, language: str) -> list[Token]:
    tokens: list[Token] = []
    i, n, newline = 0, len(source), False
    while i < n:
        ch = source[i]
        if ch in " \t\r\f\v\ufeff":
            i += 1
        elif ch == "\n":
            newline, i = True, i + 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            if end < 0:
                raise OutsideSubset("unterminated comment", i)
            newline = newline or "\n" in source[i:end]
            i = end + 2
        elif ch in "'\"":
            text, value, i2 = _string(source, i, language)
            tokens.append(Token("str", text, i, newline, value))
            i, newline = i2, False
        elif ch.isdigit() or (ch == "." and i + 1 < n and source[i + 1].isdigit()):
            m = _NUM.match(source, i)
            assert m
            text = m.group()
            if i + len(text) < n and (source[i + len(text)].isalnum() or source[i + len(text)] == "_"):
                raise OutsideSubset(f"number literal {source[i:i + len(text) + 1]!r}", i)
            if len(text) > 1 and text[0] == "0" and text[1].isdigit():
                raise OutsideSubset(f"octal-looking number {text!r}", i)
            tokens.append(Token("num", text, i, newline, text))
            i, newline = m.end(), False
        elif (m := _NAME.match(source, i)) is not None:
            tokens.append(Token("name", m.group(), i, newline))
            i, newline = m.end(), False
        else:
            op = next((o for o in _OPS if source.startswith(o, i)), None)
            if op is None:
                raise OutsideSubset(f"unsupported character {ch!r}", i)
            tokens.append(Token("op", op, i, newline))
            i, newline = i + len(op), False
    tokens.append(Token("eof", "", n, True))
    return tokens


def _string(source: str, start: int, language: str) -> tuple[str, str, int]:
    quote, i = source[start], start + 1
    out: list[str] = []
    while i < len(source):
        ch = source[i]
        if ch == quote:
            return source[start:i + 1], "".join(out), i + 1
        if ch == "\n":
            break
        if ch == "$" and quote == '"' and language in GROOVY:
            raise OutsideSubset("Groovy GString interpolation", i)
        if ch == "\\":
            nxt = source[i + 1:i + 2]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", source[i + 2:i + 6]):
                out.append(chr(int(source[i + 2:i + 6], 16)))
                i += 6
                continue
            if nxt not in _ESCAPES:
                raise OutsideSubset(f"string escape \\{nxt}", i)
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise OutsideSubset("unterminated string literal", start)


# Python precedence, low to high, for parenthesising generated code.
_P_TERNARY, _P_OR, _P_AND, _P_NOT, _P_CMP, _P_ADD, _P_MUL, _P_UNARY, _P_ATOM = range(9)
_BINARY = {  # operator: (binding power, python operator, python precedence)
    "||": (1, "or", _P_OR), "&&": (2, "and", _P_AND),
    "==": (3, "==", _P_CMP), "!=": (3, "!=", _P_CMP), "===": (3, "==", _P_CMP),
    "!==": (3, "!=", _P_CMP),
    "<": (4, "<", _P_CMP), ">": (4, ">", _P_CMP), "<=": (4, "<=", _P_CMP), ">=": (4, ">=", _P_CMP),
    "+": (5, "+", _P_ADD), "-": (5, "-", _P_ADD),
    "*": (6, "*", _P_MUL), "/": (6, "/", _P_MUL), "%": (6, "%", _P_MUL),
}
_JUEL_OPS = {"===": "==", "!==": "!="}
_STRING_METHODS = {"toUpperCase": "upper", "toLowerCase": "lower", "trim": "strip",
                   "startsWith": "startswith", "endsWith": "endswith"}


@dataclass
class Expr:
    code: str
    prec: int
    is_string: bool = False
    is_literal: bool = False
    value: str = ""


def _juel_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass
class Translation:
    python: str
    set_variables: list[str] = field(default_factory=list)
    locals: list[str] = field(default_factory=list)


def _wrap(e: Expr, prec: int) -> str:
    return e.code if e.prec > prec or (e.prec == prec and e.prec == _P_ATOM) else f"({e.code})"


class _Parser:
    def __init__(self, source: str, language: str, target: str = "python") -> None:
        self.juel = target == "juel"
        self.source = source
        self.tokens = tokenize(source, language)
        self.i = 0
        self.reads: set[str] = set()
        self.assigned: list[str] = []
        self.set_variables: list[str] = []
        self.renamed: dict[str, str] = {}

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, offset: int) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at(self, text: str, kind: str = "op") -> bool:
        return self.tok.kind == kind and self.tok.text == text

    def expect(self, text: str) -> None:
        if not self.at(text):
            self.fail(f"expected {text!r}")
        self.advance()

    def fail(self, what: str) -> OutsideSubset:
        token = self.tok
        found = token.text or "end of script"
        raise OutsideSubset(f"{what}, found {found!r}", token.pos)

    def name(self, token: Token) -> str:
        if keyword.iskeyword(token.text) or token.text in {"None", "True", "False"} or "$" in token.text:
            raise OutsideSubset(f"name {token.text!r} is not a valid Python name", token.pos)
        return token.text

    # expressions --------------------------------------------------------------------------
    def expression(self, min_bp: int = 0) -> Expr:
        left = self.unary()
        while True:
            token = self.tok
            if token.kind == "op" and token.text == "?" and min_bp == 0:
                self.advance()
                yes = self.expression()
                self.expect(":")
                no = self.expression()
                if self.juel:
                    code = f"{_wrap(left, _P_ATOM)} ? {_wrap(yes, _P_ATOM)} : {_wrap(no, _P_ATOM)}"
                else:
                    code = f"{_wrap(yes, _P_TERNARY)} if {_wrap(left, _P_TERNARY)} else {_wrap(no, _P_TERNARY - 1)}"
                left = Expr(code, _P_TERNARY, yes.is_string and no.is_string)
                continue
            spec = _BINARY.get(token.text) if token.kind == "op" else None
            if spec is None or spec[0] <= min_bp:
                return left
            self.advance()
            right = self.expression(spec[0])
            left = self.binary(token.text, spec, left, right)

    def binary(self, op: str, spec: tuple[int, str, int], left: Expr, right: Expr) -> Expr:
        _, py_op, prec = spec
        is_string = False
        if self.juel:
            if op == "+" and (left.is_string or right.is_string):
                raise OutsideSubset("string concatenation (JUEL has no string +)")
            return Expr(f"{_wrap(left, _P_ATOM)} {_JUEL_OPS.get(op, op)} {_wrap(right, _P_ATOM)}", prec)
        if op == "+" and (left.is_string or right.is_string):
            # JS/Groovy concatenate anything onto a string; Python needs str() first.
            if not left.is_string:
                left = Expr(f"str({left.code})", _P_ATOM, True)
            if not right.is_string:
                right = Expr(f"str({right.code})", _P_ATOM, True)
            is_string = True
        # Comparisons do not chain in JS: parenthesise a comparison operand.
        left_code = _wrap(left, prec - 1 if prec != _P_CMP else prec)
        right_code = _wrap(right, prec)
        return Expr(f"{left_code} {py_op} {right_code}", prec, is_string)

    def unary(self) -> Expr:
        token = self.tok
        if token.kind == "op" and token.text == "!":
            self.advance()
            operand = self.unary()
            if self.juel:
                return Expr(f"!{_wrap(operand, _P_ATOM)}", _P_UNARY)
            return Expr(f"not {_wrap(operand, _P_NOT)}", _P_NOT)
        if token.kind == "op" and token.text in "-+":
            self.advance()
            operand = self.unary()
            return Expr(f"{token.text}{_wrap(operand, _P_UNARY)}", _P_UNARY)
        return self.postfix(self.primary())

    def primary(self) -> Expr:
        token = self.advance()
        if token.kind == "num":
            return Expr(token.text, _P_ATOM, is_literal=True)
        if token.kind == "str":
            return Expr(_juel_string(str(token.value)) if self.juel else repr(token.value), _P_ATOM,
                        is_string=True, is_literal=True, value=str(token.value))
        if token.kind == "op" and token.text == "(":
            inner = self.expression()
            self.expect(")")
            code = inner.code if inner.prec == _P_ATOM else f"({inner.code})"
            return Expr(code, _P_ATOM, inner.is_string)
        if token.kind == "name":
            constants = {"true": "True", "false": "False", "null": "None"}
            if token.text in constants:
                code = token.text if self.juel else constants[token.text]
                return Expr(code, _P_ATOM, is_literal=True)
            if token.text == "execution":
                return self.execution_call(token)
            if token.text == "Math" and not self.juel:
                return self.math_call()
            name = self.name(token)
            if self.at("("):
                raise OutsideSubset(f"function call {name}(…)", token.pos)
            if name in self.renamed:
                return Expr(self.renamed[name], _P_ATOM)
            if name not in self.assigned:
                self.reads.add(name)
            return Expr(name, _P_ATOM)
        self.i -= 1
        raise self.fail("expected a value")

    def postfix(self, base: Expr) -> Expr:
        if self.juel and self.at("."):
            raise OutsideSubset("member access in a value script (condition or parameter)", self.tok.pos)
        while self.at("."):
            self.advance()
            member = self.advance()
            if member.kind != "name":
                raise self.fail("expected a member name")
            if member.text == "length" and not self.at("("):
                base = Expr(f"len({base.code})", _P_ATOM)
            elif member.text in _STRING_METHODS and self.at("("):
                args = self.arguments()
                base = Expr(f"{_wrap(base, _P_ATOM)}.{_STRING_METHODS[member.text]}({', '.join(a.code for a in args)})",
                            _P_ATOM, member.text not in {"startsWith", "endsWith"})
            elif member.text == "equals" and self.at("("):
                args = self.arguments(count=1)
                base = Expr(f"{_wrap(base, _P_CMP)} == {_wrap(args[0], _P_CMP)}", _P_CMP)
            else:
                raise OutsideSubset(f"member access .{member.text}", member.pos)
        if self.at("("):
            raise self.fail("call of a computed value")
        return base

    def arguments(self, count: int | None = None) -> list[Expr]:
        self.expect("(")
        args: list[Expr] = []
        while not self.at(")"):
            args.append(self.expression())
            if not self.at(")"):
                self.expect(",")
        self.advance()
        if count is not None and len(args) != count:
            raise OutsideSubset(f"expected {count} argument(s), got {len(args)}", self.tok.pos)
        return args

    def variable_name(self, arg: Expr, pos: int) -> str:
        if not arg.is_literal or not arg.is_string:
            raise OutsideSubset("variable name that is not a string literal", pos)
        name = arg.value
        if not name.isidentifier() or keyword.iskeyword(name):
            raise OutsideSubset(f"variable name {name!r} is not a valid Python name", pos)
        return name

    def execution_call(self, token: Token) -> Expr:
        if not self.at("."):
            raise OutsideSubset("use of the execution object", token.pos)
        self.advance()
        method = self.advance()
        if method.text == "getVariable" and self.at("("):
            name = self.variable_name(self.arguments(count=1)[0], method.pos)
            quoted = _juel_string(name) if self.juel else repr(name)
            return Expr(f"execution.getVariable({quoted})", _P_ATOM)
        if method.text == "setVariable" and self.at("("):
            raise OutsideSubset("execution.setVariable inside an expression", method.pos)
        raise OutsideSubset(f"execution.{method.text}", method.pos)

    def math_call(self) -> Expr:
        self.expect(".")
        method = self.advance()
        if method.text not in {"max", "min", "abs"} or not self.at("("):
            raise OutsideSubset(f"Math.{method.text}", method.pos)
        args = self.arguments()
        return Expr(f"{method.text}({', '.join(a.code for a in args)})", _P_ATOM)

    # statements ---------------------------------------------------------------------------
    def statements(self) -> list[tuple[str, Expr | None]]:
        out: list[tuple[str, Expr | None]] = []
        while self.tok.kind != "eof":
            if self.at(";"):
                self.advance()
                continue
            out.append(self.statement())
            if self.at(";"):
                self.advance()
            elif self.tok.kind != "eof" and not self.tok.newline_before:
                raise self.fail("expected end of statement")
        return out

    def statement(self) -> tuple[str, Expr | None]:
        token = self.tok
        if token.kind == "name" and token.text in {"var", "let", "const", "def"}:
            self.advance()
            target = self.name(self.advance())
            value = self.assignment_value() if self.at("=") else Expr("None", _P_ATOM)
            return self.assign(target, value, token.pos), None
        if token.kind == "name" and token.text == "execution" and self.peek(2).text == "setVariable":
            self.i += 3
            args = self.arguments(count=2)
            target = self.variable_name(args[0], token.pos)
            self.set_variables.append(target)
            return f"{target} = {args[1].code}", None
        if token.kind == "name" and self.peek(1).text in {"=", "+=", "-=", "*=", "/="}:
            target = self.name(self.advance())
            op = self.advance().text
            value = self.expression()
            if op != "=":
                target = self.renamed.get(target, target)
                if target not in self.assigned:
                    raise OutsideSubset(f"compound assignment to undeclared {target!r}", token.pos)
                value = self.binary(op[0], _BINARY[op[0]], Expr(target, _P_ATOM), value)
            return self.assign(target, value, token.pos), None
        expr = self.expression()
        return "", expr

    def assignment_value(self) -> Expr:
        self.expect("=")
        return self.expression()

    def assign(self, target: str, value: Expr, pos: int) -> str:
        if target in self.reads and target not in self.renamed:
            # A local shadowing a process variable: rename it so `del` cannot drop the variable.
            self.renamed[target] = alias = "_" + target
            if alias in self.reads:
                raise OutsideSubset(f"local {target!r} shadows a process variable", pos)
        target = self.renamed.get(target, target)
        if target not in self.assigned:
            self.assigned.append(target)
        return f"{target} = {value.code}"


def translate_expression(source: str, language: str, *, target: str = "juel") -> str:
    """Translate a script that is a single expression (conditions, input/output parameters).
    The engine evaluates those as JUEL, so the default target is a ``${…}`` expression."""
    parser = _Parser(source, language, target)
    statements = parser.statements()
    if len(statements) != 1 or statements[0][1] is None:
        raise OutsideSubset("a value script must be a single expression")
    expr = statements[0][1]
    return "${" + expr.code + "}" if target == "juel" else expr.code


def translate_script(source: str, language: str, *, result_variable: str | None = None) -> Translation:
    """Translate a script task or script listener body to Python statements."""
    parser = _Parser(source, language)
    statements = parser.statements()
    lines: list[str] = []
    for index, (code, expr) in enumerate(statements):
        if expr is None:
            lines.append(code)
        elif result_variable and index == len(statements) - 1:
            if not result_variable.isidentifier() or keyword.iskeyword(result_variable):
                raise OutsideSubset(f"result variable {result_variable!r} is not a valid Python name")
            lines.append(f"{result_variable} = {expr.code}")
        elif expr.is_literal or expr.prec == _P_ATOM and expr.code.isidentifier():
            continue  # a bare value has no effect
        else:
            raise OutsideSubset(f"expression statement {expr.code!r} has no effect in Python")
    if result_variable and (not statements or statements[-1][1] is None):
        raise OutsideSubset("the script's result (last expression) is needed for the result variable")
    local_names = [n for n in parser.assigned if n not in parser.set_variables and n != result_variable]
    if local_names:
        lines.append("del " + ", ".join(local_names))
    return Translation("\n".join(lines), parser.set_variables, local_names)
