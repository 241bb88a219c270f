# syntax=docker/dockerfile:1
# One image for the app and its workers (`scalewright app`, `scalewright worker`, and later the
# collector and scaler). Two ways to build it:
#   with a registry:     docker build -t scalewright .                       (stages build → runtime)
#   without a registry:  image/build.sh                                      (stage runtime-prebuilt,
#                        on a base image made from the machine's own node by image/local-base.sh)
ARG BASE_IMAGE=node:20-bookworm-slim
ARG BUILD_IMAGE=node:20-bookworm

# The healthcheck runs inside the container's CPU budget, every few seconds: it is a static busybox
# `nc` (image/healthcheck.sh, a few ms of CPU), not a Node process (about 0.3 CPU-s, seconds at 0.1 CPU).
# Artefacts built on the host by image/build.sh (dist/, production node_modules/, skeleton/).
# First in the file so that the classic builder, which builds every stage before its target,
# needs nothing but the base image for it.
FROM ${BASE_IMAGE} AS runtime-prebuilt
WORKDIR /app
COPY --chown=1000:1000 skeleton/ /
COPY --chown=1000:1000 package.json /app/package.json
COPY --chown=1000:1000 node_modules /app/node_modules
COPY --chown=1000:1000 dist /app/dist
COPY healthcheck.sh /app/healthcheck.sh
ENV NODE_ENV=production DATA_DIR=/var/lib/scalewright/data OUTPUT_DIR=/var/lib/scalewright/output UPLOAD_DIR=/var/lib/scalewright/uploads
USER 1000:1000
EXPOSE 8080 9465
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["/app/healthcheck.sh"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["app"]

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY cli cli
COPY common common
COPY app app
COPY collector collector
COPY scaler scaler
COPY demo demo
RUN npm run build && npm prune --omit=dev --ignore-scripts \
 && mkdir -p /skeleton/var/lib/scalewright/data /skeleton/var/lib/scalewright/output /skeleton/var/lib/scalewright/uploads

FROM ${BASE_IMAGE} AS runtime
WORKDIR /app
# A static busybox for the healthcheck's HTTP probe (image/healthcheck.sh).
COPY --from=busybox:1.36.1-musl /bin/busybox /bin/busybox
COPY --from=build --chown=1000:1000 /skeleton/ /
COPY --from=build --chown=1000:1000 /src/package.json /app/package.json
COPY --from=build --chown=1000:1000 /src/node_modules /app/node_modules
COPY --from=build --chown=1000:1000 /src/dist /app/dist
COPY image/healthcheck.sh /app/healthcheck.sh
ENV NODE_ENV=production DATA_DIR=/var/lib/scalewright/data OUTPUT_DIR=/var/lib/scalewright/output UPLOAD_DIR=/var/lib/scalewright/uploads
USER 1000:1000
EXPOSE 8080 9465
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["/app/healthcheck.sh"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["app"]
