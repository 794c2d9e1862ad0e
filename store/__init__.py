"""Persistence adapters: the event store's recorders, extended with a tamper-evident hash chain.

The application (``akkoord.application.service.Akkoord``) knows nothing of this package; ``akkoord.cli.session``
selects these recorders through the library's ``APPLICATION_RECORDER_TOPIC`` environment key.
"""

CHAINED_RECORDERS = {
    "eventsourcing.sqlite": "akkoord.store.sqlite:ChainedSQLiteRecorder",
    "eventsourcing.postgres": "akkoord.store.postgres:ChainedPostgresRecorder",
}
