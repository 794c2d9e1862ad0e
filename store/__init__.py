"""Persistence adapters: the event store's recorders, extended with a tamper-evident hash chain.

The application (``domain.service.Akkoord``) knows nothing of this package; ``cli.session``
selects these recorders through the library's ``APPLICATION_RECORDER_TOPIC`` environment key.
"""

CHAINED_RECORDERS = {
    "eventsourcing.sqlite": "store.sqlite:ChainedSQLiteRecorder",
    "eventsourcing.postgres": "store.postgres:ChainedPostgresRecorder",
}
