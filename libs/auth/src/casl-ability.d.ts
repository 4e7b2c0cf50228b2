/**
 * @casl/ability v7 declares its types only through package.json `exports`, which the repo's
 * `moduleResolution: node` does not read; these ambient modules point TypeScript at them.
 * index.ts references this file, so every project importing @cube/auth gets it too.
 */
declare module '@casl/ability' {
  export * from '@casl/ability/dist/types/index';
}
declare module '@casl/ability/extra' {
  export * from '@casl/ability/dist/types/extra/index';
}
