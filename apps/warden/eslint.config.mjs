import baseConfig, { moduleBoundaries } from '../../eslint.config.mjs';

// Integration specs run against the Kubernetes API test server: only specs may import type:testing libs.
const specBoundaries = moduleBoundaries.map((constraint) =>
  constraint.sourceTag === 'type:app'
    ? { ...constraint, onlyDependOnLibsWithTags: [...constraint.onlyDependOnLibsWithTags, 'type:testing'] }
    : constraint,
);

export default [
  ...baseConfig,
  {
    files: ['src/**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: true, depConstraints: specBoundaries }],
    },
  },
];
