/**
 * Validation helpers shared by every construct. Each check throws a {@link ValidationError} whose message
 * names the field, the value given and what is allowed, so a bad prop fails at construct time with a
 * message the user can act on.
 */
import { Duration } from 'cdk8s';

/** An invalid prop or config value: the message names the field, the value and what is allowed. */
export class ValidationError extends Error {
  public constructor(
    public readonly field: string,
    public readonly value: unknown,
    public readonly allowed: string,
  ) {
    super(`Invalid ${field}: ${describe(value)}; ${allowed}.`);
    this.name = 'ValidationError';
  }
}

/**
 * A value that must never appear in a message because it may hold credentials (a kubeconfig, a token): messages
 * describe it instead, e.g. `Invalid kubeconfig: (kubeconfig contents, not shown); ...`.
 */
export class Redacted {
  public constructor(public readonly description: string) {}

  public toString(): string {
    return `(${this.description}, not shown)`;
  }
}

/** Renders a value for an error message: strings quoted, durations in human form, objects as JSON, redacted values described. */
export function describe(value: unknown): string {
  if (value instanceof Redacted) return value.toString();
  if (value instanceof Duration) return `'${humanDuration(value)}'`;
  if (value instanceof Date) return `'${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()}'`;
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value) ?? typeof value;
}

/** A duration as a short literal: '30s', '1500ms', '-5s'. */
function humanDuration(d: Duration): string {
  const ms = d.toMilliseconds();
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Throws unless `value` is an RFC 1123 DNS label (lower-case alphanumerics and '-', at most 63 characters). */
export function assertDnsLabel(field: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 63 || !DNS_LABEL.test(value)) {
    throw new ValidationError(field, value,
      'must be a DNS-1123 label: 1 to 63 lower-case letters, digits or \'-\', starting and ending with a letter or digit');
  }
  return value;
}

/** Throws unless `value` is an integer in [min, max]. */
export function assertIntegerInRange(field: string, value: number, min: number, max: number, unit = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, value, `must be a whole number${unit ? ` of ${unit}` : ''} from ${min} to ${max}`);
  }
  return value;
}

/** Throws unless `value` is a percentage: a whole number from 0 to `max` (at most 100). */
export function assertPercentage(field: string, value: number, max = 100, why = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new ValidationError(field, value, `must be a whole percentage from 0 to ${max}${why}`);
  }
  return value;
}

/**
 * Converts a duration to whole seconds for Litmus env values (TOTAL_CHAOS_DURATION, CHAOS_INTERVAL, RAMP_TIME),
 * which the experiments parse as integer seconds.
 */
export function wholeSeconds(field: string, value: Duration, opts: { readonly allowZero?: boolean } = {}): number {
  const ms = value.toMilliseconds();
  const min = opts.allowZero ? 0 : 1000;
  if (!Number.isFinite(ms) || ms < min || ms % 1000 !== 0) {
    throw new ValidationError(field, value,
      `must be a whole number of seconds${opts.allowZero ? ' (0 or more)' : ' greater than zero'}, as Litmus reads it in seconds`);
  }
  return ms / 1000;
}

/**
 * Renders a positive duration as a Go duration string ("5s", "500ms", "2m"), the form Litmus 3.x probe
 * runProperties require (`time.ParseDuration`).
 */
export function goDuration(field: string, value: Duration, opts: { readonly allowZero?: boolean } = {}): string {
  const ms = value.toMilliseconds();
  if (!Number.isFinite(ms) || !Number.isInteger(ms) || ms < 0 || (ms === 0 && !opts.allowZero)) {
    throw new ValidationError(field, value, `must be a whole number of milliseconds${opts.allowZero ? ', 0 or more' : ' greater than zero'}`);
  }
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Throws unless `value` is one of `allowed`. */
export function assertOneOf<T extends string>(field: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    throw new ValidationError(field, value, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value;
}

/** Throws unless an image reference carries an explicit tag or digest other than `latest`. */
export function assertPinned(field: string, image: string): string {
  const lastSegment = image.split('/').pop() ?? '';
  const tag = lastSegment.includes('@') ? 'digest' : lastSegment.split(':')[1];
  if (tag === undefined || tag === '' || tag === 'latest') {
    throw new ValidationError(field, image, "must be pinned to a tag or digest (never ':latest')");
  }
  return image;
}
