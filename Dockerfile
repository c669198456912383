# syntax=docker/dockerfile:1
# One image for the gateway and the hub: `docker run … helserom gateway --config /etc/helserom/room.yaml`
# or `… hub --config /etc/helserom/hub.yaml`. Multi-arch by construction: build it with
#   docker buildx build --platform linux/amd64,linux/arm64 -t helserom .
# Each platform's stage runs `npm ci` on that platform, so native parts (serialport's binding)
# are the right ones for it; node_modules is never copied from one architecture to another.

ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# Toolchain only for the rare case where serialport has no prebuilt binding for the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY protocol ./protocol
COPY gateway ./gateway
COPY drivers ./drivers
COPY cloud ./cloud
COPY cli ./cli
COPY dashboards ./dashboards
COPY flows ./flows
RUN npm run build && npm run build:pages && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HELSEROM_LOG_LEVEL=info
WORKDIR /app
# The image's `node` user (uid 1000) runs everything; `dialout` lets it open USB serial adapters
# (/dev/ttyUSB*) passed in with --device.
RUN usermod -a -G dialout node \
 && mkdir -p /var/lib/helserom /etc/helserom \
 && chown node:node /var/lib/helserom
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# Files read at run time beside the code: the web pages, Node-RED nodes and flows, simulator certificates.
COPY --from=build --chown=node:node /app/dashboards ./dashboards
COPY --from=build --chown=node:node /app/flows ./flows
COPY --from=build --chown=node:node /app/drivers/hololens/sim-tls ./drivers/hololens/sim-tls
USER node
# State lives in the volume, and only there is writable by `node`: a room config needs
# `dataDir: /var/lib/helserom` (as gateway/room.example.yaml has it), a hub config
# `dataDir: /var/lib/helserom/hub` (hub.example.yaml's ./data/hub would land in read-only /etc/helserom).
VOLUME ["/var/lib/helserom"]
# gateway: local MQTT 1884, HTTP 8081 · hub: MQTT 1883, MQTT/TLS 8883, HTTP 8080 · Node-RED 1880
EXPOSE 1883 1884 1880 8080 8081 8883
# Both parts answer /healthz on their HTTP port; HELSEROM_HEALTH_URL picks which (default: gateway).
ENV HELSEROM_HEALTH_URL=http://127.0.0.1:8081/healthz
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.HELSEROM_HEALTH_URL).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["gateway", "--config", "/etc/helserom/room.yaml"]
