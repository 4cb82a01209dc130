"""Command-line commands; each module has `register(subparsers)` (see halyk_desk.cli)."""
