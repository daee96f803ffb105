"""LanguageTool settings every part shares: the pinned version, environment variables, time
limits, and the errors a run reports."""

from __future__ import annotations

import os

from cleaner.errors import ServiceError

LANGUAGETOOL_VERSION = "6.7"
"""Pinned in ``languagetool/pom.xml`` (and :data:`cleaner.languagetool.install.POM`); a test checks they agree."""

MAIN_CLASS = "org.languagetool.server.HTTPServer"

HOME_ENV = "CLEANER_LANGUAGETOOL_HOME"
URL_ENV = "CLEANER_LANGUAGETOOL_URL"
JAVA_OPTS_ENV = "CLEANER_LANGUAGETOOL_JAVA_OPTS"
IDLE_ENV = "CLEANER_LANGUAGETOOL_IDLE_TIMEOUT"

DEFAULT_JAVA_OPTS = ("-Xmx1g", "-XX:+UseSerialGC")
"""English alone fits in 1 GB with room for the result cache; the serial collector keeps the
RSS and the CPU share small on the 2-core machines the project runs on."""

START_TIMEOUT_S = 180.0
"""JVM start plus loading the English tagger takes ~5 s on an idle machine and several times
that when other processes compete for 2 cores; a real failure shows up as an exited process
long before this."""

REQUEST_TIMEOUT_S = 30.0
"""One request (a paragraph or a few) takes well under a second; past this the server is taken
for hung, the document is written without grammar fixes and the server is checked."""

DEFAULT_IDLE_TIMEOUT_S = 600.0
"""The background server stops after this long without a check (0: never);
``$CLEANER_LANGUAGETOOL_IDLE_TIMEOUT`` changes it for servers that runs start."""


def idle_timeout_setting() -> float:
    value = os.environ.get(IDLE_ENV)
    if not value:
        return DEFAULT_IDLE_TIMEOUT_S
    try:
        seconds = float(value)
    except ValueError:
        raise LanguageToolError(f"${IDLE_ENV} must be a number of seconds, not {value!r}") from None
    return max(0.0, seconds)


CACHE_SIZE = 5000
"""Sentences whose results the server keeps (``cacheSize``): rechecking a chunk after a fix
then costs only the changed sentences."""

STATE_FILE = "server.json"
LOCK_FILE = "server.lock"
INSTALL_HINT = (
    "install LanguageTool with `cleaner languagetool install` (or `make setup` in a checkout), "
    "or skip the stage with `--skip grammar`"
)


class LanguageToolError(ServiceError):
    """LanguageTool is missing, would not start, or a server we were given stopped answering:
    the run stops."""


class RequestFailed(LanguageToolError):
    """One request failed (timed out, or the server went away while answering it): the
    document is written without grammar fixes, and the run goes on."""
