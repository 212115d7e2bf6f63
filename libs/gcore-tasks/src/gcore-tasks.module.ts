import { Global, Module } from '@nestjs/common';
import { EXTERNAL_TASK_WATCHER } from '@rpg/routing-policy';
import { GcoreSweepTrust } from './gcore-sweep-trust';
import { GcoreTaskKeys } from './gcore-task.keys';
import { GcoreTaskSweeper } from './gcore-task.sweeper';
import { GcoreTaskWatcher } from './gcore-task.watcher';
import { TaskDurationModel } from './task-duration.model';

/** Gcore task tracking (needs ProvidersModule and QueuesModule in the app); global so operations can use the watcher by token. */
@Global()
@Module({
  providers: [GcoreTaskKeys, GcoreSweepTrust, TaskDurationModel, GcoreTaskWatcher, { provide: EXTERNAL_TASK_WATCHER, useExisting: GcoreTaskWatcher }],
  exports: [GcoreTaskKeys, GcoreSweepTrust, GcoreTaskWatcher, EXTERNAL_TASK_WATCHER],
})
export class GcoreTasksModule {}

/** The task sweep (worker only: the gateway never lists tasks). */
@Module({ providers: [GcoreTaskSweeper], exports: [GcoreTaskSweeper] })
export class GcoreTaskSweepModule {}
