import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvFile } from './env-file';
import { ConfigValidationError } from './environment';

describe('loadEnvFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rpg-env-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fills what the environment leaves unset; a variable already set (even to "") wins', () => {
    const path = join(dir, '.env');
    writeFileSync(path, '# comment\nPORT=4000\nLOG_LEVEL="debug"\nQUEUE_PREFIX=from-file\nAPI_KEYS=a:bbbbbbbb:*\n');
    const env: NodeJS.ProcessEnv = { PORT: '5000', API_KEYS: '' };
    expect(loadEnvFile(env, path)).toBe(path);
    expect(env).toEqual({ PORT: '5000', API_KEYS: '', LOG_LEVEL: 'debug', QUEUE_PREFIX: 'from-file' });
  });

  it('no file: nothing changes', () => {
    const env: NodeJS.ProcessEnv = { PORT: '1' };
    expect(loadEnvFile(env, join(dir, 'absent.env'))).toBeUndefined();
    expect(env).toEqual({ PORT: '1' });
  });

  it('a .env that cannot be read is a configuration error naming it', () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path);
    expect(() => loadEnvFile({}, path)).toThrow(ConfigValidationError);
    expect(() => loadEnvFile({}, path)).toThrow(/^Invalid configuration: .*a-directory cannot be read \(EISDIR\)/);
  });
});
