/** What each provider said about one target: Gcore's tasks and their states, Apinizer's answer and deployment per environment. */
import type { ApinizerResult, GcoreResult } from '@routing-policy-gateway/client';
import { formatTime } from '../format';
import { StatusBadge } from './status-badge';

export function GcoreTasks({ gcore }: { gcore: GcoreResult }) {
  if (gcore.tasks.length === 0) return <p>Gcore answered no task (nothing to wait for).</p>;
  return (
    <div class="table-scroll">
      <table>
        <caption>Gcore tasks</caption>
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">State</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {gcore.tasks.map((task) => (
            <tr key={task.id}>
              <td>
                <code>{task.id}</code>
              </td>
              <td>
                <StatusBadge status={task.state} />
              </td>
              <td>{task.error ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface EnvironmentDeployment {
  environment?: string;
  pod?: string;
  success: boolean | undefined;
  message?: string;
}

/** Both documented shapes of Apinizer's deploymentResult: per pod (`detailList`) and per environment (`deploymentResults`). */
export function deploymentsOf(deploymentResult: unknown): EnvironmentDeployment[] {
  if (typeof deploymentResult !== 'object' || deploymentResult === null) return [];
  const result = deploymentResult as { detailList?: unknown; deploymentResults?: unknown };
  const rows: EnvironmentDeployment[] = [];
  for (const item of Array.isArray(result.detailList) ? (result.detailList as Record<string, unknown>[]) : []) {
    rows.push({ environment: text(item.envName), pod: text(item.podName), success: bool(item.success), message: text(item.message) });
  }
  for (const item of Array.isArray(result.deploymentResults) ? (result.deploymentResults as Record<string, unknown>[]) : []) {
    rows.push({ environment: text(item.environmentName), success: bool(item.success), message: text(item.message) });
  }
  return rows;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const bool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);

export function ApinizerDetails({ apinizer, requestedEnvironments }: { apinizer: ApinizerResult; requestedEnvironments: string[] }) {
  const deployments = deploymentsOf(apinizer.deploymentResult);
  return (
    <>
      <dl class="facts">
        <dt>Apinizer answer</dt>
        <dd>{apinizer.status ?? 'not sent (dry run)'}</dd>
        {apinizer.mergedFrom && (
          <>
            <dt>Merged from</dt>
            <dd>
              {apinizer.mergedFrom}
              {apinizer.lastAppliedAt && <> (last applied {formatTime(apinizer.lastAppliedAt)})</>}
            </dd>
          </>
        )}
      </dl>
      {deployments.length > 0 ? (
        <div class="table-scroll">
          <table>
            <caption>Apinizer deployment per environment</caption>
            <thead>
              <tr>
                <th scope="col">Environment</th>
                <th scope="col">Pod</th>
                <th scope="col">Result</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {deployments.map((d, i) => (
                <tr key={`${d.environment}-${i}`}>
                  <th scope="row">{d.environment ?? '(unnamed)'}</th>
                  <td>{d.pod ?? '—'}</td>
                  <td>
                    <StatusBadge status={d.success === true ? 'SUCCEEDED' : d.success === false ? 'FAILED' : 'UNKNOWN'} />
                  </td>
                  <td>{d.message ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        requestedEnvironments.length > 0 && <p>No deployment result yet for {requestedEnvironments.join(', ')}.</p>
      )}
    </>
  );
}
