"""Statements of a module or class body that may bind names, shared by the
extraction of source modules and of test modules."""

from __future__ import annotations

import libcst as cst


def statements(body: cst.Module | list[cst.CSTNode]) -> list[cst.CSTNode]:
    """Module-level statements, descending into if/try/with blocks (all may bind)."""
    items: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = list(body) if isinstance(body, list) else list(body.body)
    while stack:
        node = stack.pop(0)
        if isinstance(node, cst.If | cst.Try | cst.With | cst.For | cst.While):
            blocks: list[cst.CSTNode] = [node.body]
            if isinstance(node, cst.If) and node.orelse is not None:
                blocks.append(node.orelse)
            if isinstance(node, cst.Try):
                blocks += [h.body for h in node.handlers]
                blocks += [b.body for b in (node.orelse, node.finalbody) if b is not None]
            for block in blocks:
                if isinstance(block, cst.If):
                    stack.append(block)
                elif isinstance(block, cst.Else):
                    stack.extend(body_of(block.body))
                else:
                    stack.extend(body_of(block))
            continue
        items.append(node)
    return items


def body_of(suite: cst.CSTNode) -> list[cst.CSTNode]:
    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    if isinstance(suite, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=suite.body)]
    return []
