/**
 * Validation helpers shared by every construct. Each check throws a {@link ValidationError} whose message
 * names the field, the value given and what is allowed, so a bad prop fails at construct time with a
 * message the user can act on.
 */
import { isIP } from 'node:net';
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
  const ms = d.toMilliseconds({ integral: false });
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
  const ms = assertDuration(field, value, opts);
  const min = opts.allowZero ? 0 : 1000;
  if (ms < min || ms % 1000 !== 0) {
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
  const ms = assertDuration(field, value, opts);
  if (!Number.isInteger(ms) || (ms === 0 && !opts.allowZero)) {
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

/**
 * A duration in milliseconds, checked: it must be a cdk8s `Duration` (plain config may carry a number or a string
 * instead, which is rejected naming the field) of a finite, non-negative length, and greater than zero unless
 * `allowZero`.
 */
export function durationMillis(field: string, value: Duration, opts: { readonly allowZero?: boolean } = {}): number {
  const ms = assertDuration(field, value, opts);
  if (ms === 0 && !opts.allowZero) throw new ValidationError(field, value, `must be ${durationKind(opts)}`);
  return ms;
}

function durationKind(opts: { readonly allowZero?: boolean }): string {
  return `a Duration ${opts.allowZero ? 'of 0 or more' : 'greater than zero'} (e.g. Duration.seconds(30))`;
}

/** Throws unless `value` is a Duration of finite, non-negative length (plain config may carry a number instead); returns its milliseconds. */
function assertDuration(field: string, value: Duration, opts: { readonly allowZero?: boolean }): number {
  const ms = typeof (value as Partial<Duration> | undefined)?.toMilliseconds === 'function' ? value.toMilliseconds({ integral: false }) : NaN;
  if (!Number.isFinite(ms) || ms < 0) throw new ValidationError(field, value, `must be ${durationKind(opts)}`);
  return ms;
}

/** Edit distance between two short strings (for "did you mean"). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** Throws unless `value` is a plain object (not null, not an array). */
export function assertObject(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(field, value, 'must be an object');
  return value as Record<string, unknown>;
}

/**
 * Throws for the first key of `value` that is not in `allowed`, naming the key (as `<field>.<key>`), its value and
 * the allowed keys, with the closest allowed key as a suggestion. `what` names the set ("tunable of pod-delete");
 * `elsewhere(key)` may say where a foreign key does belong.
 */
export function assertKnownKeys(
  field: string, value: unknown, allowed: readonly string[], what: string, elsewhere?: (key: string) => string | undefined,
): void {
  const obj = assertObject(field, value);
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    // A suggestion: the allowed key within two edits, or one that starts the other ('maxErrorPercentage').
    const k = key.toLowerCase();
    const starts = (a: string): boolean => a.length >= 4 && k.length >= 4 && (k.startsWith(a.toLowerCase()) || a.toLowerCase().startsWith(k));
    const near = allowed.map((a) => [a, starts(a) ? 1 : editDistance(key, a)] as const)
      .filter(([, n]) => n <= 2).sort((x, y) => x[1] - y[1])[0]?.[0];
    const foreign = elsewhere?.(key);
    throw new ValidationError(`${field}.${key}`, obj[key], `is not a ${what}${near === undefined ? '' : ` (did you mean '${near}'?)`}`
      + `${foreign === undefined ? '' : ` (${foreign})`}; allowed: ${allowed.join(', ')}`);
  }
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws unless `value` is an RFC 1123 DNS subdomain (node names, host names): at most 253 characters of dot-separated labels. */
export function assertDnsSubdomain(field: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw new ValidationError(field, value, 'must be a DNS-1123 subdomain: at most 253 lower-case letters, digits, \'-\' or \'.\', '
      + 'each dot-separated part starting and ending with a letter or digit');
  }
  return value;
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Throws unless `key` is a Kubernetes label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export function assertLabelKey(field: string, key: string): string {
  const slash = typeof key === 'string' ? key.lastIndexOf('/') : -1;
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (typeof key !== 'string' || name.length > 63 || !LABEL_NAME.test(name)
    || (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))) {
    throw new ValidationError(field, key, 'must be a label key: an optional DNS-1123 subdomain prefix and \'/\', then 1 to 63 letters, digits, '
      + '\'-\', \'_\' or \'.\', starting and ending with a letter or digit');
  }
  return key;
}

/** Throws unless `value` is a Kubernetes label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric. */
export function assertLabelValue(field: string, value: string): string {
  if (typeof value !== 'string' || value.length > 63 || (value !== '' && !LABEL_NAME.test(value))) {
    throw new ValidationError(field, value, 'must be a label value: empty or at most 63 letters, digits, \'-\', \'_\' or \'.\', '
      + 'starting and ending with a letter or digit');
  }
  return value;
}

/** Checks every key and value of a label map (`<field>['<key>']` names a bad value). */
export function assertLabels(field: string, labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  for (const [k, v] of Object.entries(assertObject(field, labels))) {
    assertLabelKey(`${field} key`, k);
    assertLabelValue(`${field}['${k}']`, v as string);
  }
  return labels;
}

/** Throws unless `value` is an IPv4 or IPv6 address, or such an address with a CIDR prefix length (`10.0.0.0/8`, `fd00::/8`). */
export function assertIpOrCidr(field: string, value: string): string {
  const [address, prefix, ...rest] = typeof value === 'string' ? value.split('/') : [];
  const version = address === undefined ? 0 : isIP(address);
  const maxPrefix = version === 4 ? 32 : 128;
  const ok = version !== 0 && rest.length === 0
    && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix));
  if (!ok) throw new ValidationError(field, value, 'must be an IPv4 or IPv6 address, optionally with a CIDR prefix length (e.g. 10.0.0.0/8)');
  return value;
}

