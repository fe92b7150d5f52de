# keyop-messenger daemon image. Build from a clone: docker build -t keyop-messenger .
# Run: docker run -v keyop-data:/var/lib/keyop-messenger -v ./config.yaml:/etc/keyop-messenger/config.yaml:ro \
#        -p 7740:7740 -p 4437:4437 keyop-messenger
# The config must listen on 0.0.0.0 to be reachable from outside the container, and a non-loopback
# HTTP listener needs http.auth (see README, "Durable Streams over HTTP").
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY cmd cmd
COPY src src
COPY internal internal
COPY bench bench
COPY scripts/bundle.mjs scripts/
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production KEYOP_MESSENGER_DATA_DIR=/var/lib/keyop-messenger/data
WORKDIR /opt/keyop-messenger
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
# ui/: the web console's static files (http.console), read from beside dist/.
COPY ui ui
COPY config.example.yaml LICENSE ./
RUN mkdir -p /var/lib/keyop-messenger /etc/keyop-messenger && chown node:node /var/lib/keyop-messenger
USER node
VOLUME /var/lib/keyop-messenger
EXPOSE 7740 4437
# Exit 78 means an invalid config: do not restart on it.
ENTRYPOINT ["node", "/opt/keyop-messenger/dist/bundle/cli.js"]
CMD ["run", "-c", "/etc/keyop-messenger/config.yaml"]
