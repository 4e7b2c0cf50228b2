module.exports = {
  displayName: 'testing',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/testing',
  // The kubectl suite spawns real kubectl processes, several per test: on two busy cores that takes seconds.
  testTimeout: 60_000,
  // @kubernetes/client-node 1.x and its openid-client are ES modules: compile them for Jest's CommonJS runtime.
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose)/)'],
};
