"""Cost that grows with the input, not faster (issue 23): counted in bytes and calls, never timed.

The timings themselves are benchmarks/scale.py's, measured in one run.
"""

import os
from pathlib import Path

from pipecheck.artifacts import cached


class Counting:
    """A binary stream that counts the bytes read through it."""

    def __init__(self, stream, counter):
        self.stream, self.counter = stream, counter

    def read(self, size=-1):
        data = self.stream.read(size)
        self.counter.append(len(data))
        return data

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stream.close()


def test_the_cache_key_of_a_large_file_reads_a_few_blocks_not_the_file(tmp_path, monkeypatch):
    import pipecheck.guarded as guarded

    shard = tmp_path / "ckpt-0.data-00000-of-00001"
    with open(shard, "wb") as stream:
        stream.truncate(256 << 20)  # sparse: 256 MiB that cost nothing on disk
    counted: list[int] = []
    real_open = guarded.open_regular
    monkeypatch.setattr(guarded, "open_regular", lambda path: Counting(real_open(path), counted))
    first = cached.content_key(shard)
    assert sum(counted) <= cached.SAMPLED

    with open(shard, "r+b") as stream:  # a byte between the sampled blocks, its mtime put back
        stream.seek(100 << 20)
        stream.write(b"\1")
    info = shard.stat()
    os.utime(shard, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert cached.content_key(Path(shard)) != first  # ctime moved: the reader reads it all again
