import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigValidationError } from './environment';

/**
 * Reads `.env` from the working directory into `env` (process.env) when the file exists: a variable already set in the
 * real environment wins over the file, even when set to ''. Every process calls this before validating its
 * configuration, so a bad value in the file stops it like a bad variable does. Returns the file read, if any.
 */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env, path = resolve(process.cwd(), '.env')): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // no .env: the environment alone
    throw new ConfigValidationError(`Invalid configuration: ${path} cannot be read (${code ?? (error as Error).message})`);
  }
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] === undefined && value !== undefined) env[name] = value;
  }
  return path;
}
