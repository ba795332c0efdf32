"""Two house rules of ARCHITECTURE.md that import-linter has no contract type for; the
configuration in pyproject.toml ([tool.importlinter]) uses them beside its layers.

- `private_names`: no module imports another module's _private name: what a module keeps to
  itself it may change without telling anyone.
- `pages_apart`: a controllers module (a name ending in "controllers") is imported only by the
  composition root: pages share kernel helpers and services, never each other."""

from __future__ import annotations

import re

from importlinter import Contract, ContractCheck, fields, output

FROM_IMPORT = re.compile(r"from\s+[\w.]+\s+import\s+\(?(?P<names>[^)#]*)")


def _imported_names(line: str) -> list[str]:
    match = FROM_IMPORT.match(line.strip())
    if not match:
        return []
    return [part.split(" as ")[0].strip() for part in match.group("names").split(",")
            if part.strip()]


class PrivateNamesContract(Contract):
    type_name = "private_names"

    def check(self, graph, verbose: bool) -> ContractCheck:
        found = []
        for importer in sorted(graph.modules):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                for detail in graph.get_import_details(importer=importer, imported=imported):
                    private = [name for name in _imported_names(detail["line_contents"])
                               if name.startswith("_") and not name.startswith("__")]
                    if private:
                        found.append(f"{importer}:{detail['line_number']} takes "
                                     f"{', '.join(private)} from {imported}")
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["found"]:
            output.print_error(line, bold=False)


class PagesApartContract(Contract):
    type_name = "pages_apart"
    allowed_importers = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        found = []
        pages = sorted(m for m in graph.modules if m.rsplit(".", 1)[-1].endswith("controllers"))
        for page in pages:
            for importer in sorted(graph.find_modules_that_directly_import(page)):
                if not any(importer == allowed or importer.startswith(allowed + ".")
                           for allowed in self.allowed_importers):
                    found.append(f"{importer} imports {page}")
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["found"]:
            output.print_error(line, bold=False)