/**
 * Throws unless `value` is an absolute http:// or https:// URL with a host. With `redact`, the message shows
 * `<redacted>` instead of the URL (webhook URLs carry credentials).
 */
export function assertHttpUrl(field: string, value: string, opts: { readonly redact?: boolean } = {}): string {
  let ok = false;
  try {
    const u = new URL(value);
    ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    ok = false;
  }
  if (!ok) throw new ValidationError(field, opts.redact ? '<redacted>' : value, 'must be an absolute http:// or https:// URL');
  return value;
}

const CRON_FIELDS: readonly { readonly name: string; readonly min: number; readonly max: number; readonly names?: readonly string[] }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/**
 * Throws unless `value` is a standard five-field cron expression (minute, hour, day of month, month, day of week) as
 * Kubernetes CronJobs parse it: each field `*`, a number, a name (months, week days), a range `a-b`, any of these
 * with a step `/n`, or a comma-separated list of them; values within each field's bounds (day of week 0 to 6).
 */
export function assertCron(field: string, value: string): string {
  const fail = (why: string): never => {
    throw new ValidationError(field, value, `must be a five-field cron expression (minute hour day-of-month month day-of-week)${why}`);
  };
  const parts = typeof value === 'string' ? value.trim().split(/\s+/) : [];
  if (parts.length !== 5) fail(`; it has ${parts.length} field${parts.length === 1 ? '' : 's'}`);
  parts.forEach((part, i) => {
    const f = CRON_FIELDS[i];
    const num = (s: string): number => {
      const byName = f.names?.indexOf(s.toUpperCase()) ?? -1;
      const n = byName >= 0 ? byName + f.min : /^\d+$/.test(s) ? Number(s) : NaN;
      if (!(n >= f.min && n <= f.max)) fail(`; '${s}' is not a ${f.name} (${f.min} to ${f.max}${f.names ? ` or ${f.names[0]}..${f.names[f.names.length - 1]}` : ''})`);
      return n;
    };
    for (const item of part.split(',')) {
      const [range, step, ...extra] = item.split('/');
      if (extra.length > 0 || range === '' || (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0))) fail(`; '${item}' is not a ${f.name} item`);
      if (range === '*' || (range === '?' && i >= 2 && i !== 3)) continue;
      const [from, to, ...more] = range.split('-');
      if (more.length > 0) fail(`; '${item}' is not a ${f.name} item`);
      if (to !== undefined && num(from) > num(to)) fail(`; the range '${range}' runs backwards`);
      if (to === undefined) num(from);
    }
  });
  return value;
}

/**
 * Throws unless `value` is a Kubernetes label selector string (`kubectl -l`): comma-separated requirements
 * `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (v1,v2)`, `key notin (v1,v2)`, with valid label keys
 * and values. An empty selector is rejected: it selects everything.
 */
export function assertLabelSelector(field: string, value: string): string {
  const fail = (why: string): never => {
    throw new ValidationError(field, value, `must be a label selector (e.g. 'app=web,tier!=db' or 'env in (dev,qa)')${why}`);
  };
  if (typeof value !== 'string' || value.trim() === '') fail('; an empty one selects everything');
  for (const raw of value.split(/,(?![^(]*\))/)) {
    const req = raw.trim();
    const set = /^(\S+)\s+(in|notin)\s+\(([^()]*)\)$/.exec(req);
    const eq = /^([^=!\s]+)\s*(==|!=|=)\s*([^=!\s]*)$/.exec(req);
    const exists = /^!?([^=!\s()]+)$/.exec(req);
    const check = (key: string, values: readonly string[]): void => {
      try {
        assertLabelKey(field, key);
        values.forEach((v) => assertLabelValue(field, v));
      } catch {
        fail(`; '${req}' is not a valid requirement`);
      }
    };
    if (set) check(set[1], set[3].split(',').map((v) => v.trim()));
    else if (eq) check(eq[1], [eq[3]]);
    else if (exists) check(exists[1], []);
    else fail(`; '${req}' is not a valid requirement`);
  }
  return value;
}
