import { Global, Module } from '@nestjs/common';
import { EXTERNAL_TASK_WATCHER } from '@rpg/routing-policy';
import { GcoreSweepTrust } from './gcore-sweep-trust';
import { GcoreTaskLoopStore } from './gcore-task-loop.store';
import { GcoreTaskKeys } from './gcore-task.keys';
import { GcoreTaskPoller } from './gcore-task.poller';
import { GcoreTaskSweeper } from './gcore-task.sweeper';
import { GcoreTaskWatcher } from './gcore-task.watcher';
import { TaskDurationModel } from './task-duration.model';

/** Gcore task tracking (needs ProvidersModule and RedisModule in the app); global so operations can use the watcher by token. */
@Global()
@Module({
  providers: [
    GcoreTaskKeys,
    GcoreSweepTrust,
    TaskDurationModel,
    GcoreTaskLoopStore,
    GcoreTaskWatcher,
    { provide: EXTERNAL_TASK_WATCHER, useExisting: GcoreTaskWatcher },
  ],
  exports: [GcoreTaskKeys, GcoreSweepTrust, GcoreTaskLoopStore, GcoreTaskWatcher, EXTERNAL_TASK_WATCHER],
})
export class GcoreTasksModule {}

/** The task sweep (worker only: the gateway never lists tasks). */
@Module({ providers: [GcoreTaskSweeper], exports: [GcoreTaskSweeper] })
export class GcoreTaskSweepModule {}

/** The poller of the task loops (worker only: the gateway never polls; the worker starts it with where the news goes). */
@Module({ providers: [GcoreTaskPoller], exports: [GcoreTaskPoller] })
export class GcoreTaskPollerModule {}
