/** Id of the n-th extra L7 policy seeded by the bench sandbox (project 1, region 76). */
export function benchL7Id(n: number): string {
  return `d1b2c3d4-0000-4000-8000-${String(100_000 + n).padStart(12, '0')}`;
}
