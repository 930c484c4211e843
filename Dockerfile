# A small image of redrill: the static binary, CA certificates, a non-root
# user, busybox for the commands drills run (sh, rm, cp), and the example
# scenarios. `docker run --rm IMAGE` runs the quick start drill.
#   docker build -t redrill .
#   docker run --rm redrill
#   docker run -d -p 8080:8080 -v redrill:/var/lib/redrill -v ./scenarios:/etc/redrill/scenarios:ro \
#     -e REDRILL_TOKEN=... redrill serve /etc/redrill/scenarios --listen 0.0.0.0:8080
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
ARG COMMIT=
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/redrill/redrill/internal/buildinfo.version=${VERSION} -X github.com/redrill/redrill/internal/buildinfo.commit=${COMMIT}" \
      -o /out/redrill ./cmd/redrill

FROM busybox:1.37
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/redrill /usr/bin/redrill
COPY scenarios/examples/ /usr/share/redrill/examples/
RUN adduser -D -H -u 10001 -h /var/lib/redrill redrill \
 && mkdir -p /var/lib/redrill /etc/redrill/scenarios \
 && chown redrill:redrill /var/lib/redrill
# The history and spool: $XDG_STATE_HOME/redrill.
ENV XDG_STATE_HOME=/var/lib
USER redrill
WORKDIR /var/lib/redrill
VOLUME /var/lib/redrill
EXPOSE 8080
ENTRYPOINT ["/usr/bin/redrill"]
CMD ["run", "/usr/share/redrill/examples/quickstart.hcl"]
