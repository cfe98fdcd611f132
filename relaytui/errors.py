"""Domain errors: every refusal carries a translated message that says what to do."""


class DomainError(Exception):
    """A rule or an access check refused the call; nothing was changed."""

    rule: str | None = None

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if rule is not None:
            self.rule = rule

    def __str__(self) -> str:
        return self.message


class NotAllowed(DomainError):
    """The acting staff member may not do this (R7, R9, account roles)."""


class RuleViolation(DomainError):
    """A domain rule of DESIGN.md refuses the change."""


class NotFound(DomainError):
    """What was asked for does not exist (or is not visible to the caller)."""


class InvalidInput(DomainError):
    """The input is malformed; the message says what a valid one looks like."""


class StaleWrite(DomainError):
    """Someone else changed the row since it was read; the write is refused."""


class LoginFailed(DomainError):
    """Wrong username or password, a disabled or a locked account."""


class AccountClosed(LoginFailed):
    """The account is locked or disabled: a session cannot go on with it."""


class StoreError(DomainError):
    """The database cannot be reached, opened or is not at the current schema."""
