/**
 * The pinned Python requirements of Chaos Toolkit (`requirements.txt` beside this file, frozen with CPython 3.11 and
 * hash-locked: `--hash=sha256:...` for every distribution file of each pinned version): the same file the in-cluster
 * runner installs and tools/chaostoolkit/install.sh builds the local venv from, both with `pip --require-hashes`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REQUIREMENTS_FILE = join(__dirname, 'requirements.txt');

/** The pinned requirements, as the runner's ConfigMap carries them. */
export function requirementsText(): string {
  return readFileSync(REQUIREMENTS_FILE, 'utf8');
}
