export * from './gcore-task.schedule';
export * from './gcore-task.watcher';
export * from './task-duration.model';
export * from './gcore-tasks.module';
export * from './gcore-task.keys';
export * from './gcore-task.sweeper';
export * from './gcore-sweep-trust';
export * from './gcore-open-task.lister';
