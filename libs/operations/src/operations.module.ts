import { Module } from '@nestjs/common';
import { OperationEventPublisher } from './operation-event.publisher';
import { OperationStore } from './operation.store';
import { OperationUpdatesListener } from './operation-updates.listener';
import { IdempotencyStore } from './idempotency.store';
import { SubmitUpdateUseCase } from './usecases/submit-update/submit-update.usecase';
import { WaitForOperationUseCase } from './usecases/wait-for-operation/wait-for-operation.usecase';
import { TargetCompletion } from './target-completion.service';
import { AcceptUpdateUseCase } from './usecases/accept-update/accept-update.usecase';
import { ExecuteTargetUseCase } from './usecases/execute-target/execute-target.usecase';
import { PlanUpdateUseCase } from './usecases/plan-update/plan-update.usecase';
import { RecordTaskStateUseCase } from './usecases/record-task-state/record-task-state.usecase';

const providers = [
  OperationStore,
  OperationEventPublisher,
  OperationUpdatesListener,
  TargetCompletion,
  AcceptUpdateUseCase,
  PlanUpdateUseCase,
  WaitForOperationUseCase,
  IdempotencyStore,
  SubmitUpdateUseCase,
];

/** Operations: the Redis store, status rules and the use cases that accept and plan an update (gateway and worker). */
@Module({ providers, exports: providers })
export class OperationsModule {}

const executionProviders = [ExecuteTargetUseCase, RecordTaskStateUseCase];

/** The use cases that execute targets (worker only; needs an ExternalTaskWatcher). */
@Module({ imports: [OperationsModule], providers: executionProviders, exports: executionProviders })
export class OperationExecutionModule {}
