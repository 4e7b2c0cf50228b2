module.exports = {
  displayName: 'clusters',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/clusters',
  // @kubernetes/client-node 1.x and its openid-client are ES modules: compile them for Jest's CommonJS runtime.
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose)/)'],
};
