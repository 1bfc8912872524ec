"""Get serialized FileDescriptorProtos out of an OD API installation without importing it.

Old-style generated modules (`_descriptor.FileDescriptor(serialized_pb=b'...')`) raise
"Descriptors cannot be created directly" under protobuf >= 4, and new-style ones
(`AddSerializedFile(b'...')`) register into the global pool, which clashes with TensorFlow's.
Both embed the same bytes, which any protobuf version can load into a private pool.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from pipecheck.errors import ExtractError
from pipecheck.i18n import _

_SERIALIZED = re.compile(
    rb"(?P<style>serialized_pb\s*=|AddSerializedFile\s*\()\s*(?P<literal>b(?P<q>['\"])(?:[^\\\n]|\\.)*?(?P=q))"
)


def descriptor_from_generated_module(path: Path) -> tuple[bytes, str]:
    """Return the serialized FileDescriptorProto a *_pb2.py embeds and its generation."""
    source = path.read_bytes()
    match = _SERIALIZED.search(source)
    if match is None:
        raise ExtractError(_("{path}: no serialized descriptor found (not a protoc-generated module?)", path=path))
    literal = match.group("literal").decode("latin-1")
    try:
        data = ast.literal_eval(literal)
    except (ValueError, SyntaxError) as error:
        raise ExtractError(_("{path}: unreadable serialized descriptor ({error})", path=path, error=error)) from None
    generation = "old-style" if match.group("style").startswith(b"serialized_pb") else "new-style"
    return data, generation


def descriptors_from_proto_files(research_dir: Path, proto_files: list[Path]) -> list[bytes]:
    """Compile .proto files with grpcio-tools' protoc into serialized FileDescriptorProtos.

    protoc runs in a subprocess: grpc_tools registers its own descriptors on import, and a
    failure in it must not take the lint down with it.
    """
    try:
        import grpc_tools  # noqa: F401  (only to know whether it is installed)
    except ImportError:
        raise ExtractError(_("grpcio-tools is not installed")) from None
    from google.protobuf import descriptor_pb2

    with tempfile.TemporaryDirectory(prefix="pipecheck-protoc-") as scratch:
        output = Path(scratch) / "descriptors.pb"
        relative = [str(p.relative_to(research_dir)) for p in proto_files]
        command = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"--proto_path={research_dir}",
            "--include_imports",
            f"--descriptor_set_out={output}",
            *relative,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not output.exists():
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise ExtractError(
                _("protoc failed: {detail}", detail=detail[0] if detail else f"exit {result.returncode}")
            )
        descriptor_set = descriptor_pb2.FileDescriptorSet.FromString(output.read_bytes())
    return [file.SerializeToString() for file in descriptor_set.file]
