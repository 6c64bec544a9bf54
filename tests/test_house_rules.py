"""Rules of the house that keep the code easy to change: the core decides over plain data."""
import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "bot" / "core"
FORBIDDEN = ("sqlite3", "sqlite_utils", "slack_bolt", "slack_sdk", "storage")


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_the_core_imports_neither_storage_nor_sqlite_nor_slack():
    files = sorted(CORE.glob("*.py"))
    assert len(files) > 10
    found = {f"{path.name}: {module}" for path in files for module in imported_modules(path)
             if module.split(".")[0] in FORBIDDEN}
    assert found == set()
