// End-to-end suites: the built apps as `npm start` runs them, real PostgreSQL and NATS.
module.exports = {
  displayName: 'cube-e2e',
  preset: '../../jest.preset.js',
  testTimeout: 120_000,
  coverageDirectory: '../../coverage/apps/cube-e2e',
};
