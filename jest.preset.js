const nxPreset = require('@nx/jest/preset').default;

// SWC instead of ts-jest: the same decorator metadata Nest needs, a fraction of the time.
// Type errors are caught by each project's `typecheck` target, not by the test run.
module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  passWithNoTests: true,
  // Integration specs talk to real PostgreSQL, NATS and child processes; CI shares two cores among parallel suites.
  testTimeout: 30_000,
  // jose (v6), openid-client, @nestjs/passport (v11) and @kubernetes/client-node (1.x) ship ESM only; SWC turns them into CommonJS for Jest.
  transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi|@nestjs/passport|@kubernetes/client-node)/)'],
  setupFiles: [require.resolve('reflect-metadata')],
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
