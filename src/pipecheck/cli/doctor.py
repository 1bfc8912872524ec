"""`pipecheck doctor`: which schema pipecheck uses and what the environment looks like."""

from __future__ import annotations

import importlib.util
import platform
import sys
from pathlib import Path

from pipecheck import __version__


def doctor(args) -> int:
    from google.protobuf import __version__ as protobuf_version

    from pipecheck.schema import SchemaNotFound, load_schema

    print(f"pipecheck   {__version__}")
    print(f"python      {platform.python_version()} ({sys.executable})")
    print(f"protobuf    {protobuf_version} ({_protobuf_backend()} backend)")
    tensorflow = importlib.util.find_spec("tensorflow")
    print(f"tensorflow  {'installed at ' + str(Path(tensorflow.origin).parent) if tensorflow else 'not installed'}"
          " (never imported by the lint)")
    root = args.root or Path.cwd()
    try:
        schema = load_schema(root, args.models_dir)
    except SchemaNotFound as missing:
        print(f"schema      none: {missing}")
        return 2
    print(f"schema      {schema.describe()}")
    return 0


def _protobuf_backend() -> str:
    try:
        from google.protobuf.internal import api_implementation

        return api_implementation.Type()
    except ImportError:  # pragma: no cover
        return "unknown"
