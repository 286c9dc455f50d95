# syntax=docker/dockerfile:1
# The bot as a container: dist/ is built with the dev dependencies, then only the production
# dependencies go into the image, which runs as the unprivileged `node` user. See docs/deploy.md.
# (tests/integration/deploy/image-recipe.test.ts runs these same RUN, COPY and CMD steps on a
# clean clone, since no container runtime is at hand where the tests run.)

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
# npm ci builds dist/ (the `prepare` script); prune then drops the dev dependencies
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund
# one CLI call writes V8's code cache beside dist/cli.cjs (bin/queue-bot.js), which the image's
# unprivileged user could not write later: every `queue-bot` call in the container starts compiled
RUN node bin/queue-bot.js help >/dev/null

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# /healthz, /readyz and /metrics (the HEALTHCHECK below needs a fixed port); Slack's HTTP mode uses PORT
ENV METRICS_PORT=9464
WORKDIR /app
# a font for the text of /queue chart (resvg draws with the system's fonts; the slim image has none)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
USER node
EXPOSE 3000 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.METRICS_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
