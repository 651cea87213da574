// Jest 30 + ts-jest in ESM mode; run through hack/jest.sh (node --experimental-vm-modules).
const esmTypeScript = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testEnvironment: 'node',
  // Only the sources: .local/ holds the local cluster's etcd, whose *.snap files jest would
  // take for obsolete snapshots.
  roots: ['<rootDir>/operator', '<rootDir>/test', '<rootDir>/hack'],
};

export default {
  projects: [
    { ...esmTypeScript, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...esmTypeScript,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // They wait on a real control plane: long timeouts (hack/ runs them --runInBand).
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-setup.ts'],
    },
  ],
};
