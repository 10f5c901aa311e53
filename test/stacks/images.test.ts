import { Testing } from 'cdk8s';
import { ChaosStack } from '../../stacks/chaos-stack';
import { environmentConfig } from '../../stacks/environments';
import { IMAGES, imageOf, type ImageOverrides } from '../../lib/versions';

function images(overrides?: ImageOverrides): string[] {
  const stack = new ChaosStack(Testing.app(), 'dev', { config: environmentConfig('dev'), images: overrides });
  const text = JSON.stringify(stack.layers.flatMap((l) => l.chart.toJson()));
  return [...new Set([...text.matchAll(/"(?:image|value|LIB_IMAGE)":"([^"]+:[^"]+)"/g)].map((m) => m[1] ?? ''))];
}

describe('image overrides (one typed map from ChaosStackProps)', () => {
  test('without overrides every image is the pin of lib/versions.ts', () => {
    const used = images().filter((i) => Object.values(IMAGES).includes(i as never));
    expect(used).toEqual(expect.arrayContaining([
      IMAGES.nginxUnprivileged, IMAGES.chaosOperator, IMAGES.chaosRunner, IMAGES.goRunner, IMAGES.k6, IMAGES.grafana,
    ]));
  });

  test('an override replaces the image everywhere it is used, and nothing else', () => {
    const over: ImageOverrides = {
      nginxUnprivileged: 'local/nginx:1', chaosOperator: 'local/operator:1', chaosRunner: 'local/runner:1', goRunner: 'local/go-runner:1',
      k6: 'local/k6:1', prometheus: 'local/prometheus:v3.5.0', grafana: 'local/grafana:1', chaosExporter: 'local/exporter:1',
    };
    const used = images(over);
    for (const [name, image] of Object.entries(over)) {
      expect(used).toContain(image);
      expect(used).not.toContain(IMAGES[name as keyof typeof IMAGES]);
    }
    expect(used).toContain(IMAGES.alertmanager);
  });

  test('the go-runner override is also the experiments LIB_IMAGE', () => {
    const stack = new ChaosStack(Testing.app(), 'dev', { config: environmentConfig('dev'), images: { goRunner: 'local/go-runner:2' } });
    const exps = stack.charts.experiments.toJson().filter((o: { kind: string }) => o.kind === 'ChaosExperiment');
    for (const e of exps) {
      const lib = e.spec.definition.env.find((v: { name: string }) => v.name === 'LIB_IMAGE');
      if (lib !== undefined) expect(lib.value).toBe('local/go-runner:2');
      expect(e.spec.definition.image).toBe('local/go-runner:2');
    }
  });

  test('an unpinned or unknown override is rejected naming the field', () => {
    expect(() => images({ nginxUnprivileged: 'local/nginx:latest' })).toThrow(/images\.nginxUnprivileged.*pinned/);
    expect(() => images({ nginxUnprivileged: 'local/nginx' })).toThrow(/images\.nginxUnprivileged/);
    expect(() => images({ nginx: 'local/nginx:1' } as unknown as ImageOverrides)).toThrow(/images\.nginx.*not an image of the stack/);
    expect(imageOf('kubectl')).toBe(IMAGES.kubectl);
  });
});
