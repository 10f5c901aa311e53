import { Duration } from 'cdk8s';
import {
  ContainerRuntime, Fault, FAULT_DEFINITIONS, FAULT_NAMES, FaultLevel, FaultName, FaultScope, type FaultSpec, type PodDeleteProps, Placement,
} from '../../constructs/litmus/faults';

const env = (f: Fault): Record<string, string> => Object.fromEntries(f.envVars().map((e) => [e.name, e.value]));

describe('fault catalogue', () => {
  test('defines the ten supported faults', () => {
    expect([...FAULT_NAMES].sort()).toEqual([
      'container-kill', 'disk-fill', 'node-cpu-hog', 'node-drain', 'pod-autoscaler', 'pod-cpu-hog', 'pod-delete',
      'pod-memory-hog', 'pod-network-latency', 'pod-network-loss',
    ]);
  });

  test('marks node-drain and node-cpu-hog as node-level and cluster-scoped', () => {
    const nodeLevel = FAULT_NAMES.filter((n) => FAULT_DEFINITIONS[n].level === FaultLevel.NODE);
    expect(nodeLevel.sort()).toEqual(['node-cpu-hog', 'node-drain']);
    expect(FAULT_DEFINITIONS[FaultName.NODE_DRAIN].scope).toBe(FaultScope.CLUSTER);
    expect(FAULT_DEFINITIONS[FaultName.POD_DELETE].scope).toBe(FaultScope.NAMESPACED);
  });

  test('grants nodes only cluster-wide, and jobs and ChaosResults only in the chaos namespace', () => {
    for (const name of FAULT_NAMES) {
      for (const p of FAULT_DEFINITIONS[name].permissions) {
        if (p.resources.includes('nodes')) expect(p.placement).toEqual([Placement.CLUSTER]);
        if (p.resources.includes('jobs') || p.apiGroups.includes('litmuschaos.io')) expect(p.placement).toEqual([Placement.CHAOS]);
        expect(p.verbs).not.toContain('*');
        expect(p.resources).not.toContain('*');
      }
    }
  });

  test('renders tunables as Litmus env strings in seconds and percent', () => {
    const f = Fault.podDelete({
      totalChaosDuration: Duration.seconds(30), chaosInterval: Duration.seconds(5), force: false, podsAffectedPercent: 2,
    });
    expect(env(f)).toEqual({ TOTAL_CHAOS_DURATION: '30', CHAOS_INTERVAL: '5', FORCE: 'false', PODS_AFFECTED_PERC: '2' });
    expect(f.totalChaosDurationSeconds).toBe(30);
  });

  test('sets the runtime and its socket for faults that act through the runtime', () => {
    expect(env(Fault.containerKill({ runtime: ContainerRuntime.DOCKER }))).toMatchObject({
      CONTAINER_RUNTIME: 'docker', SOCKET_PATH: '/var/run/docker.sock',
    });
    expect(env(Fault.podCpuHog())).toMatchObject({ CONTAINER_RUNTIME: 'containerd', SOCKET_PATH: '/run/containerd/containerd.sock' });
    expect(env(Fault.podNetworkLoss({ runtime: ContainerRuntime.CRIO }))).toMatchObject({ SOCKET_PATH: '/var/run/crio/crio.sock' });
    expect(env(Fault.podDelete())).not.toHaveProperty('CONTAINER_RUNTIME');
  });

  test('renders latency and jitter in milliseconds', () => {
    expect(env(Fault.podNetworkLatency({ latency: Duration.millis(300), jitter: Duration.millis(50) }))).toMatchObject({
      NETWORK_LATENCY: '300', JITTER: '50',
    });
  });

  test('builds every fault from a plain spec, with the environment runtime as default', () => {
    const specs: FaultSpec[] = [
      { fault: FaultName.POD_DELETE }, { fault: FaultName.CONTAINER_KILL }, { fault: FaultName.POD_CPU_HOG },
      { fault: FaultName.POD_MEMORY_HOG, memoryConsumptionMegabytes: 256 }, { fault: FaultName.POD_NETWORK_LATENCY },
      { fault: FaultName.POD_NETWORK_LOSS, packetLossPercent: 10 }, { fault: FaultName.POD_AUTOSCALER, replicaCount: 4 },
      { fault: FaultName.DISK_FILL, fillPercent: 50 }, { fault: FaultName.NODE_DRAIN, targetNode: 'node-1' },
      { fault: FaultName.NODE_CPU_HOG, cpuCores: 2 },
    ];
    const faults = specs.map((s) => Fault.of(s, ContainerRuntime.DOCKER));
    expect(faults.map((f) => f.name)).toEqual(specs.map((s) => s.fault));
    expect(env(faults[1]).CONTAINER_RUNTIME).toBe('docker');
    expect(env(faults[8]).TARGET_NODE).toBe('node-1');
  });

  test('fails for an unknown fault', () => {
    expect(() => Fault.of({ fault: 'pod-kill' } as unknown as FaultSpec)).toThrow(
      "Invalid fault: 'pod-kill'; must be one of 'pod-delete', 'container-kill', 'pod-cpu-hog', 'pod-memory-hog', "
      + "'pod-network-latency', 'pod-network-loss', 'pod-autoscaler', 'disk-fill', 'node-drain', 'node-cpu-hog'.");
  });

  test('fails for a zero duration', () => {
    expect(() => Fault.podDelete({ totalChaosDuration: Duration.seconds(0) })).toThrow(
      "Invalid pod-delete.totalChaosDuration: '0s'; must be a whole number of seconds greater than zero, as Litmus reads it in seconds.");
  });

  test('fails for a negative duration (cdk8s refuses to build it)', () => {
    expect(() => Fault.podDelete({ totalChaosDuration: Duration.seconds(-5) })).toThrow(/negative/);
  });

  test('fails for a duration that is not whole seconds', () => {
    expect(() => Fault.containerKill({ chaosInterval: Duration.millis(2500) })).toThrow(
      "Invalid container-kill.chaosInterval: '2500ms'; must be a whole number of seconds greater than zero, as Litmus reads it in seconds.");
  });

  test('fails for an interval longer than the chaos', () => {
    expect(() => Fault.podDelete({ totalChaosDuration: Duration.seconds(10), chaosInterval: Duration.seconds(20) })).toThrow(
      "Invalid pod-delete.chaosInterval: '20s'; must not exceed totalChaosDuration (10s).");
  });

  test.each([
    ['podsAffectedPercent', () => Fault.podDelete({ podsAffectedPercent: 101 }), 'pod-delete.podsAffectedPercent: 101'],
    ['podsAffectedPercent', () => Fault.podCpuHog({ podsAffectedPercent: -1 }), 'pod-cpu-hog.podsAffectedPercent: -1'],
    ['packetLossPercent', () => Fault.podNetworkLoss({ packetLossPercent: 150 }), 'pod-network-loss.packetLossPercent: 150'],
    ['fillPercent', () => Fault.diskFill({ fillPercent: 12.5 }), 'disk-fill.fillPercent: 12.5'],
  ])('fails for a percentage outside 0..100 (%s)', (_prop, build, field) => {
    expect(build).toThrow(`Invalid ${field}; must be a whole percentage from 0 to 100.`);
  });

  test('fails for a node-drain without a node', () => {
    expect(() => Fault.nodeDrain({ targetNode: '' })).toThrow("Invalid node-drain.targetNode: ''; must name the node to drain.");
  });

  test('fails for a misspelt tunable from plain config, naming the key and the allowed ones', () => {
    // GIVEN the environment table's `forse: false`, which would leave FORCE=true
    const spec = { fault: FaultName.POD_DELETE, forse: false } as unknown as FaultSpec;
    // THEN
    expect(() => Fault.of(spec)).toThrow("Invalid pod-delete.forse: false; is not a tunable of pod-delete (did you mean 'force'?); "
      + 'allowed: totalChaosDuration, rampTime, podsAffectedPercent, sequence, chaosInterval, force.');
    expect(() => Fault.podDelete({ ...{ forse: false } } as PodDeleteProps)).toThrow(/^Invalid pod-delete.forse: false; is not a tunable/);
  });

  test("fails for another fault's tunable, saying whose it is", () => {
    expect(() => Fault.of({ fault: FaultName.POD_DELETE, latency: Duration.millis(300) } as unknown as FaultSpec)).toThrow(
      "Invalid pod-delete.latency: '300ms'; is not a tunable of pod-delete (a tunable of pod-network-latency, not of pod-delete); "
      + 'allowed: totalChaosDuration, rampTime, podsAffectedPercent, sequence, chaosInterval, force.');
    expect(() => Fault.of({ fault: FaultName.POD_AUTOSCALER, podsAffectedPercent: 50 } as unknown as FaultSpec)).toThrow(
      'Invalid pod-autoscaler.podsAffectedPercent: 50; is not a tunable of pod-autoscaler (a tunable of pod-delete, container-kill, '
      + 'pod-cpu-hog, pod-memory-hog, pod-network-latency, pod-network-loss, disk-fill, not of pod-autoscaler); allowed: totalChaosDuration, '
      + 'rampTime, replicaCount.');
  });

  test('gives the environment runtime only to faults that act through the runtime', () => {
    expect(env(Fault.of({ fault: FaultName.POD_DELETE }, ContainerRuntime.DOCKER))).not.toHaveProperty('CONTAINER_RUNTIME');
  });

  test('fails for a spec that is not an object, or a fault that disagrees with its builder', () => {
    expect(() => Fault.of(undefined as unknown as FaultSpec)).toThrow('Invalid fault: undefined; must be an object.');
    expect(() => Fault.podDelete({ fault: FaultName.POD_CPU_HOG } as unknown as PodDeleteProps)).toThrow(
      "Invalid pod-delete.fault: 'pod-cpu-hog'; must be 'pod-delete' (or left out).");
  });

  test('fails for a duration from plain config that is not a Duration, naming the field', () => {
    expect(() => Fault.of({ fault: FaultName.POD_DELETE, totalChaosDuration: -5 } as unknown as FaultSpec)).toThrow(
      'Invalid pod-delete.totalChaosDuration: -5; must be a Duration greater than zero (e.g. Duration.seconds(30)).');
    expect(() => Fault.of({ fault: FaultName.POD_NETWORK_LATENCY, latency: '300ms' } as unknown as FaultSpec)).toThrow(
      "Invalid pod-network-latency.latency: '300ms'; must be a Duration greater than zero (e.g. Duration.seconds(30)).");
    expect(() => Fault.podNetworkLatency({ latency: Duration.millis(0) })).toThrow(
      "Invalid pod-network-latency.latency: '0s'; must be a Duration greater than zero (e.g. Duration.seconds(30)).");
  });

  test('fails for a flag that is not a boolean', () => {
    expect(() => Fault.of({ fault: FaultName.POD_DELETE, force: 'false' } as unknown as FaultSpec)).toThrow(
      "Invalid pod-delete.force: 'false'; must be true or false.");
  });

  test('fails for a node name that is not a DNS-1123 subdomain', () => {
    expect(() => Fault.nodeDrain({ targetNode: 'Node_1' })).toThrow("Invalid node-drain.targetNode: 'Node_1'; must be a DNS-1123 subdomain: "
      + "at most 253 lower-case letters, digits, '-' or '.', each dot-separated part starting and ending with a letter or digit.");
    expect(env(Fault.nodeDrain({ targetNode: 'ip-10-0-1-7.eu-west-1.compute.internal' })).TARGET_NODE).toBe('ip-10-0-1-7.eu-west-1.compute.internal');
    expect(() => Fault.nodeCpuHog({ targetNodes: ['node-1', 'node-1'] })).toThrow(
      'Invalid node-cpu-hog.targetNodes: ["node-1","node-1"]; must not repeat a node.');
    expect(() => Fault.nodeCpuHog({ targetNodes: [] })).toThrow('Invalid node-cpu-hog.targetNodes: []; must name at least one node (or leave it out).');
    expect(() => Fault.nodeCpuHog({ targetNodes: ['node-1', 'node 2'] })).toThrow(/^Invalid node-cpu-hog.targetNodes\[1\]: 'node 2'; must be a DNS-1123 subdomain/);
  });

  test('accepts IPv4, IPv6 and CIDR destinations and fails for anything else', () => {
    expect(env(Fault.podNetworkLoss({ destinationIps: ['10.0.0.1', '10.96.0.0/12', 'fd00::1', 'fd00::/8'] })).DESTINATION_IPS)
      .toBe('10.0.0.1,10.96.0.0/12,fd00::1,fd00::/8');
    for (const bad of ['10.0.0.300', '10.0.0.0/33', 'fd00::/129', 'example.com', '10.0.0.0/8/1']) {
      expect(() => Fault.podNetworkLatency({ destinationIps: ['10.0.0.1', bad] })).toThrow(`Invalid pod-network-latency.destinationIps[1]: '${bad}'; `
        + 'must be an IPv4 or IPv6 address, optionally with a CIDR prefix length (e.g. 10.0.0.0/8).');
    }
    expect(() => Fault.podNetworkLatency({ destinationIps: '10.0.0.1' as unknown as string[] })).toThrow(
      "Invalid pod-network-latency.destinationIps: '10.0.0.1'; must be a list.");
    expect(() => Fault.podNetworkLoss({ destinationHosts: ['api.example.com', 'Bad Host'] })).toThrow(
      /^Invalid pod-network-loss.destinationHosts\[1\]: 'Bad Host'; must be a DNS-1123 subdomain/);
  });

  test('fails for a target container that is not a container name', () => {
    expect(env(Fault.containerKill({ targetContainer: 'nginx' })).TARGET_CONTAINER).toBe('nginx');
    expect(() => Fault.containerKill({ targetContainer: 'Nginx!' })).toThrow("Invalid container-kill.targetContainer: 'Nginx!'; must be a DNS-1123 label: "
      + "1 to 63 lower-case letters, digits or '-', starting and ending with a letter or digit.");
  });

  test('fails for an unknown runtime', () => {
    expect(() => Fault.containerKill({ runtime: 'rkt' as ContainerRuntime })).toThrow(
      "Invalid container-kill.runtime: 'rkt'; must be one of 'docker', 'containerd', 'crio'.");
  });
});
