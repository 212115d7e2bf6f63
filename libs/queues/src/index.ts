export * from './queues';
export * from './queues.module';
export * from './queue-error.reporter';
export * from './job-failure';
