/** Each target's drift: IN_SYNC, or DRIFTED with what the operation left against what the provider has now. */
import type { DriftItem } from '@routing-policy-gateway/client';
import { targetLabel } from '../format';
import { DiffTable } from './diff-table';
import { StatusBadge } from './status-badge';

export function DriftList({ items, label }: { items: DriftItem[]; label: string }) {
  return (
    <ul class="plain drift-list" aria-label={label}>
      {items.map((item) => (
        <li key={item.index} class="card">
          <p>
            Target {item.index + 1}: {targetLabel(item.target)} <StatusBadge status={item.state} />
          </p>
          {item.diff && item.diff.length > 0 && (
            <DiffTable
              caption={`Changed since, target ${item.index + 1}`}
              fromLabel="Applied by this operation"
              toLabel="Current"
              rows={item.diff.map((d) => ({ field: d.field, from: d.applied, to: d.current }))}
            />
          )}
          {item.reason && <p>{item.reason}</p>}
          {item.error && (
            <p>
              {item.error.code}: {item.error.message}
            </p>
          )}
        </li>
      ))}
    </ul>
  );
}
