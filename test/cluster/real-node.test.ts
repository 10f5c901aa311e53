import { SIMULATED_NODE_TAINT, simulatedNode } from '../../tools/cluster/control-plane';

describe('the simulated node (kwok)', () => {
  test('kwok mode: untainted, so workloads schedule on it; annotated for a kwok limited to its own nodes', () => {
    const n = simulatedNode('kwok-node-0') as { spec?: unknown; metadata: { annotations: Record<string, string> } };
    expect(n.spec).toBeUndefined();
    expect(n.metadata.annotations['kwok.x-k8s.io/node']).toBe('fake');
  });

  test('real-node mode: tainted, so workloads land on the real kubelet', () => {
    const n = simulatedNode('kwok-node-0', true) as { spec: { taints: unknown[] } };
    expect(n.spec.taints).toEqual([SIMULATED_NODE_TAINT]);
  });
});
