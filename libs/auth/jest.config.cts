module.exports = {
  displayName: 'auth',
  preset: '../../jest.preset.js',
  // jose v6 ships ESM only; let SWC turn it into CommonJS like our own sources.
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  coverageDirectory: '../../coverage/libs/auth',
};
