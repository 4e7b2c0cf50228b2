import baseConfig from '../../eslint.config.mjs';

// Contracts are types and DTOs shared by every app and the web client: no runtime of a database, a bus or a cluster.
export default [
  ...baseConfig,
  {
    files: ['**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['typeorm', 'pg', 'nats', '@kubernetes/client-node'].map((name) => ({
            name,
            message: 'libs/contracts (type:contracts) must not depend on runtime clients; put this in a data-access lib.',
          })),
          patterns: [
            {
              group: ['typeorm/*', 'pg/*', 'nats/*', '@kubernetes/client-node/*'],
              message: 'libs/contracts must not depend on runtime clients.',
            },
          ],
        },
      ],
    },
  },
];
