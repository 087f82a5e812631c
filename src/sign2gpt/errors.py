"""User-facing errors: the CLI prints their message as one line, with no traceback.

Library code raises these for bad input (a missing file, a broken annotation, a bad config);
the message must name the file and the problem.
"""


class Sign2GPTError(Exception):
    """Base class of every error whose message is meant for the user."""


class DataError(Sign2GPTError):
    """A dataset file or folder is missing, unreadable or malformed."""


class CheckpointError(Sign2GPTError):
    """A checkpoint folder is missing parts or does not match the model."""
