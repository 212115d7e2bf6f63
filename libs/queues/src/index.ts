export * from './queues';
export * from './job-contracts';
export * from './job-producer';
export * from './queues.module';
export * from './queue-error.reporter';
export * from './job-failure';
