"""LanguageTool: where it is installed, the one background server every run shares, a client.

The package's parts, each usable alone:

``settings``    the pinned version, environment variables, time limits, the errors
``install``     where LanguageTool is installed; ``cleaner languagetool install``
``client``      language-tool-python talking to one server (UTF-16 offsets corrected)
``process``     one server process: its command line, start, readiness, stop
``registry``    the background server every run shares (``<home>/server.json`` and its lock)
``supervisor``  the background server's idle-stopping supervisor (``python -m cleaner.languagetool``)
``service``     :class:`LanguageToolService`, the handle a grammar stage owns and closes

Server: the first run that needs LanguageTool starts a background server and records it in
``<home>/server.json``; later runs, concurrent ones included, use it; it stops after
``idle_timeout`` seconds unused (10 minutes by default) or at ``cleaner languagetool stop``. A
URL the user gives (``--languagetool-url`` or ``$CLEANER_LANGUAGETOOL_URL``) is used as is:
never started, restarted or stopped by us.
"""

from cleaner.languagetool.client import (
    HEALTH_TIMEOUT_S,
    Client,
    Match,
    is_healthy,
    parse_matches,
    post_check,
    server_answers,
)
from cleaner.languagetool.install import (
    POM,
    POM_LANGUAGES,
    checkout_home,
    find_java,
    install,
    install_dir,
    is_installed,
    java_major_version,
    languagetool_home,
    render_pom,
    repo_root,
    user_home,
)
from cleaner.languagetool.process import (
    ServerProcess,
    check_threads,
    free_port,
    java_command,
    process_rss_bytes,
    start_server,
)
from cleaner.languagetool.registry import (
    ServerState,
    read_state,
    server_lock,
    start_background,
    state_path,
    stop_background,
    touch,
)
from cleaner.languagetool.service import LanguageToolService, background_url, running_service
from cleaner.languagetool.settings import (
    CACHE_SIZE,
    DEFAULT_IDLE_TIMEOUT_S,
    DEFAULT_JAVA_OPTS,
    HOME_ENV,
    IDLE_ENV,
    INSTALL_HINT,
    JAVA_OPTS_ENV,
    LANGUAGETOOL_VERSION,
    MAIN_CLASS,
    REQUEST_TIMEOUT_S,
    START_TIMEOUT_S,
    URL_ENV,
    LanguageToolError,
    RequestFailed,
    idle_timeout_setting,
)
from cleaner.languagetool.supervisor import supervise

__all__ = [
    "CACHE_SIZE",
    "DEFAULT_IDLE_TIMEOUT_S",
    "DEFAULT_JAVA_OPTS",
    "HEALTH_TIMEOUT_S",
    "HOME_ENV",
    "IDLE_ENV",
    "INSTALL_HINT",
    "JAVA_OPTS_ENV",
    "LANGUAGETOOL_VERSION",
    "MAIN_CLASS",
    "POM",
    "POM_LANGUAGES",
    "REQUEST_TIMEOUT_S",
    "START_TIMEOUT_S",
    "URL_ENV",
    "Client",
    "LanguageToolError",
    "LanguageToolService",
    "Match",
    "RequestFailed",
    "ServerProcess",
    "ServerState",
    "background_url",
    "check_threads",
    "checkout_home",
    "find_java",
    "free_port",
    "idle_timeout_setting",
    "install",
    "install_dir",
    "is_healthy",
    "is_installed",
    "java_command",
    "java_major_version",
    "languagetool_home",
    "parse_matches",
    "post_check",
    "process_rss_bytes",
    "read_state",
    "render_pom",
    "repo_root",
    "running_service",
    "server_answers",
    "server_lock",
    "start_background",
    "start_server",
    "state_path",
    "stop_background",
    "supervise",
    "touch",
    "user_home",
]
