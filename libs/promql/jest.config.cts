module.exports = {
  displayName: 'promql',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/promql',
};
