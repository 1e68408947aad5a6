"""Keep the bot token out of every log line, whoever logs it (httpx logs request URLs)."""

from __future__ import annotations

import logging

NOISY_LOGGERS = ("httpx", "httpcore")
REDACTED = "<token>"


class TokenRedactor(logging.Filter):
    """A handler filter that replaces the token in messages, arguments and tracebacks."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)
        self._formatter = logging.Formatter()

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = self._clean(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


def install_redaction(*secrets: str, logger: logging.Logger | None = None) -> TokenRedactor:
    """Attach a redactor to every handler of `logger` (the root logger by default).

    Filters on handlers see records from every logger that propagates to them; filters on
    loggers would not. httpx and httpcore are also turned down to WARNING, since their
    INFO/DEBUG lines are request URLs.
    """
    target = logger or logging.getLogger()
    redactor = TokenRedactor(*secrets)
    for handler in target.handlers:
        handler.addFilter(redactor)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return redactor
