import { beforeEach, describe, expect, it } from 'vitest';
import { type CliIo, main } from '../../../cli/main';
import type { Report } from '../../../lambda/core/report';
import { productionDeps } from '../../../lambda/handlers/scheduled-handler';
import { buildSinks, SINK_REGISTRY, type SinkEntry } from '../../../lambda/sinks/registry';
import { mockedAccount } from '../accounts';
import { daysAgo, iamCert, TOPIC_ARN } from '../fixtures';

/** A sink of the test's own: its module is this object, its registry line the spread below. */
function testSink() {
  const received: Report[] = [];
  const entry: SinkEntry = {
    name: 'test-sink',
    flag: '--test-sink',
    enabled: () => true,
    load: async () => ({
      name: 'test-sink',
      async deliver(report) {
        received.push(report);
        return { status: 'delivered', detail: 'kept by the test' };
      },
    }),
  };
  return { entry, received, registry: [...SINK_REGISTRY, entry] };
}

describe('the sink registry', () => {
  it('builds the sinks the settings turn on, in its order: the archive before SNS and Security Hub', () => {
    const all = buildSinks({
      archiveBucket: 'evidence',
      topicArn: TOPIC_ARN,
      securityHubRegion: 'us-east-1',
    });

    expect(all.map((sink) => sink.name)).toEqual(['s3-archive', 'sns', 'security-hub']);
    expect(buildSinks({ topicArn: TOPIC_ARN }).map((sink) => sink.name)).toEqual(['sns']);
    expect(buildSinks({})).toEqual([]);
  });

  it('gives each sink a unique name and CLI flag', () => {
    expect(new Set(SINK_REGISTRY.map((entry) => entry.name)).size).toBe(SINK_REGISTRY.length);
    expect(new Set(SINK_REGISTRY.map((entry) => entry.flag)).size).toBe(SINK_REGISTRY.length);
  });

  it('is where the scheduled function takes its sinks from: a new entry is picked up', () => {
    const { registry } = testSink();

    const deps = productionDeps({ TOPIC_ARN, ARCHIVE_BUCKET: 'evidence' }, registry);

    expect(deps.sinks.map((sink) => sink.name)).toEqual(['s3-archive', 'sns', 'test-sink']);
  });
});

describe('the CLI takes its sinks from the registry', () => {
  const account = mockedAccount();

  beforeEach(() =>
    account.answer({ alice: [iamCert('alice', 'CERTALICEOLD0000000000001', daysAgo(400))] }),
  );

  it('delivers the report to a new entry of the registry, with no other change', async () => {
    const { registry, received } = testSink();
    const out: string[] = [];
    const io: CliIo = {
      stdout: { write: (text: string) => out.push(text), isTTY: false },
      stderr: { write: () => undefined, isTTY: false },
      env: { AWS_REGION: 'us-east-1' },
      sinkRegistry: registry,
    };

    const status = await main(['--format', 'json'], io);

    expect(status).toBe(1);
    expect(received.map((report) => report.summary.nonCompliant)).toEqual([1]);
    expect(JSON.parse(out.join('')).summary.nonCompliant).toBe(1);
  });
});
