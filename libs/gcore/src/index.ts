export * from './gcore.types';
export * from './gcore.client';
export * from './gcore-error.mapper';
export * from './gcore.adapter';
export * from './l7-policy.merger';
export * from './load-balancer.mapper';
export * from './gcore.reader';
