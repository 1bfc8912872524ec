"""`pipecheck doctor`: which schema pipecheck uses and what the environment looks like."""

from __future__ import annotations

import importlib.util
import platform
import sys
from pathlib import Path

from pipecheck import __version__
from pipecheck.i18n import _


def doctor(args) -> int:
    from google.protobuf import __version__ as protobuf_version

    from pipecheck.schema import SchemaNotFound, load_schema

    print(f"pipecheck   {__version__}")
    print(f"python      {platform.python_version()} ({sys.executable})")
    print(_("protobuf    {version} ({backend} backend)", version=protobuf_version, backend=_protobuf_backend()))
    tensorflow = importlib.util.find_spec("tensorflow")
    where = (_("installed at {path}", path=Path(tensorflow.origin).parent) if tensorflow else _("not installed"))
    print(_("tensorflow  {where} (never imported by the lint)", where=where))
    root = args.root or Path.cwd()
    try:
        schema = load_schema(root, args.models_dir)
    except SchemaNotFound as missing:
        print(_("schema      none: {problem}", problem=missing))
        return 2
    print(f"schema      {schema.describe()}")
    return 0


def _protobuf_backend() -> str:
    try:
        from google.protobuf.internal import api_implementation

        return api_implementation.Type()
    except ImportError:  # pragma: no cover
        return _("unknown")
