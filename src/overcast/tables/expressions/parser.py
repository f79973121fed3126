"""Recursive-descent parser of condition, filter, key condition and projection expressions.

Grammar (keywords case-insensitive, function names case-sensitive)::

    condition  := conj (OR conj)*
    conj       := neg (AND neg)*
    neg        := NOT neg | predicate
    predicate  := "(" condition ")" | bool_function
                | operand cmp operand | operand BETWEEN operand AND operand
                | operand IN "(" operand ("," operand)* ")"
    operand    := path | :value | function "(" operand ("," operand)* ")"
    path       := element ("." element | "[" int "]")*
    element    := name | #name
    projection := path ("," path)*

So NOT binds tighter than AND, which binds tighter than OR. Structural checks
(arity, document-path arguments, reserved words, nesting depth, IN operand
count) happen here; checks that need the values happen when binding.
"""

from __future__ import annotations

from overcast.tables.expressions.nodes import And, Between, Call, Compare, In, NameRef, Not, Or, Parsed, Path, Value
from overcast.tables.expressions.reserved import is_reserved
from overcast.tables.expressions.tokens import Token, invalid, syntax_error, tokenize

KEYWORDS = frozenset({"AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"})
BOOLEAN_FUNCTIONS = frozenset({"attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains"})
CONDITION_FUNCTIONS = BOOLEAN_FUNCTIONS | {"size"}
UPDATE_FUNCTIONS = frozenset({"if_not_exists", "list_append"})
# name -> (number of operands, whether the first one must be a document path)
SIGNATURES = {
    "attribute_exists": (1, True),
    "attribute_not_exists": (1, True),
    "attribute_type": (2, True),
    "begins_with": (2, True),
    "contains": (2, True),
    "size": (1, True),
    "if_not_exists": (2, True),
    "list_append": (2, False),
}
MAX_NESTING = 32
MAX_IN_OPERANDS = 100


