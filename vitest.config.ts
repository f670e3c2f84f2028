import { defineConfig } from 'vitest/config';

const env = {
  // The SDK warns on every client built on Node 20; the warning is noise in test output.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AWS_REGION: 'us-east-1',
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/unit/setup.ts'],
          env,
        },
      },
      { test: { name: 'cdk', include: ['test/cdk/**/*.test.ts'], env, testTimeout: 120_000 } },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          env,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // One moto server for the run; its state is reset between tests, so files run one at a time.
          globalSetup: ['test/integration/global-setup.ts'],
          fileParallelism: false,
          // After unit and cdk, before the permissions proof (a project without file parallelism
          // and without a group would otherwise run last of all).
          sequence: { groupOrder: 1 },
          env: { ...env, SIGNING_CERT_AUDIT_CALLS_SOURCE: 'integration' },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'permissions',
          include: ['test/permissions/**/*.test.ts'],
          // After every other project: the proof reads the calls the integration suite recorded.
          sequence: { groupOrder: 2 },
          env,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
