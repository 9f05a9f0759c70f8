"""The project's own error base: every user-facing failure carries an exit code."""


class StranglerError(Exception):
    """A failure the user can act on; the CLI prints it without a traceback."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\n  hint: {self.hint}"


class UsageError(StranglerError):
    """The command was called wrongly (bad flag value, missing file)."""

    exit_code = 2
