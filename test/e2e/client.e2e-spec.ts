import { AddressInfo } from 'node:net';
import { GatewayError, RoutingPolicyClient, createRoutingPolicyClient } from '@rpg/client';
import { API_KEY, Harness, SEED, sandboxControl, startHarness } from '../support/harness';

describe('typed client (libs/client, generated from the OpenAPI document) against the running gateway', () => {
  let h: Harness;
  let client: RoutingPolicyClient;

  beforeAll(async () => {
    // the Apinizer updates here merge into a full provider policy: the per-policy pages' full list (strict default: summaries)
    h = await startHarness({ sandbox: { apinizerListMode: 'status' } });
    await h.gateway.listen(0, '127.0.0.1');
    const { port } = h.gateway.getHttpServer().address() as AddressInfo;
    client = createRoutingPolicyClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: API_KEY });
  });
  afterAll(async () => {
    await h.close();
  });

  it('updates, waits, reads, lists and looks up only through the client', async () => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
    const submitted = await client.submitUpdate(
      {
        updates: [
          {
            target: { provider: 'gcore', kind: 'l7policy', projectId: SEED.projectId, regionId: SEED.regionId, id: SEED.l7(8) },
            changes: { name: 'via-typed-client' },
          },
          {
            target: { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore', policyName: 'spare-1' },
            changes: { policy: { messageCountForInterval: 42 } },
          },
        ],
        reference: 'typed-client',
      },
      { waitSeconds: 20 },
    );
    expect(submitted.status).toBe(200);
    expect(submitted.operation.status).toBe('SUCCEEDED');

    const read = await client.getOperation(submitted.operation.id);
    expect(read).toMatchObject({ id: submitted.operation.id, status: 'SUCCEEDED', reference: 'typed-client' });

    const page = await client.listOperations({ status: 'SUCCEEDED', limit: 5 });
    expect(page.items.map((o) => o.id)).toContain(submitted.operation.id);

    const lookup = await client.lookup([
      { provider: 'gcore', kind: 'l7policy', projectId: SEED.projectId, regionId: SEED.regionId, id: SEED.l7(8) },
      { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore', policyName: 'spare-1' },
      { provider: 'gcore', kind: 'loadbalancer', projectId: SEED.projectId, regionId: SEED.regionId, id: '00000000-0000-4000-8000-00000000dead' },
    ]);
    expect(lookup.items).toHaveLength(3);
    expect(lookup.items[0]).toMatchObject({ found: true, current: { name: 'via-typed-client' } });
    expect(lookup.items[1]).toMatchObject({ found: true, current: { policy: { messageCountForInterval: 42 } } });
    expect(lookup.items[2]).toMatchObject({ found: false });

    await expect(client.getOperation('op_00000000000000000000000000')).rejects.toMatchObject({ status: 404 });
    await expect(client.submitUpdate({ updates: [] })).rejects.toBeInstanceOf(GatewayError);
  });
});
