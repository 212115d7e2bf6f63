/**
 * The request as JSON, with the fields a problem names highlighted and their messages beside them. A path the request
 * lacks (a required field) marks its nearest parent that exists.
 */
import type { ComponentChildren } from 'preact';
import type { FieldError } from '../problems';

export function JsonTree({ value, errors, label }: { value: unknown; errors: FieldError[]; label: string }) {
  const marks = new Map<string, string[]>();
  for (const error of errors) {
    const at = nearestExisting(value, error.path);
    marks.set(at, [...(marks.get(at) ?? []), at === error.path ? error.message : `${error.path}: ${error.message}`]);
  }
  return (
    <pre class="json json-tree" tabIndex={0} role="region" aria-label={label}>
      <Node value={value} path="" marks={marks} indent="" />
    </pre>
  );
}

function Node({ value, path, marks, indent }: { value: unknown; path: string; marks: Map<string, string[]>; indent: string }): ComponentChildren {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    if (items.length === 0) return '[]';
    return (
      <>
        {'[\n'}
        {items.map((item, i) => (
          <Entry key={i} path={`${path}[${i}]`} marks={marks} indent={inner} last={i === items.length - 1}>
            <Node value={item} path={`${path}[${i}]`} marks={marks} indent={inner} />
          </Entry>
        ))}
        {`${indent}]`}
      </>
    );
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return (
      <>
        {'{\n'}
        {entries.map(([key, item], i) => {
          const child = path ? `${path}.${key}` : key;
          return (
            <Entry key={key} path={child} marks={marks} indent={inner} last={i === entries.length - 1} name={key}>
              <Node value={item} path={child} marks={marks} indent={inner} />
            </Entry>
          );
        })}
        {`${indent}}`}
      </>
    );
  }
  return JSON.stringify(value);
}

function Entry(props: { path: string; marks: Map<string, string[]>; indent: string; last: boolean; name?: string; children: ComponentChildren }) {
  const messages = props.marks.get(props.path);
  const content = (
    <>
      {props.name !== undefined && `${JSON.stringify(props.name)}: `}
      {props.children}
    </>
  );
  return (
    <>
      {props.indent}
      {messages ? <mark title={messages.join('; ')}>{content}</mark> : content}
      {props.last ? '' : ','}
      {messages && <span class="inline-error"> ← {messages.join('; ')}</span>}
      {'\n'}
    </>
  );
}

/** The longest prefix of `path` (`updates[0].changes.x`) that exists in `value`; '' is the whole request. */
function nearestExisting(value: unknown, path: string): string {
  const steps = path.match(/[^.[\]]+/g) ?? [];
  let node: unknown = value;
  let found = '';
  for (const step of steps) {
    if (typeof node !== 'object' || node === null || !(step in node)) break;
    node = (node as Record<string, unknown>)[step];
    found = appendStep(found, step, path);
  }
  return found;
}

/** Re-spells one step the way `path` does (`[0]` for indexes, `.key` otherwise). */
function appendStep(prefix: string, step: string, path: string): string {
  const asIndex = `${prefix}[${step}]`;
  if (/^\d+$/.test(step) && path.startsWith(asIndex)) return asIndex;
  return prefix ? `${prefix}.${step}` : step;
}
