/** A JSON value, pretty-printed in a scrollable (and keyboard-scrollable) block. */
export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  return (
    <pre class="json" tabIndex={0} role="region" aria-label={label}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}
