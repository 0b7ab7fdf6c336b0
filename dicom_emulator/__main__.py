"""Command line: ``python -m dicom_emulator serve [--host H] [--port P] [--data-dir D]``."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from dicom_emulator.identity.cli import add_identity_commands
from dicom_emulator.settings import DEFAULT_DATA_DIR, EmulatorSettings, viewer_dist_from
from dicom_emulator.web.cors_policy import CorsPolicy, CorsSettingError

log = logging.getLogger("dicom_emulator")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dicom_emulator",
        description="A local emulator of the Azure Health Data Services DICOM service.",
    )
    parser.add_argument("--data-dir", type=Path, default=None,
                        help=f"folder for the index and files (default {DEFAULT_DATA_DIR})")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the service in the foreground")
    serve.add_argument("--host", default=None, help="listen address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None,
                       help="listen port (default 8080; 0 picks a free one)")
    serve.add_argument("--data-dir", type=Path, default=None, dest="serve_data_dir",
                       help=argparse.SUPPRESS)
    serve.add_argument("--auth", choices=["on", "off"], default=None,
                       help="require bearer tokens (default on)")
    serve.add_argument("--token-lifetime", type=int, default=None,
                       help="lifetime in seconds of issued tokens (default 3600)")
    serve.add_argument("--https-port", type=int, default=None,
                       help="also serve HTTPS here, with a local CA (0 picks a free port)")
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow a --host other than loopback (other machines can connect)")
    serve.add_argument("--force", action="store_true",
                       help="with --allow-remote, allow --auth off too (anyone may read and write)")
    serve.add_argument("--data-partitions", action=argparse.BooleanOptionalAction,
                       default=None,
                       help="create the service with data partitions (default: as the data "
                            "dir was last served; off for a new one)")
    cors = serve.add_argument_group(
        "CORS", "the service's CORS setting (default: no origin allowed), as on Azure")
    cors.add_argument("--cors-origin", action="append", default=None, metavar="ORIGIN",
                      help="allowed origin, repeatable ('*' for any)")
    cors.add_argument("--cors-header", action="append", default=None, metavar="HEADER",
                      help="allowed request header, repeatable ('*' for any)")
    cors.add_argument("--cors-method", action="append", default=None, metavar="METHOD",
                      help="allowed method, repeatable ('*' for any)")
    cors.add_argument("--cors-max-age", type=int, default=None, metavar="SECONDS")
    cors.add_argument("--cors-allow-credentials", action="store_true", default=None)
    serve.add_argument("--viewer", nargs="?", const="on", default=None, metavar="DIST",
                       help="also serve the OHIF viewer at / (`make viewer` installs it; "
                            "DIST: another OHIF build)")
    serve.add_argument("--storage-credential", default=None, metavar="ACCOUNT:KEY",
                       help="the storage account key export writes with (the service's "
                            "managed identity; prefer DICOM_EMULATOR_STORAGE_CREDENTIAL)")
    serve.set_defaults(func=_serve)
    add_identity_commands(commands)
    return parser


def _cors(args: argparse.Namespace) -> CorsPolicy | None:
    """The CORS flags' policy; None when no flag was given (then the environment's)."""
    flags = (args.cors_origin, args.cors_header, args.cors_method, args.cors_max_age,
             args.cors_allow_credentials)
    if all(flag is None for flag in flags):
        return None
    return CorsPolicy.from_lists(args.cors_origin or (), args.cors_header or (),
                                 args.cors_method or (), args.cors_max_age,
                                 bool(args.cors_allow_credentials))


def _settings(args: argparse.Namespace) -> EmulatorSettings:
    return EmulatorSettings.from_env(
        data_dir=args.serve_data_dir or args.data_dir,
        host=args.host,
        port=args.port,
        auth=None if args.auth is None else args.auth == "on",
        token_lifetime=args.token_lifetime,
        https_port=args.https_port,
        viewer_dist=None if args.viewer is None else viewer_dist_from(args.viewer),
        data_partitions=args.data_partitions,
        cors=_cors(args),
        storage_credential=args.storage_credential,
    )


def _serve(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
    except CorsSettingError as error:  # a setting the service would refuse: say why
        log.error("%s", error)
        return 2
    if not settings.auth:
        log.warning("auth is OFF: every request is accepted without a token (not like Azure)")
    refusal = remote_binding_refusal(settings.host, settings.auth, args.allow_remote, args.force)
    if refusal:
        log.error("%s", refusal)
        return 2
    if not is_loopback(settings.host):
        log.warning("listening on %s: other machines can reach this emulator", settings.host)
    # Imported here so the identity commands don't pay for loading the server.
    import uvicorn

    from dicom_emulator.app import create_app
    from dicom_emulator.dicom.reading import use_emulator_reading_policy
    from dicom_emulator.features.partitions.service import FeatureCannotBeDisabledError
    from dicom_emulator.identity.tls import HttpsServer
    from dicom_emulator.platform import raise_open_file_limit
    from dicom_emulator.storage.database import SchemaVersionError
    from dicom_emulator.viewer.files import ViewerNotInstalledError
    from dicom_emulator.web.idle_timeout import protocol_options

    use_emulator_reading_policy()
    raise_open_file_limit()  # each client is a socket: the soft limit may be 256
    try:
        app = create_app(settings)
    except (SchemaVersionError, FeatureCannotBeDisabledError, ViewerNotInstalledError) as exc:
        # A data dir this kit cannot use, or not with these settings, or no OHIF: say so.
        log.error("%s", exc)
        return 1
    # uvicorn binds the socket itself: asyncio then sets TCP_NODELAY on each connection (a
    # socket bound by hand has proto 0 and gets Nagle's 40 ms delays on every response).
    server = uvicorn.Server(uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="warning", access_log=False,
        lifespan="on", **protocol_options(settings.idle_timeout, settings.data_rate),
    ))
    https = HttpsServer(app, settings) if settings.https_port is not None else None

    async def run() -> None:
        serving = asyncio.create_task(server.serve())
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        if server.started:  # the contract: print the base URL once requests are answered
            port = server.servers[0].sockets[0].getsockname()[1]  # the real one when 0 was asked
            print(f"DICOM service emulator ready at http://{settings.host}:{port}", flush=True)
            if settings.viewer_dist is not None:  # tools wait for this line too
                print(f"OHIF viewer at http://{settings.host}:{port}/", flush=True)
            if https is not None:
                await https.start()
        await serving
        if https is not None:
            await https.stop()

    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal with the
    # previous handler: make that handler a clean exit rather than a traceback or a kill.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _exit_cleanly)
    asyncio.run(run())
    return 0


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def remote_binding_refusal(host: str, auth: bool, allow_remote: bool, force: bool) -> str | None:
    """Why ``serve`` refuses to listen on ``host``, or None. The emulator is a workshop
    tool: reaching it from the network takes a flag, and doing so without tokens a second."""
    if is_loopback(host):
        return None
    if not allow_remote:
        return (f"refusing to listen on {host}: only loopback by default; pass --allow-remote "
                f"to let other machines connect")
    if not auth and not force:
        return (f"refusing to listen on {host} with --auth off: anyone on the network could "
                f"read, store and delete; pass --force as well if you mean it")
    return None


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
