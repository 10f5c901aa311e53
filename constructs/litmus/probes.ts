import { Duration } from 'cdk8s';
import type * as litmus from '../../lib/imports/litmus-litmuschaos.io';
import { assertIntegerInRange, assertOneOf, assertPinned, goDuration, ValidationError } from '../../lib/validation';
import { type IServiceRef, servicePort } from '../target-app';

/** When a probe runs relative to the chaos (values are the CRD's exact casing). */
export enum ProbeMode {
  /** Start of test: before the chaos. */
  SOT = 'SOT',
  /** End of test: after the chaos. */
  EOT = 'EOT',
  /** Before and after; passes only if both pass. */
  EDGE = 'Edge',
  /** From before the chaos until its end, every polling interval. */
  CONTINUOUS = 'Continuous',
  /** Only while the chaos is injected. */
  ON_CHAOS = 'OnChaos',
}

/** Probe types of Litmus 3.31. */
export enum ProbeType {
  HTTP = 'httpProbe',
  CMD = 'cmdProbe',
  K8S = 'k8sProbe',
  PROM = 'promProbe',
}

/** Operations of a k8sProbe. */
export enum K8sProbeOperation {
  PRESENT = 'present',
  ABSENT = 'absent',
  CREATE = 'create',
  DELETE = 'delete',
}

/** Criteria of an httpProbe's response code. */
export enum HttpCriteria {
  EQUAL = '==',
  NOT_EQUAL = '!=',
  ONE_OF = 'oneOf',
}

/** Comparator criteria for numbers (cmdProbe int/float, promProbe). */
export enum NumericCriteria {
  GTE = '>=', LTE = '<=', GT = '>', LT = '<', EQ = '==', NE = '!=', ONE_OF = 'oneOf', BETWEEN = 'between',
}

/** Comparator criteria for strings (cmdProbe string). */
export enum StringCriteria {
  EQUAL = 'equal', NOT_EQUAL = 'notEqual', CONTAINS = 'contains', MATCHES = 'matches', NOT_MATCHES = 'notMatches', ONE_OF = 'oneOf',
}

/** Timing of a probe (`runProperties`), rendered as Go duration strings as Litmus 3.x requires. */
export interface ProbeRunProperties {
  /** How long one probe attempt may take. */
  readonly probeTimeout: Duration;
  /** Wait between attempts after a failure. */
  readonly interval: Duration;
  /**
   * Attempts before the probe fails.
   * @default 1
   */
  readonly retry?: number;
  /**
   * Polling interval of Continuous and OnChaos probes.
   * @default - Litmus's default
   */
  readonly probePollingInterval?: Duration;
  /**
   * Delay before the first attempt.
   * @default - none
   */
  readonly initialDelay?: Duration;
  /**
   * Abort the experiment as soon as the probe fails.
   * @default false
   */
  readonly stopOnFailure?: boolean;
}

interface ProbeBaseProps {
  /** The probe's name, unique within the engine; it names the probe in the ChaosResult. */
  readonly name: string;
  /** When the probe runs. */
  readonly mode: ProbeMode;
  /** Timing. */
  readonly runProperties: ProbeRunProperties;
}

export interface HttpProbeProps extends ProbeBaseProps {
  /** http:// or https:// URL probed. */
  readonly url: string;
  /**
   * Expected response code(s): one code, or several with `HttpCriteria.ONE_OF`.
   * @default 200
   */
  readonly responseCode?: number | readonly number[];
  /**
   * How the response code is compared.
   * @default HttpCriteria.EQUAL
   */
  readonly criteria?: HttpCriteria;
  /**
   * A POST with this body instead of a GET.
   * @default - GET
   */
  readonly post?: { readonly contentType: string; readonly body: string };
  /**
   * Skip TLS verification.
   * @default false
   */
  readonly insecureSkipVerify?: boolean;
}

