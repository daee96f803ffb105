"""``cleaner languagetool start|stop|status``: a LanguageTool server kept in the background.

Repeated single-file runs then skip the JVM start: the grammar stage finds the server
through the state file ``.cache/languagetool/server.json`` (pid, port, version).
"""

from __future__ import annotations

import typer

from cleaner import languagetool as lt

app = typer.Typer(
    help=(
        "Keep a LanguageTool server running in the background for the grammar stage.\n\n"
        "Example: cleaner languagetool start"
    ),
    no_args_is_help=True,
)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


@app.command()
def start(
    port: int = typer.Option(0, help="Port to listen on (localhost only); 0 picks a free one."),
) -> None:
    """Start the background server (a no-op when one is already running).

    Example: cleaner languagetool start --port 8081
    """
    try:
        state, started = lt.start_background(port=port or None)
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
        typer.echo("background server: not running (start it with `cleaner languagetool start`)")
        raise typer.Exit(code=1)
    healthy = lt.is_healthy(state.url)
    rss_mb = lt.process_rss_bytes(state.pid) / 2**20
    typer.echo(
        f"background server: {'running' if healthy else 'NOT ANSWERING'} at {state.url} "
        f"(pid {state.pid}, version {state.version}, {rss_mb:.0f} MiB resident)"
    )
    if not healthy:
        raise typer.Exit(code=1)