class Parser:
    def __init__(self, text: str, kind: str) -> None:
        self.text = text
        self.kind = kind
        self.tokens: list[Token] = tokenize(text, kind)
        self.pos = 0
        self.names: set[str] = set()
        self.values: set[str] = set()

    # -- token helpers -------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def error(self):
        return syntax_error(self.kind, self.text, self.tokens, self.pos)

    def expect(self, kind: str) -> Token:
        if self.peek().kind != kind:
            raise self.error()
        return self.advance()

    def at_keyword(self, word: str) -> bool:
        token = self.peek()
        return token.kind == "ident" and token.text.upper() == word

    def keyword(self, word: str) -> bool:
        if self.at_keyword(word):
            self.pos += 1
            return True
        return False

    def invalid(self, detail: str):
        return invalid(self.kind, detail)

    def done(self, root: object) -> Parsed:
        if self.peek().kind != "eof":
            raise self.error()
        return Parsed(self.kind, self.text, root, frozenset(self.names), frozenset(self.values))

    # -- paths and operands ---------------------------------------------
    def element(self) -> str | NameRef:
        token = self.peek()
        if token.kind == "name":
            self.advance()
            self.names.add(token.text)
            return NameRef(token.text)
        if token.kind == "ident" and token.text.upper() not in KEYWORDS:
            if is_reserved(token.text):
                raise self.invalid(f"Attribute name is a reserved keyword; reserved keyword: {token.text}")
            self.advance()
            return token.text
        raise self.error()

    def path(self) -> Path:
        parts: list = [self.element()]
        while True:
            kind = self.peek().kind
            if kind == ".":
                self.advance()
                parts.append(self.element())
            elif kind == "[":
                self.advance()
                index = self.expect("int")
                self.expect("]")
                parts.append(int(index.text))
            else:
                break
        if len(parts) > MAX_NESTING:
            raise self.invalid(f"The document path has too many nesting levels; nesting levels: {len(parts)}")
        return Path(tuple(parts))

    def operand(self):
        token = self.peek()
        if token.kind == "value":
            self.advance()
            self.values.add(token.text)
            return Value(token.text)
        if token.kind == "ident" and self.peek(1).kind == "(":
            return self.call()
        return self.path()

    def allowed_functions(self) -> frozenset:
        return CONDITION_FUNCTIONS

    def call(self) -> Call:
        name = self.advance().text
        if name not in SIGNATURES:
            raise self.invalid(f"Invalid function name; function: {name}")
        if name not in self.allowed_functions():
            where = "an update" if self.kind == "UpdateExpression" else "a condition"
            raise self.invalid(f"The function is not allowed in {where} expression; function: {name}")
        self.expect("(")
        args = [self.operand()]
        while self.peek().kind == ",":
            self.advance()
            args.append(self.operand())
        self.expect(")")
        arity, needs_path = SIGNATURES[name]
        if len(args) != arity:
            raise self.invalid(
                "Incorrect number of operands for operator or function; "
                f"operator or function: {name}, number of operands: {len(args)}"
            )
        if needs_path and not isinstance(args[0], Path):
            raise self.invalid(f"Operator or function requires a document path; operator or function: {name}")
        return Call(name, tuple(args))

    def plain_operand(self):
        """An operand of a comparison: a boolean function is not one."""
        node = self.operand()
        if isinstance(node, Call) and node.name in BOOLEAN_FUNCTIONS:
            raise self.misused(node.name)
        return node

    def misused(self, name: str):
        return self.invalid(f"The function is not allowed to be used this way in an expression; function: {name}")

    def distinct(self, op: str, first, others) -> None:
        if isinstance(first, Path) and any(first == other for other in others):
            raise self.invalid(
                "The first operand must be distinct from the remaining operands for this operator or function; "
                f"operator: {op}, first operand: [{first.text()}]"
            )

    # -- conditions -------------------------------------------------------
    def condition(self):
        node = self.conjunction()
        while self.keyword("OR"):
            node = Or(node, self.conjunction())
        return node

    def conjunction(self):
        node = self.negation()
        while self.keyword("AND"):
            node = And(node, self.negation())
        return node

    def negation(self):
        if self.keyword("NOT"):
            return Not(self.negation())
        return self.predicate()

    def predicate(self):
        if self.peek().kind == "(":
            self.advance()
            node = self.condition()
            self.expect(")")
            return node
        left = self.operand()
        token = self.peek()
        follows_operator = token.kind == "cmp" or self.at_keyword("BETWEEN") or self.at_keyword("IN")
        if isinstance(left, Call) and left.name in BOOLEAN_FUNCTIONS:
            if follows_operator:
                raise self.misused(left.name)
            return left
        if token.kind == "cmp":
            self.advance()
            right = self.plain_operand()
            self.distinct(token.text, left, [right])
            return Compare(token.text, left, right)
        if self.keyword("BETWEEN"):
            low = self.plain_operand()
            if not self.keyword("AND"):
                raise self.error()
            high = self.plain_operand()
            self.distinct("BETWEEN", left, [low, high])
            return Between(left, low, high)
        if self.keyword("IN"):
            self.expect("(")
            options = [self.plain_operand()]
            while self.peek().kind == ",":
                self.advance()
                options.append(self.plain_operand())
            self.expect(")")
            if len(options) > MAX_IN_OPERANDS:
                raise self.invalid(
                    f"The IN operator is provided with too many operands; number of operands: {len(options)}"
                )
            self.distinct("IN", left, options)
            return In(left, tuple(options))
        if isinstance(left, Call):
            raise self.misused(left.name)
        raise self.error()


def parse_condition(text: str, kind: str = "ConditionExpression") -> Parsed:
    """Parse a condition, filter or key condition expression (``kind`` names it in errors)."""
    parser = Parser(text, kind)
    return parser.done(parser.condition())


def parse_projection(text: str) -> Parsed:
    """Parse a ProjectionExpression: comma-separated document paths."""
    parser = Parser(text, "ProjectionExpression")
    paths = [parser.path()]
    while parser.peek().kind == ",":
        parser.advance()
        paths.append(parser.path())
    return parser.done(tuple(paths))
