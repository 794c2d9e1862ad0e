"""Encryption at rest: ``akkoord keygen``, and the key a store is read and written with.

With ``AKKOORD_CIPHER_KEY`` set, the library encrypts each stored event's state (AES-GCM, the
``cryptography`` package) and the views are sealed with the same key (projections/sealed.py).
"""

from __future__ import annotations

import argparse
import binascii
import json
import os
from base64 import b64decode
from typing import Any

from akkoord.cli.session import UsageError

KEY_VARIABLE = "AKKOORD_CIPHER_KEY"
CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"
KEY_BYTES = 32


def register(subparsers: Any, shared: dict[str, argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "keygen", help="print a new key for encryption at rest (set it as AKKOORD_CIPHER_KEY)",
        description=f"Print a new random {KEY_BYTES * 8}-bit AES key. Every party that reads or "
                    f"writes an encrypted store sets it as {KEY_VARIABLE}; a lost key cannot "
                    "be recovered, and neither can the store.")
    parser.set_defaults(run=run_keygen)


def run_keygen(args: Any) -> int:
    from eventsourcing.cryptography import AESCipher

    print(AESCipher.create_key(KEY_BYTES))
    return 0


def cipher_env() -> dict[str, str]:
    """The library's cipher settings for the key in the environment, if any."""
    key = os.environ.get(KEY_VARIABLE, "")
    if not key:
        # An explicit empty key, so a stray CIPHER_KEY in the environment cannot switch the
        # library's cipher on behind the user's back.
        return {"CIPHER_KEY": ""}
    try:
        size = len(b64decode(key, validate=True))
    except binascii.Error:
        size = 0
    if size not in (16, 24, 32):
        raise UsageError(f"{KEY_VARIABLE} is not a key (base64 of 16, 24 or 32 bytes); "
                         "make one with akkoord keygen")
    return {"CIPHER_TOPIC": CIPHER_TOPIC, "CIPHER_KEY": key}


def check_key(app: Any, shown: str) -> None:
    """Refuses a key that does not open the store, before anything is read or written.

    Trying the first stored event means an import can never add events under another key (or
    in the clear) to a store that is encrypted, and a reader learns at once why it cannot read.
    """
    from eventsourcing.persistence import MapperDeserialisationError

    first = app.recorder.select_notifications(start=None, limit=1)
    if not first:
        return
    try:
        app.mapper.to_domain_event(first[0])
    except MapperDeserialisationError:
        in_the_clear = _is_json(first[0].state)
        if app.mapper.cipher is None and not in_the_clear:
            raise UsageError(f"store {shown} is encrypted: set {KEY_VARIABLE} to its key") from None
        if app.mapper.cipher is not None and in_the_clear:
            raise UsageError(f"store {shown} is not encrypted: unset {KEY_VARIABLE} to use it") from None
        if app.mapper.cipher is not None:
            raise UsageError(f"store {shown} cannot be decrypted with the key in {KEY_VARIABLE}: "
                             "wrong key") from None
        raise UsageError(f"store {shown} cannot be read: its first event is damaged") from None


def _is_json(state: bytes) -> bool:
    try:
        json.loads(state)
    except ValueError:
        return False
    return True
