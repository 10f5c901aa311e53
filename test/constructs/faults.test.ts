import { Duration } from 'cdk8s';
import {
  ContainerRuntime, Fault, FAULT_DEFINITIONS, FAULT_NAMES, FaultLevel, FaultName, FaultScope, type FaultSpec, Placement,
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

  test('fails for an unknown runtime', () => {
    expect(() => Fault.containerKill({ runtime: 'rkt' as ContainerRuntime })).toThrow(
      "Invalid container-kill.runtime: 'rkt'; must be one of 'docker', 'containerd', 'crio'.");
  });
});
