"""Open workbooks in headless LibreOffice and try to type into cells, as a party would.

Run with the system Python that has python3-uno (not the project's venv)::

    /usr/bin/python3 tests/lo_probe.py spec.json

``spec.json`` holds ``{"profile": dir, "workbooks": [{"path": ..., "probes": [{"sheet": ...,
"cell": "B3", "text": "..."}]}]}``; a probe without text is only inspected. One soffice process
opens every workbook in turn and the results go to stdout as JSON, per workbook: whether it
opened, every interaction LibreOffice raised while loading (a repair prompt or a load warning
would show up there), the sheets with their visibility and protection, and per probe the cell
text before and after typing, the cell's locked flag and the data validation LibreOffice read.

Typing goes through the frame's dispatcher (``.uno:EnterString`` on the selected cell), which
honours sheet protection like keyboard entry does; the UNO ``setString`` API would not. It does
not run data validation (LibreOffice checks that in the keyboard input handler only), so
validation is reported as the properties LibreOffice imported. Documents are loaded visible in
the headless office: a hidden frame crashes soffice when it refuses an edit."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import uno  # type: ignore[import-not-found]
import unohelper  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]
from com.sun.star.task import XInteractionHandler  # type: ignore[import-not-found]

CONNECT_SECONDS = 60
SHEET_STATES = {0: "visible", 1: "hidden", 2: "veryHidden"}


class InteractionRecorder(unohelper.Base, XInteractionHandler):  # type: ignore[misc]
    """Records every question LibreOffice would have asked a person, and aborts it."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def handle(self, request: Any) -> None:
        detail = request.getRequest()
        self.requests.append(f"{type(detail).__name__}: {getattr(detail, 'Message', '')}")
        abort = uno.getTypeByName("com.sun.star.task.XInteractionAbort")
        for continuation in request.getContinuations():
            if continuation.queryInterface(abort):
                continuation.select()
                return


def prop(name: str, value: Any) -> Any:
    item = PropertyValue()
    item.Name = name
    item.Value = value
    return item


def start_office(profile: Path, pipe: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def connect(pipe: str) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def probe_workbook(ctx: Any, desktop: Any, spec: dict[str, Any]) -> dict[str, Any]:
    recorder = InteractionRecorder()
    url = uno.systemPathToFileUrl(str(Path(spec["path"]).resolve()))
    result: dict[str, Any] = {
        "path": spec["path"],
        "opened": False,
        "interactions": [],
        "probes": [],
    }
    try:
        doc = desktop.loadComponentFromURL(
            url,
            "_blank",
            0,
            (
                prop("Hidden", False),
                prop("RepairPackage", False),
                prop("InteractionHandler", recorder),
            ),
        )
    except Exception as exc:  # reported to the test, like any other failure to open
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["interactions"] = recorder.requests
        return result
    result["interactions"] = recorder.requests
    if doc is None or not doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
        result["error"] = "not loaded as a spreadsheet"
        return result
    try:
        result["opened"] = True
        result["structure_protected"] = bool(doc.isProtected())
        sheets = doc.getSheets()
        result["sheets"] = [
            {
                "name": name,
                "state": _sheet_state(sheets.getByName(name)),
                "protected": bool(sheets.getByName(name).isProtected()),
            }
            for name in sheets.getElementNames()
        ]
        dispatcher = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.DispatchHelper", ctx
        )
        for probe in spec["probes"]:
            result["probes"].append(_type_into(doc, dispatcher, probe))
        result["headers"] = [
            _headers(doc, item["sheet"], item["row"]) for item in spec.get("headers", [])
        ]
    finally:
        doc.close(True)
    return result


def _headers(doc: Any, name: str, row: int) -> dict[str, Any]:
    """The header row of a sheet as LibreOffice lays it out: per cell its text, font, weight,
    size, whether it wraps, and the column width (1/100 mm); and the row's height."""
    sheet = doc.getSheets().getByName(name)
    cells = []
    for index in range(200):
        cell = sheet.getCellByPosition(index, row - 1)
        text = cell.getString()
        if not text:
            break
        cells.append(
            {
                "text": text,
                "font": cell.CharFontName,
                "weight": float(cell.CharWeight),
                "size": float(cell.CharHeight),
                "wrap": bool(cell.IsTextWrapped),
                "width": int(sheet.getColumns().getByIndex(index).Width),
            }
        )
    height = int(sheet.getRows().getByIndex(row - 1).Height)
    return {"sheet": name, "cells": cells, "height": height}


def _sheet_state(sheet: Any) -> str:
    if not sheet.IsVisible:
        # LibreOffice has no very-hidden state of its own; it keeps Excel's for saving.
        return "hidden"
    return "visible"


def _type_into(doc: Any, dispatcher: Any, probe: dict[str, Any]) -> dict[str, Any]:
    """Type the probe's text into its cell (when it has one); report the cell's protection and
    the data validation LibreOffice read for it."""
    controller = doc.getCurrentController()
    sheet = doc.getSheets().getByName(probe["sheet"])
    controller.setActiveSheet(sheet)
    cell = sheet.getCellRangeByName(probe["cell"])
    validation = cell.getPropertyValue("Validation")
    before = cell.getString()
    if probe.get("text") is not None:
        controller.select(cell)
        dispatcher.executeDispatch(
            controller.getFrame(), ".uno:EnterString", "", 0, (prop("StringName", probe["text"]),)
        )
    after = cell.getString()
    return {
        **probe,
        "before": before,
        "after": after,
        "changed": before != after,
        "locked": bool(cell.CellProtection.IsLocked),
        "validation": {
            "type": validation.Type.value,
            "alert": validation.ErrorAlertStyle.value,
            "show_error": bool(validation.ShowErrorMessage),
            "show_input": bool(validation.ShowInputMessage),
            "formula1": validation.getFormula1(),
        },
    }


def main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    profile = Path(spec["profile"])
    pipe = f"planmonitor-probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    office = start_office(profile, pipe)
    results = []
    try:
        ctx = connect(pipe)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        for workbook in spec["workbooks"]:
            results.append(probe_workbook(ctx, desktop, workbook))
        with contextlib.suppress(Exception):  # the bridge drops while soffice exits
            desktop.terminate()
    finally:
        try:
            office.wait(timeout=20)
        except subprocess.TimeoutExpired:
            office.kill()
    json.dump({"workbooks": results}, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
