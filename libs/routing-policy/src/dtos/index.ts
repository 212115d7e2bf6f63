export * from './targets.dto';
export * from './changes.dto';
export * from './rollout.dto';
export * from './update-request.dto';
export * from './operation.dto';
