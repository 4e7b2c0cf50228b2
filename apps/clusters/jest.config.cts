module.exports = {
  displayName: 'clusters',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/clusters',
};
