"""A transformer that rewrites the body of the app factory (or the module, for a module-level
app) once: the shared walk of the codemods that add statements where the app is set up."""

from __future__ import annotations

import abc

import libcst as cst


class FactoryBodyTransformer(cst.CSTTransformer, abc.ABC):
    """Calls `rewrite` on the top-level function `function`'s statements (None: the
    module's); `rewrite` sets `inserted` when it changed them."""

    def __init__(self, function: str | None) -> None:
        super().__init__()
        self.function = function
        self.inserted = False
        self._depth = 0

    @abc.abstractmethod
    def rewrite(self, body: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
        """The new statements; each codemod says what it adds."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth += 1

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._depth -= 1
        if self.inserted or self._depth or original.name.value != self.function:
            return updated
        if not isinstance(updated.body, cst.IndentedBlock):
            return updated
        body = self.rewrite(list(updated.body.body))
        return updated.with_changes(body=updated.body.with_changes(body=body))

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if self.inserted or self.function is not None:
            return updated
        return updated.with_changes(body=self.rewrite(list(updated.body)))
