#!/usr/bin/env bash
# Builds a release into dist/, offline but for the pinned tools' first
# download: the binaries for linux, darwin and windows on amd64 and arm64
# (static, version-stamped), their archives and checksums.txt (GoReleaser),
# the Claude Desktop bundle dist/openphone-mcp.mcpb and the MCP Registry
# entry dist/server.json (packaging/bundle).
#
#   packaging/build.sh              # a snapshot, as CI builds it
#   packaging/build.sh release ...  # GoReleaser's own arguments, at release time
set -euo pipefail
cd "$(dirname "$0")/.."
goreleaser=github.com/goreleaser/goreleaser/v2@v2.15.1
(cd packaging && npm ci --no-audit --no-fund --loglevel=error)
if [ $# -eq 0 ]; then
  set -- release --snapshot --clean --skip=publish
fi
go run "$goreleaser" "$@"
go run ./packaging/bundle
