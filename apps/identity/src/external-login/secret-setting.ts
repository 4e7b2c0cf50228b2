import { readFileSync } from 'node:fs';
import { ConfigurationError } from '@cube/service-runtime';

/**
 * A secret given inline (`NAME`) or in a file (`NAME_FILE`, e.g. a mounted Kubernetes Secret);
 * trailing newlines of the file are dropped. Errors name the variable, never the value.
 */
export function readSecretSetting(name: string, inline: string | undefined, file: string | undefined): string | undefined {
  if (inline !== undefined && file !== undefined)
    throw new ConfigurationError(`invalid configuration: set ${name} or ${name}_FILE, not both`);
  if (file === undefined) return inline;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch {
    throw new ConfigurationError(`invalid configuration: ${name}_FILE cannot be read`);
  }
}
