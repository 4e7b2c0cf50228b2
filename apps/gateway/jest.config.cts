module.exports = {
  displayName: 'gateway',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/gateway',
  // @kubernetes/client-node 1.x (the proxy reads kubeconfigs with it) and its openid-client are ES
  // modules: compile them for Jest's CommonJS runtime.
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose)/)'],
};
