export * from './dtos';
export * from './model';
export * from './provider-error';
export * from './provider-adapter';
export * from './update-request.validator';
export * from './rollout-plan';
export * from './json-merge-patch';
export * from './target-ref';
