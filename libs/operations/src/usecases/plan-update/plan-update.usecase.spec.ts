import { ProviderAdapterRegistry } from '@rpg/providers';
import { ProviderAdapter, validateUpdateRequest } from '@rpg/routing-policy';
import { OperationSecretMasker } from '../../operation-secret.masker';
import { PlanUpdateUseCase } from './plan-update.usecase';

/** An adapter that plans one PATCH per update and writes nothing. */
const adapter = {
  supports: () => true,
  plan: async (update) => ({ calls: [{ method: 'PATCH', path: '/x', body: update.changes as Record<string, unknown> }], diff: [] }),
} as Partial<ProviderAdapter> as ProviderAdapter;

const body = (count: number, rollout?: object) => ({
  dryRun: true,
  updates: Array.from({ length: count }, (_, i) => ({
    target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: `d1b2c3d4-0000-4000-8000-${String(i).padStart(12, '0')}` },
    changes: { name: `policy-${i}-name` },
  })),
  ...(rollout && { rollout }),
});

describe('PlanUpdateUseCase: a staged rollout in a dry run', () => {
  const registry = new ProviderAdapterRegistry([adapter]);
  const useCase = new PlanUpdateUseCase(registry, new OperationSecretMasker(registry));

  it('shows the resolved batches as PLANNED, none started', async () => {
    const request = validateUpdateRequest(body(4, { batches: [1, 'rest'], pauseSeconds: 30, onFailure: 'revert' }));
    const operation = await useCase.execute({ request, apiKeyName: 'web' });
    expect(operation.rollout).toEqual({ batches: [[0], [1, 2, 3]], pauseSeconds: 30, onFailure: 'revert', current: 0, state: 'PLANNED' });
    expect(operation).toMatchObject({ status: 'SUCCEEDED', dryRun: true });
    expect(operation.results.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('fills the defaults of an empty rollout', async () => {
    const operation = await useCase.execute({ request: validateUpdateRequest(body(2, {})), apiKeyName: 'web' });
    expect(operation.rollout).toEqual({ batches: [[0, 1]], pauseSeconds: 0, onFailure: 'continue', current: 0, state: 'PLANNED' });
  });

  it('has no rollout when the request has none', async () => {
    const operation = await useCase.execute({ request: validateUpdateRequest(body(2)), apiKeyName: 'web' });
    expect(operation).not.toHaveProperty('rollout');
  });
});
