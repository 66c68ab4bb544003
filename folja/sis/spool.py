"""Pages of a SIS listing kept on disk between the fetch and the apply.

Why: a municipality's persons listing is the bulk of an import (415,000 persons at 150,000
children). Held in memory as staged records between the fetch and the apply it took about
three quarters of a gigabyte; written to a private temporary file page by page and read back one
page at a time, the import holds one page at a time, whatever the size of the municipality. The
file is unlinked at once (`tempfile.TemporaryFile`), readable only by this process, and gone when
the run ends, however it ends.

Pages are pickled: they hold staged records (tuples with dates) as well as SIS items, and
pickle writes and reads them in C. Only this process writes the file, and only it reads it back.
"""

from __future__ import annotations

import pickle
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any


class Spool:
    """Append pages of items per listing; read them back in the same order, one page at a time."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="folja-sis-")  # noqa: SIM115 - closed by close()
        self._pages: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._end = 0
        self.items: Counter[str] = Counter()

    def add(self, name: str, items: list[Any]) -> None:
        """Append one page of a listing."""
        data = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.seek(self._end)
        self._file.write(data)
        self._pages[name].append((self._end, len(data)))
        self._end += len(data)
        self.items[name] += len(items)

    def pages(self, name: str) -> Iterator[list[Any]]:
        """Yield the pages of a listing in the order they were added."""
        for offset, size in list(self._pages[name]):
            self._file.seek(offset)
            # Written by add() above into this process's own nameless file: not outside input.
            yield pickle.loads(self._file.read(size))  # noqa: S301

    @property
    def size(self) -> int:
        """Bytes on disk."""
        return self._end

    def close(self) -> None:
        """Remove the file (it has no name; closing frees its space)."""
        self._file.close()
