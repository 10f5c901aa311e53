import { Duration, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { AlertmanagerServer, AlertReceiver, Severity } from '../../constructs/monitoring/alertmanager';
import { find, fixture } from './fixture';

describe('AlertmanagerServer', () => {
  test('renders its configuration Secret from typed receivers and routes by severity', () => {
    // GIVEN
    const { chart, monitoring } = fixture();
    // WHEN
    const am = new AlertmanagerServer(chart, 'Alertmanager', {
      namespace: monitoring,
      repeatInterval: Duration.minutes(90),
      receivers: [
        AlertReceiver.webhook('chaos-team', 'https://hooks.example.invalid/x', { sendResolved: false }),
        AlertReceiver.slack('oncall', 'https://hooks.slack.example.invalid/T/B/x', '#chaos', { severity: Severity.CRITICAL }),
      ],
    });
    // THEN
    const manifest = Testing.synth(chart);
    const config = YAML.parse(find(manifest, 'Secret', 'alertmanager-main-config', 'monitoring').stringData['alertmanager.yaml']);
    expect(config.route).toMatchObject({
      receiver: 'chaos-team', repeat_interval: '90m',
      routes: [{ receiver: 'oncall', matchers: ['severity="critical"'], continue: true }],
    });
    expect(config.receivers).toEqual([
      { name: 'chaos-team', webhook_configs: [{ url: 'https://hooks.example.invalid/x', send_resolved: false }] },
      { name: 'oncall', slack_configs: [{ api_url: 'https://hooks.slack.example.invalid/T/B/x', channel: '#chaos', send_resolved: true }] },
    ]);
    const cr = find(manifest, 'Alertmanager', 'main', 'monitoring');
    expect(cr.spec).toMatchObject({ version: 'v0.28.1', configSecret: 'alertmanager-main-config', serviceAccountName: 'alertmanager-main' });
    expect(am.service.name).toBe('alertmanager-main');
  });

  test('throws without receivers', () => {
    const { chart, monitoring } = fixture();
    expect(() => new AlertmanagerServer(chart, 'Alertmanager', { namespace: monitoring, receivers: [] }))
      .toThrow('Invalid AlertmanagerServer.receivers: []; must list at least one receiver; the first is the default.');
  });

  test('throws on duplicate receiver names', () => {
    const { chart, monitoring } = fixture();
    expect(() => new AlertmanagerServer(chart, 'Alertmanager', {
      namespace: monitoring, receivers: [AlertReceiver.discard('x'), AlertReceiver.discard('x')],
    })).toThrow("Invalid AlertmanagerServer.receivers: 'x'; must have unique names.");
  });

  test('throws on a URL that is not http(s), without echoing it', () => {
    expect(() => AlertReceiver.webhook('hook', 'ftp://secret-token@host/x'))
      .toThrow("Invalid AlertReceiver 'hook' url: '<redacted>'; must be an absolute http(s) URL.");
    expect(() => AlertReceiver.slack('s', 'https://x.invalid/', 'chaos')).toThrow("Invalid AlertReceiver 's' channel: 'chaos'");
  });

  test('throws on an image whose tag is not the pinned version', () => {
    const { chart, monitoring } = fixture();
    expect(() => new AlertmanagerServer(chart, 'Alertmanager', {
      namespace: monitoring, receivers: [AlertReceiver.discard('x')], image: 'quay.io/prometheus/alertmanager:v0.27.0',
    })).toThrow("Invalid AlertmanagerServer.image: 'quay.io/prometheus/alertmanager:v0.27.0'; must be pinned to the tag 'v0.28.1'");
  });
});
