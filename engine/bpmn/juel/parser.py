"""Recursive-descent parser for the Unified EL grammar, after de.odysseus JUEL's ``Parser``
with method invocations enabled (as Camunda 7 configures it)::

    composite := (TEXT | eval)*
    eval      := ('${' | '#{') expr '}'
    expr      := or ('?' expr ':' expr)?
    or        := and (('||' | 'or') and)*
    and       := eq (('&&' | 'and') eq)*
    eq        := cmp (('==' | 'eq' | '!=' | 'ne') cmp)*
    cmp       := add (('<' | 'lt' | '>' | 'gt' | '<=' | 'le' | '>=' | 'ge') add)*
    add       := mul (('+' | '-') mul)*
    mul       := unary (('*' | '/' | 'div' | '%' | 'mod') unary)*
    unary     := '-' unary | ('!' | 'not') unary | 'empty' unary | value
    value     := (nonliteral | literal) ('.' IDENT params? | '[' expr ']' params?)*
    nonliteral:= IDENT | (IDENT ':')? IDENT params | '(' expr ')'
    params    := '(' (expr (',' expr)*)? ')'
"""
from __future__ import annotations

from engine.bpmn.juel.errors import JuelSyntaxError
from engine.bpmn.juel.lexer import Sym, Token, tokenize
from engine.bpmn.juel.nodes import (
    Binary,
    Choice,
    Composite,
    Eval,
    Function,
    Identifier,
    Invoke,
    Literal,
    Nested,
    Node,
    Property,
    Text,
    Unary,
)

_OR = {Sym.OR: "||"}
_AND = {Sym.AND: "&&"}
_EQ = {Sym.EQ: "==", Sym.NE: "!="}
_CMP = {Sym.LT: "<", Sym.GT: ">", Sym.LE: "<=", Sym.GE: ">="}
_ADD = {Sym.PLUS: "+", Sym.MINUS: "-"}
_MUL = {Sym.MUL: "*", Sym.DIV: "/", Sym.MOD: "%"}
_UNARY = {Sym.MINUS: "-", Sym.NOT: "!", Sym.EMPTY: "empty"}
_LITERALS = {Sym.TRUE: True, Sym.FALSE: False, Sym.NULL: None}
_VALUE_START = (
    "<IDENTIFIER>|<STRING>|<FLOAT>|<INTEGER>|'true'|'false'|'null'|'-'|'!'|'not'|'empty'|'('"
)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def lookahead(self, n: int) -> Token:
        return self.tokens[min(self.index + 1 + n, len(self.tokens) - 1)]

    def at(self, sym: Sym) -> bool:
        return self.token.sym is sym

    def consume(self, expected: Sym | None = None) -> Token:
        tok = self.token
        if expected is not None and tok.sym is not expected:
            raise self.fail(expected.value)
        if tok.sym is not Sym.EOF:
            self.index += 1
        return tok

    def fail(self, expected: str) -> JuelSyntaxError:
        tok = self.token
        return JuelSyntaxError(
            self.source,
            tok.start,
            f"syntax error at position {tok.start}, encountered {tok.describe()}, "
            f"expected {expected}",
        )

    def composite(self) -> Node:
        parts: list[Node] = []
        deferred: bool | None = None
        while self.token.sym is not Sym.EOF:
            tok = self.token
            if tok.sym is Sym.TEXT:
                self.consume()
                parts.append(Text(tok.start, tok.end, tok.image))
                continue
            if tok.sym not in (Sym.START_EVAL_DYNAMIC, Sym.START_EVAL_DEFERRED):
                raise self.fail("<TEXT>|'${'|'#{'")
            this_deferred = tok.sym is Sym.START_EVAL_DEFERRED
            if deferred is not None and deferred != this_deferred:
                raise JuelSyntaxError(
                    self.source, tok.start, "'${' and '#{' cannot be mixed in one expression"
                )
            deferred = this_deferred
            self.consume()
            expr = self.expr()
            end = self.consume(Sym.END_EVAL).end
            parts.append(Eval(tok.start, end, expr, this_deferred))
        if not parts:
            return Text(0, 0, "")
        if len(parts) == 1:
            return parts[0]
        return Composite(0, len(self.source), tuple(parts))

    def expr(self) -> Node:
        cond = self.binary(0)
        if self.token.sym is not Sym.QUESTION:
            return cond
        self.consume()
        yes = self.expr()
        self.consume(Sym.COLON)
        no = self.expr()
        return Choice(cond.start, no.end, cond, yes, no)

    _LEVELS = (_OR, _AND, _EQ, _CMP, _ADD, _MUL)

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        ops = self._LEVELS[level]
        left = self.binary(level + 1)
        while self.token.sym in ops:
            op = ops[self.consume().sym]
            right = self.binary(level + 1)
            left = Binary(left.start, right.end, op, left, right)
        return left

    def unary(self) -> Node:
        tok = self.token
        if tok.sym in _UNARY:
            self.consume()
            operand = self.unary()
            return Unary(tok.start, operand.end, _UNARY[tok.sym], operand)
        return self.value()

    def value(self) -> Node:
        node = self.nonliteral() or self.literal()
        if node is None:
            raise self.fail(_VALUE_START)
        while True:
            if self.token.sym is Sym.DOT:
                self.consume()
                name = self.consume(Sym.IDENTIFIER)
                key: Node = Literal(name.start, name.end, name.image)
                end, dotted = name.end, True
            elif self.token.sym is Sym.LBRACK:
                self.consume()
                key = self.expr()
                end = self.consume(Sym.RBRACK).end
                dotted = False
            else:
                return node
            if self.at(Sym.LPAREN):
                args, end = self.params()
                node = Invoke(node.start, end, node, key, dotted, args)
            else:
                node = Property(node.start, end, node, key, dotted)

    def nonliteral(self) -> Node | None:
        tok = self.token
        if tok.sym is Sym.IDENTIFIER:
            self.consume()
            name = tok.image
            if (
                self.token.sym is Sym.COLON
                and self.lookahead(0).sym is Sym.IDENTIFIER
                and self.lookahead(1).sym is Sym.LPAREN
            ):
                self.consume()
                name += ":" + self.consume().image
            if self.token.sym is Sym.LPAREN:
                args, end = self.params()
                return Function(tok.start, end, name, args)
            return Identifier(tok.start, tok.end, name)
        if tok.sym is Sym.LPAREN:
            self.consume()
            inner = self.expr()
            end = self.consume(Sym.RPAREN).end
            return Nested(tok.start, end, inner)
        return None

    def literal(self) -> Node | None:
        tok = self.token
        if tok.sym in _LITERALS:
            value: object = _LITERALS[tok.sym]
        elif tok.sym is Sym.STRING:
            value = tok.image
        elif tok.sym is Sym.INTEGER:
            value = int(tok.image)
        elif tok.sym is Sym.FLOAT:
            value = float(tok.image)
        else:
            return None
        self.consume()
        return Literal(tok.start, tok.end, value)

    def params(self) -> tuple[tuple[Node, ...], int]:
        self.consume(Sym.LPAREN)
        args: list[Node] = []
        if self.token.sym is not Sym.RPAREN:
            args.append(self.expr())
            while self.token.sym is Sym.COMMA:
                self.consume()
                args.append(self.expr())
        end = self.consume(Sym.RPAREN).end
        return tuple(args), end


def parse_tree(source: str) -> Node:
    """Parse composite EL text into a tree; raise ``JuelSyntaxError`` with the position."""
    return _Parser(source).composite()
