# The openphone-mcp container image: a static binary on a distroless base,
# run as a non-root user. It serves MCP over stdio by default:
#
#   docker run -i --rm -e OPENPHONE_API_KEY ghcr.io/openphone-mcp/openphone-mcp
#
# and over Streamable HTTP with arguments (a token is required off loopback):
#
#   docker run --rm -p 8080:8080 -e OPENPHONE_API_KEY -e OPENPHONE_MCP_AUTH_TOKEN \
#     ghcr.io/openphone-mcp/openphone-mcp --transport http --addr 0.0.0.0:8080
FROM golang:1.26-bookworm AS build
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/openphone-mcp .
# The state directory (the store and the write ledger), the user's own: a
# volume mounted on it starts with its owner and mode.
RUN mkdir -m 700 -p /out/state

FROM gcr.io/distroless/static-debian12:nonroot
LABEL io.modelcontextprotocol.server.name="io.github.openphone-mcp/openphone-mcp" \
      org.opencontainers.image.source="https://github.com/openphone-mcp/openphone-mcp" \
      org.opencontainers.image.description="MCP server for OpenPhone (Quo): read conversations, messages and calls" \
      org.opencontainers.image.licenses="MIT"
COPY --from=build /out/openphone-mcp /openphone-mcp
COPY --from=build --chown=65532:65532 /out/state /home/nonroot/.local/state/openphone-mcp
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/openphone-mcp"]
