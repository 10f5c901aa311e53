/** Reads a Pulumi stack file (`Pulumi.<stack>.yaml`) the way the tests check it. */
import { parse } from 'yaml';
import { projectKeys } from '../../stacks/pulumi/config';

/**
 * The project config of a Pulumi stack file (`config: {chaos-stack:<key>: value}`), as parseStackConfig takes it:
 * secrets (encrypted `secure:` values) are left out, lists are kept as lists.
 */
export function stackFileConfig(text: string): Record<string, unknown> {
  const doc = parse(text) as { config?: Record<string, unknown> } | null;
  return Object.fromEntries(Object.entries(projectKeys(doc?.config ?? {}))
    .map(([key, value]) => [key, typeof value === 'number' || typeof value === 'boolean' ? String(value) : value]));
}
