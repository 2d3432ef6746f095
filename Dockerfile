# syntax=docker/dockerfile:1
#
# One image for every Bun service of the monorepo (auth now; hangout and file later).
# The command picks what runs:
#   docker run IMAGE                                        → bun services/$SERVICE/src/main.ts
#   docker run -e SERVICE=auth IMAGE                          (SERVICE defaults to the build arg)
#   docker run IMAGE bun services/auth/src/migrate.ts       → one-shot migration
#   docker run IMAGE bun envoy/dev-cert.ts /certs           → self-signed edge certificate
# docker-compose.yml sets the command explicitly for each service.
#
# The Bun version matches package.json ("packageManager": "bun@1.4.5"); telemetry.test.ts checks it.
ARG BUN_VERSION=1.4.5

# --- 1. only the manifests, so the dependency layer is cached until a package.json changes ---
FROM oven/bun:${BUN_VERSION}-slim AS manifests
WORKDIR /src
COPY . .
RUN mkdir -p /manifests \
 && cp package.json bun.lock bunfig.toml /manifests/ \
 && find packages services -name package.json -not -path '*/node_modules/*' \
      -exec cp --parents {} /manifests/ \;

# --- 2. runtime image -----------------------------------------------------------------------
FROM oven/bun:${BUN_VERSION}-slim AS runtime
ARG SERVICE=auth
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
WORKDIR /app

# Production dependencies of every workspace, exactly as locked.
COPY --from=manifests /manifests/ ./
RUN bun install --frozen-lockfile --production --ignore-scripts \
 && rm -rf /root/.bun/install/cache

# Sources (filtered by .dockerignore: no node_modules, .data, .git, certificates).
COPY . .

# Writable state (generated JWT keys, dev certificates) lives under /app/.data; named volumes
# mounted below it inherit the ownership set here.
RUN mkdir -p /app/.data/auth /app/.data/certs && chown -R bun:bun /app/.data
USER bun

EXPOSE 3001
CMD ["sh", "-c", "exec bun services/${SERVICE}/src/main.ts"]
