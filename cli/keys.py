"""Encryption at rest: ``akkoord keygen``.

With ``AKKOORD_CIPHER_KEY`` set, the library encrypts each stored event's state (AES-GCM, the
``cryptography`` package) and the views are sealed with the same key (projections/sealed.py);
the composition root (``akkoord.bootstrap``) reads the key and checks it opens the store.
"""

from __future__ import annotations

import argparse
from typing import Any

from akkoord.bootstrap import KEY_VARIABLE
from akkoord.i18n import _

KEY_BYTES = 32


def register(subparsers: Any, shared: dict[str, argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "keygen", help=_("print a new key for encryption at rest (set it as {variable})").format(
            variable=KEY_VARIABLE),
        description=_("Print a new random {bits}-bit AES key. Every party that reads or writes "
                      "an encrypted store sets it as {variable}; a lost key cannot be recovered, "
                      "and neither can the store.").format(bits=KEY_BYTES * 8,
                                                           variable=KEY_VARIABLE))
    parser.set_defaults(run=run_keygen)


def run_keygen(args: Any) -> int:
    from eventsourcing.cryptography import AESCipher

    print(AESCipher.create_key(KEY_BYTES))
    return 0
