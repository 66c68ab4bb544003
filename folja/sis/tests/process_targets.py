"""Functions for `folja.sis.process.run_in_own_process` to run in a child in the tests.

A child imports this module by name before it sets Django up: nothing here may import models.
"""

from __future__ import annotations

import gc
import os
import time
from typing import Any


def report_process() -> dict[str, Any]:
    from django.db import connection

    return {"pid": os.getpid(), "gc_enabled": gc.isenabled(), "database": connection.settings_dict["NAME"]}


def sleep(seconds: float) -> dict[str, Any]:
    time.sleep(seconds)
    return {}


def crash(code: int) -> dict[str, Any]:
    os._exit(code)


def fail_with(message: str) -> dict[str, Any]:
    raise ValueError(message)
