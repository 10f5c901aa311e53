/** Reads a Pulumi stack file (`Pulumi.<stack>.yaml`) the way the tests check it. */
import { parse } from 'yaml';
import { PROJECT, SECRET_KEYS } from '../../stacks/pulumi/config';

/**
 * The project config of a Pulumi stack file (`config: {chaos-stack:<key>: value}`), as parseStackConfig takes it:
 * secrets (encrypted `secure:` values) are left out, lists are kept as lists.
 */
export function stackFileConfig(text: string): Record<string, unknown> {
  const doc = parse(text) as { config?: Record<string, unknown> } | null;
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(doc?.config ?? {})) {
    const key = fullKey.startsWith(`${PROJECT}:`) ? fullKey.slice(PROJECT.length + 1) : fullKey.includes(':') ? undefined : fullKey;
    if (key === undefined || (SECRET_KEYS as readonly string[]).includes(key)) continue;
    raw[key] = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
  }
  return raw;
}
