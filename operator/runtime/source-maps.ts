// Preloaded by the operator's container (the chart's NODE_OPTIONS: --import of this file):
// source-mapped stack traces for the operator's own code, but not for node_modules, whose maps
// (@kubernetes/client-node alone ships ~2,700) --enable-source-maps would parse and hold at
// start: ~27 MiB of an idle operator's resident memory, for stack traces through library code.
import module from 'node:module';

module.setSourceMapsSupport(true, { nodeModules: false, generatedCode: false });
