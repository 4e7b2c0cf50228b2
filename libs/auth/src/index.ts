// The ambient module declarations must reach every project that imports @cube/auth; an `import`
// cannot carry a script file, hence the reference.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./casl-ability.d.ts" />
export * from './platform-subjects';
export * from './native-rules';
export * from './roles';
export * from './ability.factory';
export * from './grant-policy';
export * from './grantable-roles';
export * from './ability-cache';
export * from './jwks-key-set';
export * from './access-token-verifier';
export * from './native-bindings';
export * from './readable-where';
export * from './binding-row';
export * from './webhook-token';
