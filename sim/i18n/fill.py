"""``python -m sim.i18n.fill DOMAIN FILE.py``: write the translations of a
Python dict ``ZH = {english: chinese}`` (a translator's worksheet) into the
domain's zh catalogue and compile it. Messages the catalogue does not hold are
listed, not added (run ``./dev i18n update`` first). Development tooling."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

from sim.i18n.catalog import _write_po, po_path, read


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m sim.i18n.fill DOMAIN WORKSHEET.py", file=sys.stderr)
        return 2
    domain, sheet = argv
    tree = ast.parse(Path(sheet).read_text(encoding="utf-8"))
    table = next(ast.literal_eval(node.value) for node in tree.body
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "ZH")
    catalog = read(domain, "zh")
    unknown = []
    for english, chinese in table.items():
        msg = catalog.get(english)
        if msg is None:
            unknown.append(english)
            continue
        msg.string, msg.flags = chinese, set(msg.flags) - {"fuzzy"}
    _write_po(catalog, po_path(domain, "zh"))
    for english in unknown:
        print(f"not in the {domain} catalogue: {english!r}", file=sys.stderr)
    from sim.i18n.catalog import cmd_compile
    cmd_compile((domain,))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
