/** Summarizes a V8 .cpuprofile: self time by function and by package/area (`node dist/scripts/bench/profile-summary.js f`). */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native/V8)';
  const own = /\/dist\/(apps\/[^/]+|libs\/[^/]+|scripts)\//.exec(url);
  if (own) return `rpg:${own[1]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] === 'internal' ? url.slice(5).split('/').slice(0, 2).join('/') : url.slice(5)}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  return url;
}

export function summarizeCpuProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let total = 0;
  let idle = 0;
  const fnSelf = new Map<string, number>();
  const areaSelf = new Map<string, number>();
  const areaTotal = new Map<string, number>();
  const isProfilerFrame = (id: number): boolean => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur)!.callFrame.url;
      if (url.includes('profile-preload') || url === 'node:inspector') return true;
    }
    return false;
  };
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    if (isProfilerFrame(id)) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const short = url
      .replace(/^.*\/node_modules\//, '')
      .replace(/^.*\/dist\//, 'dist/')
      .replace(/^file:\/\//, '');
    const k = `${functionName || '(anonymous)'}  ${short}${url ? `:${lineNumber + 1}` : ''}`;
    fnSelf.set(k, (fnSelf.get(k) ?? 0) + us);
    const area = areaOf(url, functionName);
    areaSelf.set(area, (areaSelf.get(area) ?? 0) + us);
    // inclusive time per area: count each area once per sample stack
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const a = areaOf(byId.get(cur)!.callFrame.url, byId.get(cur)!.callFrame.functionName);
      if (!seen.has(a)) {
        seen.add(a);
        areaTotal.set(a, (areaTotal.get(a) ?? 0) + us);
      }
    }
  }
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const lines: string[] = [];
  lines.push(`busy ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`);
  lines.push('\nself time by package/area (self | inclusive):');
  for (const [a, us] of [...areaSelf].sort((x, y) => y[1] - x[1]).slice(0, 20)) lines.push(`  ${pct(us)} | ${pct(areaTotal.get(a) ?? 0)}  ${a}`);
  lines.push(`\ntop ${top} functions by self time:`);
  for (const [k, us] of [...fnSelf].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${k}`);
  return lines.join('\n');
}

if (require.main === module) {
  const f = process.argv[2];
  if (!f) {
    console.error('usage: node dist/scripts/bench/profile-summary.js <file.cpuprofile>');
    process.exit(1);
  }
  console.log(summarizeCpuProfile(f, Number(process.argv[3] ?? 30)));
}
