"""Candidates kept until the end of a long stream, spilled to a temporary file."""

from __future__ import annotations


class SpillList:
    """An append-only list that moves its items to a temporary file in chunks once it
    grows past `keep` items, so candidates kept until the end of a long stream (the
    duplicate/repeat patterns need one per record) do not hold the stream in memory.
    Iterating yields the items in order; the file is deleted when the list is closed."""

    def __init__(self, keep: int = 50_000, chunk: int = 20_000):
        self.keep, self.chunk = keep, chunk
        self.items: list = []
        self.file = None
        self.spilled = 0

    def append(self, item) -> None:
        self.items.append(item)
        if len(self.items) >= self.keep + self.chunk:
            self._spill(self.chunk)

    def _spill(self, n: int) -> None:
        import pickle
        import tempfile
        if self.file is None:
            self.file = tempfile.TemporaryFile(prefix="policy-rules-")
        pickle.dump(self.items[:n], self.file, protocol=pickle.HIGHEST_PROTOCOL)
        del self.items[:n]
        self.spilled += n

    def __iter__(self):
        import pickle
        if self.file is not None:
            self.file.seek(0)
            while True:
                try:
                    chunk = pickle.load(self.file)
                except EOFError:
                    break
                yield from chunk
        yield from self.items

    def close(self) -> None:
        self.items = []
        if self.file is not None:
            self.file.close()
            self.file = None
