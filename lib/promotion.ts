/**
 * Promotion gated on the environment before: a stack may require that another stack of the project (prod requires
 * staging) passed its chaos with the very same program version before it runs anything. This module is pure: it
 * judges what the required stack exports; the Pulumi program reads those outputs through a StackReference.
 */

/** What the required stack exports that a promotion reads (each absent when the stack does not export it). */
export interface PromotionEvidence {
  /** False when the stack does not exist in the backend. */
  readonly exists: boolean;
  readonly summary?: { readonly allPassed?: unknown; readonly failing?: unknown };
  readonly resilienceScore?: unknown;
  readonly minResilienceScore?: unknown;
  readonly programVersion?: unknown;
}

/** The first 12 characters of a version, as messages show it. */
export function shortVersion(version: string): string {
  return version.slice(0, 12);
}

function failingText(failing: unknown): string {
  if (!Array.isArray(failing) || failing.length === 0) return '';
  return `: ${failing.map((f: { experiment?: unknown; outcome?: unknown }) => `${String(f.experiment)} ${String(f.outcome)}`).join(', ')}`;
}

/**
 * Why the required stack does not allow this one to run, in the order a reader fixes them; empty when it does: it
 * exists, every verdict of its last update passed, its resilience score is at or above its minimum, and it ran the
 * same program version.
 */
export function promotionProblems(required: string, evidence: PromotionEvidence, ownVersion: string): string[] {
  if (!evidence.exists) return [`${required} does not exist: it has never been deployed to this backend, so it has no verdict to require`];
  const problems: string[] = [];
  if (evidence.summary === undefined) {
    problems.push(`${required} has not run the chaos: it exports no verdicts (no summary output)`);
  } else if (evidence.summary.allPassed !== true) {
    problems.push(`${required} did not pass: not every verdict of its last update is Pass${failingText(evidence.summary.failing)}`);
  }
  const score = evidence.resilienceScore;
  const min = evidence.minResilienceScore;
  if (typeof score !== 'number') {
    if (evidence.summary !== undefined) problems.push(`${required} exports no resilienceScore (deployed by a version without plans)`);
  } else if (typeof min === 'number' && score < min) {
    problems.push(`${required} scored ${score}, below its minimum ${min}`);
  }
  const theirs = evidence.programVersion;
  if (typeof theirs !== 'string') {
    if (evidence.summary !== undefined) problems.push(`${required} exports no programVersion, so it cannot be shown to have run this version`);
  } else if (theirs !== ownVersion) {
    problems.push(`${required} ran program version ${shortVersion(theirs)}, not this one (${shortVersion(ownVersion)}): run it again with this version first`);
  }
  return problems;
}

/** The one message of a refused promotion: the stack, what it requires, and each problem. */
export function promotionMessage(stack: string, required: string, ownVersion: string, problems: readonly string[]): string {
  return `Promotion refused: stack '${stack}' requires ${required} to have passed with this program version (${shortVersion(ownVersion)}), `
    + `and nothing was deployed:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
}
