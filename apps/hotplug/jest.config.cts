module.exports = {
  displayName: 'hotplug',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/hotplug',
};
