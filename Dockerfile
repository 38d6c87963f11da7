# The CLI in a container (README, Operating it): docker build -t gladly-enterpret . && docker run --rm gladly-enterpret --version
# Built from this checkout on the official Node.js LTS image; runs as the image's non-root user `node`.
FROM node:24-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# npm pack builds first (prepack): the package npm would publish.
RUN mkdir dist && npm pack --pack-destination dist

FROM node:24-bookworm-slim
COPY --from=build /build/dist/ /tmp/package/
RUN npm install --global --no-audit --no-fund /tmp/package/gladly-enterpret-*.tgz \
  && rm -r /tmp/package \
  && npm cache clean --force
USER node
# Settings, state and logs in one folder: mount a volume here so the state outlives the container.
ENV GLADLY_ENTERPRET_HOME=/home/node/gladly-enterpret \
  NODE_ENV=production
RUN mkdir -p /home/node/gladly-enterpret
VOLUME ["/home/node/gladly-enterpret"]
WORKDIR /home/node
ENTRYPOINT ["gladly-enterpret"]
CMD ["import"]
