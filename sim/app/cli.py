"""``python -m sim.app [--host H] [--port P] [--folder F] [--lang da|en] [--workers N]``.

Serves the app on loopback unless ``--host`` says otherwise, prints the
address, and runs until Ctrl-C. Flags are checked before anything starts.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from pathlib import Path

from ..errors import InputError, Problem, command_status
from ..report import LANGUAGES

DEFAULT_FOLDER = Path("results/app")
DEFAULT_PORT = 8765


def parser() -> argparse.ArgumentParser:
    """The command's flags."""
    p = argparse.ArgumentParser(prog="python -m sim.app", description="The barnesim planner's web app.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to serve on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--folder", type=Path, default=DEFAULT_FOLDER,
                   help=f"workspace: uploads, saved scenarios and runs (default {DEFAULT_FOLDER})")
    p.add_argument("--lang", default=LANGUAGES[0], help=f"language of the screens: {', '.join(LANGUAGES)}")
    p.add_argument("--workers", type=int, default=None,
                   help="processes a run uses (default: one per core)")
    return p


def _problems(args: argparse.Namespace) -> list[Problem]:
    problems = []
    if args.lang not in LANGUAGES:
        problems.append(Problem("--lang", "", f"must be one of {list(LANGUAGES)}", args.lang))
    if not 0 < args.port < 65536:
        problems.append(Problem("--port", "", "must be a port number, 1 to 65535", args.port))
    if args.workers is not None and args.workers < 1:
        problems.append(Problem("--workers", "", "must be at least 1", args.workers))
    if args.folder.exists() and not args.folder.is_dir():
        problems.append(Problem("--folder", "", "is a file, not a folder", str(args.folder)))
    try:
        ipaddress.ip_address(args.host)
    except ValueError:
        problems.append(Problem("--host", "", "must be an IP address such as 127.0.0.1", args.host))
    else:
        with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as probe:
            # as the server will bind: a port left in TIME_WAIT by the last run of the app is free
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((args.host, args.port))
            except OSError as error:
                problems.append(Problem("--port", "", f"cannot be served on {args.host}: {error.strerror}",
                                        args.port))
    return problems


def _serve(args: argparse.Namespace) -> int:
    problems = _problems(args)
    if problems:
        raise InputError(problems, "cannot start the app")
    import uvicorn

    from .server import make_app
    from .workspace import Workspace

    app = make_app(Workspace(args.folder), lang=args.lang, workers=args.workers or os.cpu_count() or 1)
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"barnesim app: http://{host}:{args.port}/  (workspace {args.folder}; Ctrl-C stops it)", flush=True)
    if not ipaddress.ip_address(args.host).is_loopback:
        print(f"warning: --host {args.host} serves the app to other machines", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Serve the app until Ctrl-C; exit 2 on bad flags."""
    args = parser().parse_args(argv)
    return command_status(lambda: _serve(args))
