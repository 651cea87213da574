# One image for the operator and the worker (issue 7 completes it). Node 24: the Kubernetes
# client needs Node >= 22.19. Runs as non-root and with a read-only root filesystem.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=optional
COPY tsconfig.json tsconfig.build.json ./
COPY operator ./operator
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --omit=optional

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
USER 65532:65532
ENTRYPOINT ["node", "--enable-source-maps"]
CMD ["dist/operator/main.js"]