export interface ServiceHttpProbeProps extends Omit<HttpProbeProps, 'url'> {
  /**
   * The Service port probed; must be one the Service exposes.
   * @default - the Service's first port
   */
  readonly port?: number;
  /**
   * Path probed.
   * @default '/'
   */
  readonly path?: string;
}

export interface CmdProbeProps extends ProbeBaseProps {
  /** Shell command whose output is compared. */
  readonly command: string;
  /** How the output is compared. */
  readonly comparator:
    | { readonly type: 'int' | 'float'; readonly criteria: NumericCriteria; readonly value: string }
    | { readonly type: 'string'; readonly criteria: StringCriteria; readonly value: string };
  /**
   * Run the command in a pod of this pinned image instead of inside the experiment pod.
   * @default - inline, in the experiment pod
   */
  readonly sourceImage?: string;
}

export interface K8sProbeProps extends ProbeBaseProps {
  /** API group ('' for core). */
  readonly group: string;
  /** API version, e.g. 'v1'. */
  readonly version: string;
  /** Plural resource, e.g. 'pods'. */
  readonly resource: string;
  /** What to check or do. */
  readonly operation: K8sProbeOperation;
  /**
   * Namespace of the resources.
   * @default - cluster scope
   */
  readonly namespace?: string;
  /**
   * Label selector.
   * @default - none
   */
  readonly labelSelector?: string;
  /**
   * Field selector.
   * @default - none
   */
  readonly fieldSelector?: string;
  /**
   * The manifest created by the `create` operation.
   * @default - none
   */
  readonly data?: string;
}

export interface PromProbeProps extends ProbeBaseProps {
  /** Prometheus base URL. */
  readonly endpoint: string;
  /** PromQL query. */
  readonly query: string;
  /** How the query's value is compared. */
  readonly comparator: { readonly criteria: NumericCriteria; readonly value: string };
}

export type RenderedProbe = litmus.ChaosEngineSpecExperimentsSpecProbe;

/**
 * An API permission a probe needs beyond its fault's, where: in the engine's (chaos) namespace, in a named
 * namespace, or cluster-wide (`namespace` undefined and not `inChaosNamespace`).
 */
export interface ProbeAccess {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly inChaosNamespace?: boolean;
  readonly namespace?: string;
}

/** What each k8sProbe operation calls (litmus-go 3.31 pkg/probe/k8sprobe.go). */
const K8S_PROBE_VERBS: Readonly<Record<K8sProbeOperation, readonly string[]>> = {
  [K8sProbeOperation.PRESENT]: ['get', 'list'],
  [K8sProbeOperation.ABSENT]: ['get', 'list'],
  [K8sProbeOperation.CREATE]: ['create'],
  [K8sProbeOperation.DELETE]: ['delete', 'list'],
};

/**
 * A typed Litmus probe. Build one with `Probe.http`, `Probe.httpService`, `Probe.cmd`, `Probe.k8s` or `Probe.prom`;
 * invalid names, modes, URLs, criteria and timings are rejected when the probe is built.
 */
export class Probe {
  /** The workshop's probe: GET the app Service, expect 200, Continuous, timeout 5 s, interval 5 s, polling 2 s. */
  public static frontendAccess(service: IServiceRef, opts: { readonly interval?: Duration } = {}): Probe {
    return Probe.httpService(service, {
      name: 'check-frontend-access-url',
      mode: ProbeMode.CONTINUOUS,
      responseCode: 200,
      runProperties: {
        probeTimeout: Duration.seconds(5),
        interval: opts.interval ?? Duration.seconds(5),
        retry: 1,
        probePollingInterval: Duration.seconds(2),
      },
    });
  }

