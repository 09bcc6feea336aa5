"""training/ has no import loops: every module's imports of other training modules (at the top or inside a
function) form a graph without cycles, so a library module never needs an entry script to load."""
import ast
import os
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def training_modules():
    for folder, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(folder, f)
                rel = os.path.relpath(path, os.path.dirname(ROOT))[:-3].replace(os.sep, ".")
                yield (rel[: -len(".__init__")] if rel.endswith(".__init__") else rel), path


def imports_of(path):
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)  # `from training import x`


def find_cycle(graph):
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph.get(node, ()):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, stack + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


class ImportGraphTest(unittest.TestCase):
    def test_no_import_loop(self):
        modules = dict(training_modules())
        self.assertIn("training.release_export", modules)
        graph = {m: sorted({i for i in imports_of(p) if i in modules and i != m}) for m, p in modules.items()}
        self.assertIn("training.release_export", graph["training.release"])
        self.assertIn("training.hf.export_trained", graph["training.release_export"])
        self.assertIsNone(find_cycle(graph))

    def test_the_cycle_finder_finds_cycles(self):
        self.assertEqual(find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}), ["a", "b", "c", "a"])
        self.assertIsNone(find_cycle({"a": ["b"], "b": ["c"], "c": []}))


if __name__ == "__main__":
    unittest.main()
