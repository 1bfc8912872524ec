"""CRC-32C as TensorFlow masks it in TFRecord framing and checkpoint files."""

from __future__ import annotations

import google_crc32c

_MASK_DELTA = 0xA282EAD8


def crc32c(data: bytes | memoryview, initial: int = 0) -> int:
    return google_crc32c.extend(initial, bytes(data) if isinstance(data, memoryview) else data)


def masked_crc32c(data: bytes | memoryview) -> int:
    return mask(crc32c(data))


def mask(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked: int) -> int:
    rotated = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rotated >> 17) | (rotated << 15)) & 0xFFFFFFFF
