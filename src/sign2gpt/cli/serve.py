"""sign2gpt serve: a translation web page and HTTP API around one loaded checkpoint."""

from __future__ import annotations

import argparse
import ipaddress
import socket
from urllib.parse import urlsplit

from sign2gpt.cli._common import Command
from sign2gpt.errors import Sign2GPTError

NAME = "serve"
HELP = "serve a translation web page and HTTP API (loads the checkpoint once)"
DESCRIPTION = """\
Loads the checkpoint once, then serves
  /                    a page: drop or choose a video (mp4, webm, mov, avi), a zip of frames or
                       a folder of frames, or record from the webcam; shows the sentence, the
                       sampled frames, the heatmap (with --heatmap-checkpoint) and the timing
  POST /api/translate  multipart field `file` -> {text, decoded_frames, sampled_frames, ...}
  GET  /api/health     the model, checkpoint, device, limits and queue
  /docs                the API's OpenAPI docs (Swagger UI, served from this machine, no CDN)
One clip is translated at a time; later uploads wait in line (up to --max-queue; a full line
answers 503 before the upload is read). Each clip may cost --max-megapixels of decoded frames
and --max-decode-seconds of decoding. Uploads posted by a page of another web origin are
refused (403) unless --allow-origin names it.

It listens on 127.0.0.1 only. Any other address (e.g. --host 0.0.0.0) lets everyone who can
reach the port upload files and spend this machine's CPU/GPU, with no login and no TLS: it is
refused unless --allow-remote is given as well.

example: sign2gpt serve --checkpoint demo_out/translate/best --heatmap-checkpoint demo_out/pgp/best
"""

LOOPBACK_NAMES = ("localhost",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", required=True, help="stage-2 checkpoint folder")
    parser.add_argument("--heatmap-checkpoint", default=None, help="stage-1 checkpoint folder")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port (7860; 0: any free one)")
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a --host other than loopback"
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--num-beams", type=int, default=None, help="default: the recipe's")
    parser.add_argument("--max-upload-mb", type=float, default=200.0, help="upload size (200)")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="video length (60)")
    parser.add_argument("--max-frames", type=int, default=1500, help="frames per clip (1500)")
    parser.add_argument(
        "--max-megapixels",
        type=float,
        default=2000.0,
        help="pixels of all a clip's frames, in millions (2000: 40 s of 1080p at 25 fps)",
    )
    parser.add_argument(
        "--max-decode-seconds", type=float, default=30.0, help="decoding time per clip (30)"
    )
    parser.add_argument("--max-queue", type=int, default=8, help="uploads that may wait (8)")
    parser.add_argument(
        "--body-timeout",
        type=float,
        default=30.0,
        help="seconds an upload may send nothing before it is dropped (30)",
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a web origin (e.g. http://localhost:8888) whose pages may post uploads; repeatable",
    )
    parser.add_argument(
        "--keep-results", type=int, default=50, help="results whose pictures stay (50)"
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket (so --port 0 can report the port it got)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(64)
    except OSError as exc:
        raise Sign2GPTError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    return sock


LIMIT_FLAGS = (
    "max_upload_mb",
    "max_seconds",
    "max_frames",
    "max_megapixels",
    "max_decode_seconds",
    "max_queue",
    "keep_results",
    "body_timeout",
)


def _check_limits(args: argparse.Namespace) -> None:
    for flag in LIMIT_FLAGS:
        if not getattr(args, flag) > 0:  # NaN too
            raise Sign2GPTError(f"--{flag.replace('_', '-')} must be positive")
    for origin in args.allow_origin:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/"):
            raise Sign2GPTError(
                f"--allow-origin {origin}: give a web origin, scheme://host[:port] "
                "(e.g. http://localhost:8888)"
            )


def allowed_hosts(host: str) -> list[str] | None:
    """The host names a server listening on ``host`` answers to: the loopback names and the
    address itself for a loopback address (127.0.0.2 is loopback too), any for another."""
    if not is_loopback(host):
        return None
    return sorted({"127.0.0.1", "localhost", "::1", host.lower().strip("[]")})


def run(args: argparse.Namespace) -> int:
    if not is_loopback(args.host) and not args.allow_remote:
        raise Sign2GPTError(
            f"--host {args.host} would let anyone who can reach this machine upload files and "
            "use its CPU/GPU, with no login and no TLS; add --allow-remote to do it anyway"
        )
    _check_limits(args)
    try:
        import fastapi  # noqa: F401
        import fastapi_offline  # noqa: F401
        import python_multipart  # noqa: F401  (Starlette parses uploads with it)
        import uvicorn
    except ImportError as exc:
        raise Sign2GPTError(
            f"sign2gpt serve needs the `serve` extra ({exc.name} is missing): "
            "pip install 'sign2gpt[serve]'"
        ) from None
    from sign2gpt.serve.app import create_app
    from sign2gpt.serve.engine import Engine
    from sign2gpt.serve.uploads import MB, ServeLimits, remove_tree

    print(f"loading {args.checkpoint} ...", flush=True)
    engine = Engine(args.checkpoint, args.device, args.num_beams, args.heatmap_checkpoint)
    limits = ServeLimits(
        max_upload_bytes=int(args.max_upload_mb * MB),
        max_seconds=args.max_seconds,
        max_frames=args.max_frames,
        max_megapixels=args.max_megapixels,
        max_decode_seconds=args.max_decode_seconds,
        max_waiting=args.max_queue,
        keep_results=args.keep_results,
        body_timeout=args.body_timeout,
    )
    loopback = is_loopback(args.host)
    sock = _listen(args.host, args.port)
    app = create_app(
        engine, limits, allowed_hosts=allowed_hosts(args.host), allowed_origins=args.allow_origin
    )
    try:
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        if not loopback:
            print(f"sign2gpt serve: warning: listening on {host}, open to the network", flush=True)
        # the socket listens already: a client that connects now waits for the first answer
        print(
            f"sign2gpt serve: http://{shown}:{port}/  (API docs: /docs; Ctrl+C stops)", flush=True
        )
        config = uvicorn.Config(app, log_level=args.log_level, timeout_graceful_shutdown=5)
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shut down cleanly, then passed Ctrl+C on
        pass
    finally:
        sock.close()
        remove_tree(app.state.work_dir)  # the app's shutdown did it, unless stopped before start
    print("sign2gpt serve: stopped", flush=True)
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
