/**
 * Jest runs the TypeScript tests through ts-jest in transpile-only mode (type checking is `npm run typecheck`), as
 * two projects:
 * - `unit` (`npm test`, `npm run test:unit`): everything that runs in this process and needs no tool outside
 *   node_modules; the fast feedback loop. Its scripts run one worker per core (`--maxWorkers=100%`; jest's default
 *   is one fewer, which on 2 cores is one): the Pulumi program tests take a worker, the rest share the other.
 * - `integration` (`npm run test:integration`, also run by .ci/run): the tests that start a control plane, API servers,
 *   the cdk8s CLI, eslint, promtool/amtool, openssl, the Chaos Toolkit venv or the schema validator as processes of
 *   their own, and the checks against ../shared's reference CRDs.
 * `npx jest <path>` runs the given files whichever project they are in.
 */
const INTEGRATION = [
  'test/cluster/control-plane.test.ts', // a local control plane (kube-apiserver, etcd, kwok)
  'test/results/kube-api.test.ts', // API servers on 127.0.0.1 and `npm run results` through tsx
  'test/stacks/synth-entry.test.ts', // the real `npx cdk8s synth`
  'test/lint/layering.test.ts', // eslint over fixtures
  'test/monitoring/tools.test.ts', // promtool and amtool
  'test/constructs/slo-promtool.test.ts', // promtool
  'test/chaostoolkit/validate.test.ts', // `chaos validate` in the Chaos Toolkit venv
  'test/monitoring/manifests.test.ts', // the schema validator of ../shared
  'test/chaostoolkit/schema.test.ts', // the schema validator, on bookinfo and the runners
  'test/stacks/schema.test.ts', // the schema validator, on every environment's stack
  'test/cluster/real-node-tools.test.ts', // openssl (the real node's certificates) and the cluster CLI as a process
  'test/pulumi/crd-pins.test.ts', // the pins against ../shared's reference CRDs (megabytes of YAML)
];

const base = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', ...INTEGRATION.map((f) => `<rootDir>/${f}`)] },
    { ...base, displayName: 'integration', testMatch: INTEGRATION.map((f) => `<rootDir>/${f}`) },
  ],
};
