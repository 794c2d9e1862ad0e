"""Text for a reader, shared by the command line's tables and the graph's picture."""


def shorten(text: str, width: int) -> str:
    """At most ``width`` characters; a cut is marked with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"
