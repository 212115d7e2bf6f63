import { Logger } from '@nestjs/common';
import { RepeatingErrorLog } from './queue-error.reporter';

describe('RepeatingErrorLog', () => {
  it('logs a burst of one error once, then again after 10 s with the count it held back; a new error at once', () => {
    const lines: unknown[][] = [];
    const logger = { warn: (...args: unknown[]) => lines.push(args) } as unknown as Logger;
    let now = 0;
    const log = new RepeatingErrorLog(logger, 'queue x', () => now);
    expect(log.report(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe(true);
    for (let i = 0; i < 5; i++) {
      now += 1000;
      expect(log.report(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe(false);
    }
    now += 5000;
    expect(log.report(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe(true);
    expect(lines[1][0]).toEqual({ err: 'connect ECONNREFUSED 127.0.0.1:6379', repeated: 5 });
    expect(log.report(new Error('Connection is closed.'))).toBe(true);
    expect(lines).toHaveLength(3);
    expect(lines[2][1]).toBe('queue x: Connection is closed.');
  });
});
