"""Entry point, error handling and the command tree."""

from __future__ import annotations

import os
import sys
import warnings

import typer

try:  # typer ≥ 0.24 carries its own copy of click
    from typer._click import exceptions as click_exc
except ImportError:  # pragma: no cover - older typer on top of click
    from click import exceptions as click_exc

from carpathia import __version__
from carpathia.errors import CarpathiaError

from . import coords, demo, motion, probability, region, reports, rescue, river, survival, terrain
from . import incident as incident_cli
from . import search as search_cli
from . import web as web_cli

app = typer.Typer(
    name="carpathia",
    help="Offline search-and-rescue planning from real terrain and lost-person science.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(terrain.app, name="terrain")
app.add_typer(region.app, name="region")
incident_cli.app.add_typer(reports.report_app, name="report")
incident_cli.app.command("reports")(reports.reports_cmd)
app.add_typer(incident_cli.app, name="incident")
app.command("regions")(region.list_cmd)
app.command("map")(probability.map_cmd)
app.command("evaluate")(probability.evaluate_cmd)
app.command("simulate")(motion.simulate_cmd)
app.command("survival")(survival.survival_cmd)
app.command("rescue")(rescue.rescue_cmd)
app.command("river")(river.river_cmd)
app.command("demo")(demo.demo_cmd)
app.command("plan")(search_cli.plan_cmd)
app.command("update")(search_cli.update_cmd)
app.command("serve")(web_cli.serve_cmd)
app.command("coords", epilog=coords.EPILOG)(coords.coords_cmd)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"carpathia {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Offline search-and-rescue planning from real terrain and lost-person science."""


def _fail(message: str, code: int) -> None:
    from ._common import plain

    text = plain(" ".join(str(message).split()))  # one line, whatever the message held; escape codes shown
    typer.echo(f"error: {text}", err=True)
    sys.exit(code)


def _words(exc) -> list[str]:
    """The sub-command words of the context that asked for help ('terrain', ...)."""
    ctx = getattr(exc, "ctx", None)
    words = ctx.command_path.split()[1:] if ctx is not None else []
    return words


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings reach the field user as one line, without source file and line number."""
    typer.echo(f"warning: {' '.join(str(message).split())}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; bad input gives one line on stderr and exit status 2, never a traceback."""
    warnings.showwarning = _show_warning
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=argv, prog_name="carpathia", standalone_mode=False)
    except CarpathiaError as exc:
        _fail(str(exc), 2)
    except click_exc.NoArgsIsHelpError as exc:
        command.main(args=[*_words(exc), "--help"], prog_name="carpathia", standalone_mode=False)
        sys.exit(0)
    except click_exc.ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        _fail(exc.format_message() + hint, exc.exit_code)
    except typer.Abort:
        _fail("aborted", 130)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:  # a bug: keep the field user's screen clean, keep the detail on demand
        if os.environ.get("CARPATHIA_DEBUG"):
            raise
        _fail(f"internal error ({type(exc).__name__}: {exc}); rerun with CARPATHIA_DEBUG=1 and report it", 1)
    sys.exit(rv if isinstance(rv, int) else 0)
