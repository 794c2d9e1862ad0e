"""Encryption at rest: ``akkoord keygen``.

With ``AKKOORD_CIPHER_KEY`` set, the library encrypts each stored event's state (AES-GCM, the
``cryptography`` package) and the views are sealed with the same key (projections/sealed.py);
the composition root (``akkoord.bootstrap``) reads the key and checks it opens the store.
"""

from __future__ import annotations

import argparse
from typing import Any

from akkoord.bootstrap import KEY_VARIABLE

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
