import { Global, Module } from '@nestjs/common';
import { EXTERNAL_TASK_WATCHER } from '@rpg/routing-policy';
import { GcoreTaskWatcher } from './gcore-task.watcher';
import { TaskDurationModel } from './task-duration.model';

/** Gcore task tracking (needs ProvidersModule and QueuesModule in the app); global so operations can use the watcher by token. */
@Global()
@Module({
  providers: [TaskDurationModel, GcoreTaskWatcher, { provide: EXTERNAL_TASK_WATCHER, useExisting: GcoreTaskWatcher }],
  exports: [GcoreTaskWatcher, EXTERNAL_TASK_WATCHER],
})
export class GcoreTasksModule {}
