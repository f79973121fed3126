"""Parser of UpdateExpression.

Grammar (clause keywords case-insensitive, each clause at most once, any order)::

    update     := clause+
    clause     := SET set_action ("," set_action)*
                | REMOVE path ("," path)*
                | ADD path :value ("," path :value)*
                | DELETE path :value ("," path :value)*
    set_action := path "=" set_value
    set_value  := operand (("+" | "-") operand)?
    operand    := path | :value | if_not_exists(path, operand) | list_append(operand, operand)
"""

from __future__ import annotations

from overcast.tables.expressions.nodes import Action, Arith, Parsed, Value
from overcast.tables.expressions.parser import UPDATE_FUNCTIONS, Parser

CLAUSES = ("SET", "REMOVE", "ADD", "DELETE")


class UpdateParser(Parser):
    def __init__(self, text: str) -> None:
        super().__init__(text, "UpdateExpression")

    def allowed_functions(self) -> frozenset:
        return UPDATE_FUNCTIONS

    def set_value(self):
        left = self.operand()
        token = self.peek()
        if token.kind in ("+", "-"):
            self.advance()
            return Arith(token.kind, left, self.operand())
        return left

    def value(self) -> Value:
        token = self.expect("value")
        self.values.add(token.text)
        return Value(token.text)

    def action(self, clause: str) -> Action:
        path = self.path()
        if clause == "SET":
            if self.peek().kind != "cmp" or self.peek().text != "=":
                raise self.error()
            self.advance()
            return Action(clause, path, self.set_value())
        if clause == "REMOVE":
            return Action(clause, path)
        return Action(clause, path, self.value())

    def update(self) -> tuple:
        seen: set[str] = set()
        actions: list[Action] = []
        while self.peek().kind != "eof":
            token = self.peek()
            clause = token.text.upper() if token.kind == "ident" else ""
            if clause not in CLAUSES:
                raise self.error()
            if clause in seen:
                raise self.invalid(f'The "{clause}" section can only be used once in an update expression;')
            seen.add(clause)
            self.advance()
            actions.append(self.action(clause))
            while self.peek().kind == ",":
                self.advance()
                actions.append(self.action(clause))
        return tuple(actions)


def parse_update(text: str) -> Parsed:
    """Parse an UpdateExpression into a tuple of :class:`Action` in written order."""
    parser = UpdateParser(text)
    return parser.done(parser.update())
