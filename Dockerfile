# syntax=docker/dockerfile:1
# One image for the gateway, the worker and the provider sandbox (the command picks which). Built once, run as many
# times as needed: docker-compose.yml builds it a single time for every service. The stages run the same npm scripts
# `.ci/run` proves (npm ci, npm run build); the image itself is not built in CI (no Docker engine there).

# --- build: every dependency, the compiled apps, the console and the client ---
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- run: production dependencies and dist/ only, as the unprivileged `node` user ---
FROM node:20-bookworm-slim AS run
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /src/package.json ./
COPY --from=build --chown=node:node /src/node_modules ./node_modules
COPY --from=build --chown=node:node /src/dist ./dist
USER node
EXPOSE 3000
# the gateway's liveness; the worker's is on WORKER_METRICS_PORT (docker-compose.yml sets HEALTH_PORT for it)
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.HEALTH_PORT || process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/apps/gateway/src/main.js"]
