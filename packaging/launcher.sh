#!/bin/sh
# Starts the openphone-mcp binary for this machine: the Claude Desktop
# bundle carries one per architecture.
dir=$(dirname "$0")
case "$(uname -m)" in
  x86_64|amd64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "openphone-mcp: no binary for $(uname -s) $(uname -m) in this bundle" >&2; exit 1 ;;
esac
case "$(uname -s)" in
  Darwin) exec "$dir/openphone-mcp-darwin" "$@" ;;
  *) exec "$dir/openphone-mcp-linux-$arch" "$@" ;;
esac
