export * from './problem';
export * from './problem-mapper';
export * from './problem-reply';
export * from './problem-exception.filter';
export * from './api-key.guard';
export * from './validation';
export * from './outbound-url.policy';
export * from './common.module';