  public static http(props: HttpProbeProps): Probe {
    const p = new Probe(props, ProbeType.HTTP);
    let url: URL;
    try {
      url = new URL(props.url);
    } catch {
      throw new ValidationError(`probe '${props.name}'.url`, props.url, 'must be an absolute http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ValidationError(`probe '${props.name}'.url`, props.url, 'must use http:// or https://');
    }
    const criteria = assertOneOf(`probe '${props.name}'.criteria`, props.criteria ?? HttpCriteria.EQUAL, Object.values(HttpCriteria));
    const codes = [props.responseCode ?? 200].flat();
    codes.forEach((c) => assertIntegerInRange(`probe '${props.name}'.responseCode`, c, 100, 599));
    if (criteria !== HttpCriteria.ONE_OF && codes.length !== 1) {
      throw new ValidationError(`probe '${props.name}'.responseCode`, codes, `several codes need criteria '${HttpCriteria.ONE_OF}'`);
    }
    const responseCode = criteria === HttpCriteria.ONE_OF ? `[${codes.join(',')}]` : String(codes[0]);
    p.httpInputs = {
      url: props.url,
      insecureSkipVerify: props.insecureSkipVerify ?? false,
      method: props.post
        ? { post: { contentType: props.post.contentType, body: props.post.body, criteria, responseCode } }
        : { get: { criteria, responseCode } },
    };
    return p;
  }

  /** An httpProbe on a Service of the stack; the URL is derived from the Service, so it cannot point elsewhere. */
  public static httpService(service: IServiceRef, props: ServiceHttpProbeProps): Probe {
    const port = servicePort(`probe '${props.name}'.port`, service, props.port);
    const path = props.path ?? '/';
    if (!path.startsWith('/')) throw new ValidationError(`probe '${props.name}'.path`, path, "must start with '/'");
    const host = `${service.name}.${service.namespace.name}.svc.cluster.local`;
    const url = `http://${host}${port === 80 ? '' : `:${port}`}${path === '/' ? '' : path}`;
    const probe = Probe.http({ ...props, url });
    probe.service = { service, port };
    return probe;
  }

  public static cmd(props: CmdProbeProps): Probe {
    const p = new Probe(props, ProbeType.CMD);
    if (!props.command) throw new ValidationError(`probe '${props.name}'.command`, props.command, 'must be a non-empty command');
    const c = props.comparator;
    assertOneOf(`probe '${props.name}'.comparator.type`, c.type, ['int', 'float', 'string']);
    if (c.type === 'string') {
      assertOneOf(`probe '${props.name}'.comparator.criteria`, c.criteria, Object.values(StringCriteria));
    } else {
      assertOneOf(`probe '${props.name}'.comparator.criteria`, c.criteria, Object.values(NumericCriteria));
    }
    if (props.sourceImage !== undefined) assertPinned(`probe '${props.name}'.sourceImage`, props.sourceImage);
    p.cmdInputs = {
      command: props.command,
      comparator: { type: c.type, criteria: c.criteria, value: c.value },
      source: props.sourceImage ? { image: props.sourceImage } : undefined,
    };
    return p;
  }

  public static k8s(props: K8sProbeProps): Probe {
    const p = new Probe(props, ProbeType.K8S);
    const operation = assertOneOf(`probe '${props.name}'.operation`, props.operation, Object.values(K8sProbeOperation));
    if (!props.version || !props.resource) {
      throw new ValidationError(`probe '${props.name}'.resource`, `${props.version}/${props.resource}`, 'needs both version and resource');
    }
    if (operation === K8sProbeOperation.CREATE && !props.data) {
      throw new ValidationError(`probe '${props.name}'.data`, props.data, "the 'create' operation needs the manifest to create");
    }
    p.k8sInputs = {
      group: props.group, version: props.version, resource: props.resource, namespace: props.namespace,
      labelSelector: props.labelSelector, fieldSelector: props.fieldSelector, operation,
    };
    p.data = props.data;
    return p;
  }

  public static prom(props: PromProbeProps): Probe {
    const p = new Probe(props, ProbeType.PROM);
    let url: URL;
    try {
      url = new URL(props.endpoint);
    } catch {
      throw new ValidationError(`probe '${props.name}'.endpoint`, props.endpoint, 'must be an absolute http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ValidationError(`probe '${props.name}'.endpoint`, props.endpoint, 'must use http:// or https://');
    }
    if (!props.query) throw new ValidationError(`probe '${props.name}'.query`, props.query, 'must be a PromQL query');
    assertOneOf(`probe '${props.name}'.comparator.criteria`, props.comparator.criteria, Object.values(NumericCriteria));
    const comparator = { criteria: props.comparator.criteria, value: props.comparator.value };
    p.promInputs = { endpoint: props.endpoint, query: props.query, comparator };
    return p;
  }

  public readonly name: string;
  public readonly mode: ProbeMode;
  /** The Service and port an httpService probe addresses. */
  public service?: { readonly service: IServiceRef; readonly port: number };
  private readonly runProperties: litmus.ChaosEngineSpecExperimentsSpecProbeRunProperties;
  private httpInputs?: litmus.ChaosEngineSpecExperimentsSpecProbeHttpProbeInputs;
  private cmdInputs?: litmus.ChaosEngineSpecExperimentsSpecProbeCmdProbeInputs;
  private k8sInputs?: litmus.ChaosEngineSpecExperimentsSpecProbeK8SProbeInputs;
  private promInputs?: litmus.ChaosEngineSpecExperimentsSpecProbePromProbeInputs;
  private data?: string;

  private constructor(props: ProbeBaseProps, public readonly type: ProbeType) {
    if (typeof props.name !== 'string' || !/^[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$/.test(props.name)) {
      throw new ValidationError('probe.name', props.name,
        "must be 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
    }
    this.name = props.name;
    this.mode = assertOneOf(`probe '${props.name}'.mode`, props.mode, Object.values(ProbeMode));
    const rp = props.runProperties;
    if (rp === undefined) throw new ValidationError(`probe '${props.name}'.runProperties`, rp, 'needs probeTimeout and interval');
    const f = (k: string): string => `probe '${props.name}'.runProperties.${k}`;
    this.runProperties = {
      probeTimeout: goDuration(f('probeTimeout'), rp.probeTimeout),
      interval: goDuration(f('interval'), rp.interval),
      retry: assertIntegerInRange(f('retry'), rp.retry ?? 1, 0, 100),
      probePollingInterval: rp.probePollingInterval ? goDuration(f('probePollingInterval'), rp.probePollingInterval) : undefined,
      initialDelay: rp.initialDelay ? goDuration(f('initialDelay'), rp.initialDelay, { allowZero: true }) : undefined,
      stopOnFailure: rp.stopOnFailure,
    };
  }

  /**
   * The API permissions the probe needs from the engine's ServiceAccount (litmus-go 3.31 pkg/probe): none for an
   * httpProbe, a promProbe or an inline cmdProbe; a cmdProbe with a source image runs in a pod of the chaos namespace
   * (create, read, delete it, exec into it); a k8sProbe acts on its resource as its operation says.
   */
  public permissions(): readonly ProbeAccess[] {
    if (this.cmdInputs?.source !== undefined) {
      return [
        { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete', 'get', 'list'], inChaosNamespace: true },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'], inChaosNamespace: true },
      ];
    }
    const k = this.k8sInputs;
    if (k !== undefined) {
      return [{ apiGroups: [k.group ?? ''], resources: [k.resource], verbs: [...K8S_PROBE_VERBS[k.operation as K8sProbeOperation]], namespace: k.namespace }];
    }
    return [];
  }

  /** The probe as the ChaosEngine CRD expects it. */
  public render(): RenderedProbe {
    return {
      name: this.name,
      type: this.type,
      mode: this.mode,
      httpProbeInputs: this.httpInputs,
      cmdProbeInputs: this.cmdInputs,
      k8SProbeInputs: this.k8sInputs,
      promProbeInputs: this.promInputs,
      data: this.data,
      runProperties: this.runProperties,
    };
  }
}
