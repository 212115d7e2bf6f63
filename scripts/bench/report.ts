/** The figures of a run: rows of the printed table (also bench/results.json `results`) and per-scenario details. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fmt } from './lib';
import { BenchConfig } from './options';

export interface Row {
  scenario: string;
  figure: string;
  value: number | null;
  unit: string;
  baseline: number | null;
  baselineLabel?: string;
  ratio: number | null;
  goal?: string;
  met?: boolean | null;
  note?: string;
}

export const ratio = (a: number | null, b: number | null): number | null => (a !== null && b !== null && b !== 0 ? a / b : null);

export class BenchResults {
  readonly rows: Row[] = [];
  /** Raw figures per scenario (results.json `details`). */
  readonly details: Record<string, unknown> = {};

  row(r: Row): void {
    this.rows.push(r);
  }
}

export interface Machine {
  cores: number;
  cpu: string;
  memoryGb: number;
  node: string;
  platform: string;
  loadAverage1m: { before: number; after: number };
}

export function describeMachine(loadBefore: number): Machine {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? '?',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage1m: { before: loadBefore, after: loadavg()[0] },
  };
}

export function printTable(rows: Row[]): void {
  const header = ['scenario', 'figure', 'value', 'baseline', 'ratio', 'goal', 'met'];
  const lines = rows.map((r) => [
    r.scenario,
    r.figure,
    `${fmt(r.value, r.unit === 'ms' || r.unit === 'req/s' || r.unit === '/s' ? 1 : 2)} ${r.unit}`,
    r.baseline === null ? '' : `${fmt(r.baseline, 2)}${r.baselineLabel ? ` (${r.baselineLabel})` : ''}`,
    r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`,
    r.goal ?? '',
    r.met === undefined || r.met === null ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmtLine = (l: string[]): string => l.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log(`\n${fmtLine(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}`);
  for (const l of lines) console.log(fmtLine(l));
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    console.log('\nnotes:');
    for (const r of notes) console.log(`  ${r.scenario} / ${r.figure.trim()}: ${r.note}`);
  }
}

export interface ResultsFile {
  file: string;
  date: string;
  mode: string;
  durationS: number;
  machine: Machine;
  config: BenchConfig & { sandboxLatencyMs: number };
  results: BenchResults;
}

/** Writes bench/results.json: every row carries the machine's cores and the run's date. */
export function writeResults({ file, date, mode, durationS, machine, config, results }: ResultsFile): void {
  mkdirSync(dirname(file), { recursive: true });
  const rows = results.rows.map((r) => ({ ...r, cores: machine.cores, date }));
  const json = { date, mode, durationS, machine, config, results: rows, details: results.details };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}
