import { formatValue } from '../format';

export interface DiffRow {
  field: string;
  from: unknown;
  to: unknown;
}

/** Field-by-field differences (before → applied, applied → current, ...), one row per field. */
export function DiffTable({ caption, fromLabel, toLabel, rows }: { caption: string; fromLabel: string; toLabel: string; rows: DiffRow[] }) {
  if (rows.length === 0) return <p class="muted">{caption}: no difference.</p>;
  return (
    <div class="table-scroll">
      <table class="diff">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">{fromLabel}</th>
            <th scope="col">{toLabel}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.field}>
              <th scope="row">
                <code>{row.field}</code>
              </th>
              <td class="diff-from">
                <code>{formatValue(row.from)}</code>
              </td>
              <td class="diff-to">
                <code>{formatValue(row.to)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
