// Builds the package with plain tsc: dist/esm (ES modules, loadable by a browser as they are) and dist/cjs (CommonJS),
// each with its .d.ts and a package.json saying its module type; then checks that the output imports nothing but its
// own files and uses no Node globals. `--out <dir>` builds elsewhere (the package spec does).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const out = outArg === -1 ? join(pkg, 'dist') : resolve(process.argv[outArg + 1]);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(out, { recursive: true, force: true });
for (const [config, dir, type] of [
  ['tsconfig.esm.json', 'esm', 'module'],
  ['tsconfig.cjs.json', 'cjs', 'commonjs'],
]) {
  const result = spawnSync(process.execPath, [tsc, '-p', join(pkg, config), '--outDir', join(out, dir)], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  mkdirSync(join(out, dir), { recursive: true });
  writeFileSync(join(out, dir, 'package.json'), JSON.stringify({ type }) + '\n');
}

// every import, export-from, dynamic import and require in the output must be one of its own files, except the webhook
// verifier (the separate entry point ./webhooks), which may import its one dependency, standardwebhooks
const DEPENDENCIES_OF = { 'webhooks.js': ['standardwebhooks'], 'webhooks.d.ts': ['standardwebhooks'] };
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])([^'"]+)\1/g;
const NODE_GLOBALS = /\b(?:process|Buffer|__dirname|__filename|global)\s*[.[]|\brequire\.resolve\b/;
const problems = [];
const files = readdirSync(out, { recursive: true }).filter((f) => /\.(?:js|d\.ts)$/.test(f));
for (const file of files) {
  const text = readFileSync(join(out, file), 'utf8');
  for (const [, , specifier] of text.matchAll(SPECIFIER)) {
    const allowed = DEPENDENCIES_OF[file.split(/[\\/]/).pop()] ?? [];
    if (allowed.includes(specifier)) continue;
    if (!specifier.startsWith('./') && !specifier.startsWith('../')) problems.push(`${file}: imports "${specifier}"`);
    else if (file.startsWith('esm') && !specifier.endsWith('.js')) problems.push(`${file}: "${specifier}" has no .js extension (a browser cannot load it)`);
  }
  const global = text.match(NODE_GLOBALS);
  if (global && file.endsWith('.js')) problems.push(`${file}: uses the Node global "${global[0]}"`);
}
if (problems.length) {
  console.error(`@routing-policy-gateway/client is not browser-safe:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`built ${relative(process.cwd(), out) || '.'}: esm + cjs, ${files.length} files, no Node built-ins`);
