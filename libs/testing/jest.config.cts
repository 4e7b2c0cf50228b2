module.exports = {
  displayName: 'testing',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/testing',
  // The kubectl suite spawns real kubectl processes, several per test: on two busy cores that takes seconds.
  testTimeout: 60_000,
};
