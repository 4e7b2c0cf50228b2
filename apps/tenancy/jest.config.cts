module.exports = {
  displayName: 'tenancy',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/tenancy',
};
