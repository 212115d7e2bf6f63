import { Module } from '@nestjs/common';
import { OperationEventPublisher } from './operation-event.publisher';
import { OperationStore } from './operation.store';
import { OperationFeed } from './operation-feed';
import { OperationSecretMasker } from './operation-secret.masker';
import { OperationUpdatesListener } from './operation-updates.listener';
import { IdempotencyStore } from './idempotency.store';
import { IdempotentAcceptance } from './idempotent-acceptance';
import { SubmitUpdateUseCase } from './usecases/submit-update/submit-update.usecase';
import { WaitForOperationUseCase } from './usecases/wait-for-operation/wait-for-operation.usecase';
import { TargetCompletion } from './target-completion.service';
import { AcceptUpdateUseCase } from './usecases/accept-update/accept-update.usecase';
import { ExecuteTargetUseCase } from './usecases/execute-target/execute-target.usecase';
import { PlanUpdateUseCase } from './usecases/plan-update/plan-update.usecase';
import { RecordTaskStateUseCase } from './usecases/record-task-state/record-task-state.usecase';
import { GetOperationUseCase } from './usecases/get-operation/get-operation.usecase';
import { IssueStreamTokenUseCase } from './usecases/issue-stream-token/issue-stream-token.usecase';
import { GetDriftUseCase } from './usecases/get-drift/get-drift.usecase';
import { RevertOperationUseCase } from './usecases/revert-operation/revert-operation.usecase';
import { ListOperationsUseCase } from './usecases/list-operations/list-operations.usecase';
import { RecoverUnconfirmedOperationsUseCase } from './usecases/recover-unconfirmed-operations/recover-unconfirmed-operations.usecase';
import { ReconcileRolloutsUseCase } from './usecases/reconcile-rollouts/reconcile-rollouts.usecase';
import { ResumeRolloutUseCase } from './usecases/resume-rollout/resume-rollout.usecase';
import { DispatchAcceptedOperationsUseCase } from './usecases/dispatch-accepted-operations/dispatch-accepted-operations.usecase';
import { LaneStarter } from './lane-starter';
import { RolloutStore } from './rollout/rollout.store';
import { RolloutCoordinator } from './rollout/rollout-coordinator';
import { CompensationPlanner } from './rollout/compensation-planner';

const providers = [
  OperationSecretMasker,
  OperationStore,
  OperationEventPublisher,
  OperationUpdatesListener,
  OperationFeed,
  TargetCompletion,
  LaneStarter,
  RolloutStore,
  RolloutCoordinator,
  CompensationPlanner,
  AcceptUpdateUseCase,
  PlanUpdateUseCase,
  WaitForOperationUseCase,
  IdempotencyStore,
  IdempotentAcceptance,
  SubmitUpdateUseCase,
  GetOperationUseCase,
  ListOperationsUseCase,
  IssueStreamTokenUseCase,
  GetDriftUseCase,
  RevertOperationUseCase,
];

/** Operations: the Redis store, status rules and the use cases that accept, plan and read operations (gateway and worker). */
@Module({ providers, exports: providers })
export class OperationsModule {}

const executionProviders = [
  ExecuteTargetUseCase,
  RecordTaskStateUseCase,
  RecoverUnconfirmedOperationsUseCase,
  ReconcileRolloutsUseCase,
  ResumeRolloutUseCase,
  DispatchAcceptedOperationsUseCase,
];

/** The use cases that execute targets, drive rollouts and repair unconfirmed operations (worker only; needs an ExternalTaskWatcher). */
@Module({ imports: [OperationsModule], providers: executionProviders, exports: executionProviders })
export class OperationExecutionModule {}
