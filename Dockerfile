# syntax=docker/dockerfile:1
#
# One image for every Bun service of the monorepo (auth, file, hangout, notification and media).
# The command picks what runs:
#   docker run IMAGE                                        → bun dist/$SERVICE/main.js
#   docker run -e SERVICE=file IMAGE                          (SERVICE defaults to the build arg)
#   docker run IMAGE bun services/auth/src/migrate.ts       → one-shot migration (every service)
#   docker run IMAGE bun envoy/dev-cert.ts /certs           → self-signed edge certificate
#   docker run IMAGE bun step-ca/compose-init.ts …          → CA bootstrap and per-service keys
# docker-compose.yml sets the command explicitly for each service. The web app has its own image,
# web/Dockerfile (its static files behind nginx).
#
# The Bun version matches package.json ("packageManager": "bun@1.4.5"); deploy/compose/stack.test.ts checks it.
ARG BUN_VERSION=1.4.5

# --- 1. only the manifests, so the dependency layer is cached until a package.json changes ---
FROM oven/bun:${BUN_VERSION}-slim AS manifests
WORKDIR /src
COPY . .
# Every workspace of package.json ("packages/*", "services/*", "proto", "web"): a frozen install
# fails when one the lockfile names is missing. patches/ belongs to the lockfile too.
RUN mkdir -p /manifests \
 && cp -r package.json bun.lock bunfig.toml patches /manifests/ \
 && find packages services proto web -name package.json -not -path '*/node_modules/*' \
      -exec cp --parents {} /manifests/ \;

# --- 2. runtime image -----------------------------------------------------------------------
FROM oven/bun:${BUN_VERSION}-slim AS runtime
ARG SERVICE=auth
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
WORKDIR /app

# step-ca-init (docker-compose.yml) chowns its volumes to 1000:1000 for `bun` here and `step` in
# smallstep/step-ca; fail the build rather than the CA if the base image ever changes that.
RUN test "$(id -u bun):$(id -g bun)" = "1000:1000"

# Production dependencies of every workspace, exactly as locked.
COPY --from=manifests /manifests/ ./
RUN bun install --frozen-lockfile --production --ignore-scripts \
 && rm -rf /root/.bun/install/cache

# step-ca/*.ts import @peculiar/x509 and reflect-metadata, which the root package.json lists only
# as devDependencies; @hangout/platform depends on the same versions, so resolve them from the
# repository root through its copies (bun's isolated layout links them under the workspace).
RUN set -e; for dep in @peculiar/x509 reflect-metadata; do \
      [ -e "node_modules/$dep" ] && continue; \
      mkdir -p "node_modules/$(dirname "$dep")"; \
      ln -s "$(realpath -e "packages/platform/node_modules/$dep")" "node_modules/$dep"; \
    done

# Sources (filtered by .dockerignore: no node_modules, .data, .git, certificates).
COPY . .

# One minified bundle per service (scripts/build.ts): what the services run
# (docs/decisions/0005-production-bundles.md). Migrations and the init jobs below run from the
# sources. The build's one package of its own (the source map codec, which trims the maps to our
# code: docs/decisions/0008-runtime-memory-tuning.md) is a production dependency of the root
# package.json for this step.
RUN bun scripts/build.ts

# The step-ca init job's imports resolve (fails the build, not the CA's first start).
RUN bun -e 'await import("/app/step-ca/compose-init.ts")'

# Writable state (generated JWT keys, dev certificates) lives under /app/.data; named volumes
# mounted below it inherit the ownership set here. The certificate volumes
# (/app/.data/step-ca, read-only) are written and chowned by step-ca-init.
RUN mkdir -p /app/.data/auth /app/.data/certs && chown -R bun:bun /app/.data
USER bun

# auth HTTP / gRPC (UserDirectory), hangout HTTP, file HTTP (health, metrics) / gRPC
# (FileService), notification HTTP, media HTTP (health, metrics)
EXPOSE 3001 50052 3002 3003 50051 3004 3005
# The header limit sits above the services' own (problem+json 414/431): packages/platform/src/request-limits.ts
CMD ["sh", "-c", "exec bun --max-http-header-size=65536 dist/${SERVICE}/main.js"]
