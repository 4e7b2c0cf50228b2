module.exports = {
  displayName: 'kube',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/kube',
};
