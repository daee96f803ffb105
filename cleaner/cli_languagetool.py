"""``cleaner languagetool install|start|stop|status``: LanguageTool's install and the one
background server every run shares.

Runs that need LanguageTool start the background server themselves and reuse it; it stops
after 10 minutes unused. These commands install it, start it ahead of time (with another idle
limit), stop it, or say where it is and what it costs.
"""

from __future__ import annotations

import typer

from cleaner import languagetool as lt

app = typer.Typer(
    help=(
        "Install LanguageTool and manage the background server the grammar stage uses.\n\n"
        "Example: cleaner languagetool install"
    ),
    no_args_is_help=True,
)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


@app.command()
def install() -> None:
    """Install LanguageTool from Maven Central (needs Java 17+ and Maven).

    Into <home>/<version>/, where <home> is $CLEANER_LANGUAGETOOL_HOME if set (the folder
    above the version folders: not .../languagetool/6.7 itself), else
    ~/.cache/cleaner/languagetool.
    A quick no-op when it is already there.

    Example: cleaner languagetool install
    """
    try:
        lt.install(echo=typer.echo)
    except lt.LanguageToolError as exc:
        _fail(str(exc))


@app.command()
def start(
    port: int = typer.Option(0, help="Port to listen on (localhost only); 0 picks a free one."),
    idle_timeout: float | None = typer.Option(
        None,
        "--idle-timeout",
        help=(
            "Stop the server after this many seconds without a check; 0 keeps it up "
            "(default: $CLEANER_LANGUAGETOOL_IDLE_TIMEOUT, else 600)."
        ),
        show_default=False,
    ),
) -> None:
    """Start the background server (a no-op when one is already running).

    Example: cleaner languagetool start --idle-timeout 0
    """
    try:
        idle = lt.idle_timeout_setting() if idle_timeout is None else idle_timeout
        state, started = lt.start_background(port=port or None, idle_timeout=idle)
    except lt.LanguageToolError as exc:
        _fail(str(exc))
        return
    verb = "started" if started else "already running"
    typer.echo(f"LanguageTool {state.version} {verb} at {state.url} (pid {state.pid})")


@app.command()
def stop() -> None:
    """Stop the background server.

    Example: cleaner languagetool stop
    """
    state = lt.stop_background()
    if state is None:
        typer.echo("no LanguageTool server was running in the background")
    else:
        typer.echo(f"stopped LanguageTool {state.version} at {state.url} (pid {state.pid})")


@app.command()
def status() -> None:
    """Say whether the background server runs, where, and how much memory it uses.

    Exit code 0 when it runs and answers, 1 otherwise.

    Example: cleaner languagetool status
    """
    installed = lt.is_installed()
    where = lt.install_dir()
    typer.echo(
        f"LanguageTool {lt.LANGUAGETOOL_VERSION}: "
        + (f"installed in {where}" if installed else f"not installed ({lt.INSTALL_HINT})")
    )
    state = lt.read_state()
    if state is None:
        typer.echo(
            "background server: not running (the first run that needs it starts it; "
            "or `cleaner languagetool start`)"
        )
        raise typer.Exit(code=1)
    healthy = lt.is_healthy(state.url)
    rss_mb = lt.process_rss_bytes(state.pid) / 2**20
    idle = f"stops after {state.idle_timeout:g} s unused" if state.idle_timeout else "no idle stop"
    typer.echo(
        f"background server: {'running' if healthy else 'NOT ANSWERING'} at {state.url} "
        f"(pid {state.pid}, version {state.version}, {rss_mb:.0f} MiB resident, {idle})"
    )
    if not healthy:
        raise typer.Exit(code=1)
