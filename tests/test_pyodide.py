"""The in-Excel check under real Pyodide (the Python that xlwings Lite runs), run with Node.

Pyodide's core comes from the npm registry (package ``pyodide``, the version xlwings Lite names in
the workbook). The bundled validation core must unpack and compile there. Running it needs
pandas, numpy and pydantic, which Pyodide loads from its own CDN, not from a package registry:
where that CDN cannot be reached, the test says so in its skip reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from party_workbooks import issued

from pipeline.core.config import Config
from pipeline.state.database import State
from pipeline.workbook import lite

pytestmark = pytest.mark.slow

PYODIDE_VERSION = "0.27.5"  # as xlwings Lite writes pyodideVersion (tests/fixtures/xlwings_lite)
CACHE = Path(
    os.environ.get("PLANMONITOR_PYODIDE_DIR", Path.home() / ".cache" / "planmonitor-pyodide")
)

RUNNER = r"""
const fs = require("fs");
const { loadPyodide } = require(process.argv[2]);
(async () => {
  const spec = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
  const py = await loadPyodide();
  py.globals.set("MAIN_PY", spec.main_py);
  const compiled = py.runPython(`
import base64, io, re, sys, types, zipfile
fake = types.ModuleType("xlwings")
fake.script = lambda *a, **k: (lambda f: f)
fake.Book = object
sys.modules["xlwings"] = fake
namespace = {}
exec(compile(MAIN_PY, "main.py", "exec"), namespace)
bundle = zipfile.ZipFile(io.BytesIO(base64.b64decode(namespace["BUNDLE"])))
names = [n for n in bundle.namelist() if n.endswith(".py")]
for name in names:
    compile(bundle.read(name), name, "exec")
f"{sys.version_info.major}.{sys.version_info.minor}:{len(names)}"
`);
  const result = { compiled, packages: false };
  // loadPackage reports a package it cannot fetch but does not fail: import them to know.
  const messages = [];
  try {
    await py.loadPackage(["pandas", "numpy", "pydantic", "micropip"], {
      messageCallback: () => {},
      errorCallback: (message) => messages.push(message),
    });
    py.runPython("import pandas, numpy, pydantic, micropip");
    result.packages = true;
  } catch (error) {
    result.error = (messages.join(" ") || String(error)).replace(/\s+/g, " ").slice(0, 200);
  }
  if (result.packages) {
    const micropip = py.pyimport("micropip");
    await micropip.install(spec.requirements);
    py.globals.set("ROWS", spec.rows);
    result.findings = JSON.parse(await py.runPythonAsync(`
import json
core = namespace["_core"]()
pkg = sys.modules[core.__name__.rsplit(".", 2)[0]]
payload = pkg.validation.decode_payload("".join(namespace["PAYLOAD"]))
rows = json.loads(ROWS)
sheets = {
    name: pkg.validation.SheetRows(
        s["header"], {int(k): v for k, v in s["rows"].items()}, frozenset(map(tuple, s["formulas"]))
    )
    for name, s in rows.items()
}
result = pkg.validation.check_rows(payload.layout, sheets, payload.context(), file_name="x.xlsx")
json.dumps([[f.code, f.sheet, f.cell, f.message] for f in result.findings])
`));
  }
  process.stdout.write("\n" + JSON.stringify(result) + "\n");
})().catch((error) => { console.error(error); process.exit(1); });
"""


def _pyodide() -> Path | None:
    package = CACHE / "node_modules" / "pyodide"
    if (package / "pyodide.js").exists():
        return package
    npm = shutil.which("npm")
    if npm is None:
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "install", "--prefix", str(CACHE), f"pyodide@{PYODIDE_VERSION}", "--no-audit"],
        capture_output=True,
        timeout=300,
        check=False,
    )
    return package if (package / "pyodide.js").exists() else None


def test_the_bundled_core_under_real_pyodide(config: Config, state: State, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: Pyodide cannot be run")
    package = _pyodide()
    if package is None:
        pytest.skip(f"the npm package pyodide@{PYODIDE_VERSION} could not be installed")
    layout, data = issued(config, state)
    script = lite.embedded(data)
    assert script is not None
    from test_rows import plain_rows

    from pipeline.core.layout import SHEET_MONITOR
    from pipeline.validation import check_rows, decode_payload

    names = [s.name for s in layout.sheets if s.name != SHEET_MONITOR]
    rows = plain_rows(data, names, protection=False)
    spec = {
        "main_py": script.main_py,
        "requirements": [r.split("#")[0].strip() for r in script.requirements.splitlines()[4:]],
        "rows": json.dumps(
            {
                name: {
                    "header": list(s.header),
                    "rows": {str(k): list(v) for k, v in s.rows.items()},
                    "formulas": sorted(s.formulas),
                }
                for name, s in rows.items()
            },
            default=str,
        ),
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    (tmp_path / "run.js").write_text(RUNNER, encoding="utf-8")
    run = subprocess.run(
        [node, str(tmp_path / "run.js"), str(package), str(tmp_path / "spec.json")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])  # Pyodide logs lines of its own
    version, count = result["compiled"].split(":")
    assert int(count) >= 20 and version.startswith("3.")  # every bundled module compiles
    if not result["packages"]:
        pytest.skip(
            f"Pyodide {PYODIDE_VERSION} (Python {version}) from npm runs and compiles all {count} "
            "bundled modules, but pandas, numpy and pydantic come from the Pyodide CDN, which "
            f"cannot be reached here ({result.get('error')}); the core was not run under Pyodide"
        )
    payload = decode_payload(
        "".join(script.main_py.split("PAYLOAD = (")[1].split(")")[0].split('"')[1::2])
    )
    expected = check_rows(layout, rows, payload.context(), file_name="x.xlsx")
    assert result["findings"] == [[f.code, f.sheet, f.cell, f.message] for f in expected.findings]
