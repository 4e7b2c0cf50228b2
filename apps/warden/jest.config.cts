module.exports = {
  displayName: 'warden',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/warden',
};
