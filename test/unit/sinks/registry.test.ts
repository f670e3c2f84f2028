import { beforeEach, describe, expect, it } from 'vitest';
import { type CliIo, main } from '../../../cli/main';
import { type Report, withoutCompliant } from '../../../lambda/core/report';
import { productionDeps } from '../../../lambda/handlers/scheduled-handler';
import { buildSinks, SINK_REGISTRY, type SinkEntry } from '../../../lambda/sinks/registry';
import { mockedAccount } from '../accounts';
import { daysAgo, findingOf, iamCert, reportOf, TOPIC_ARN } from '../fixtures';

/** A sink of the test's own: its module is this object, its registry line the spread below. */
function testSink(extra: Partial<SinkEntry> = {}) {
  const received: Report[] = [];
  const entry: SinkEntry = {
    name: 'test-sink',
    flag: '--test-sink',
    enabled: () => true,
    ...extra,
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

describe('the sinks of a report with COMPLIANT findings (includeCompliant)', () => {
  const compliant = findingOf({
    certificateId: 'CERTALICEYOUNG00000000001',
    credentialId: 'CERTALICEYOUNG00000000001',
    ageDays: 10,
    verdict: 'COMPLIANT',
    severity: 'INFO',
  });
  const mixed = reportOf([findingOf(), compliant]);

  it('gives the archive the whole report, and every other sink the report without them', async () => {
    const archive = testSink({ listsCompliant: true });
    const other = testSink();
    const [archiveSink] = buildSinks({}, {}, [archive.entry]);
    const [otherSink] = buildSinks({}, {}, [other.entry]);

    await archiveSink?.deliver(mixed);
    await otherSink?.deliver(mixed);

    expect(archive.received).toEqual([mixed]);
    expect(other.received[0]?.findings.map((f) => f.verdict)).toEqual(['NON_COMPLIANT']);
    expect(other.received).toEqual([withoutCompliant(mixed)]);
    expect(other.received[0]?.summary).toEqual(mixed.summary);
  });

  it('marks the archive alone as keeping them', () => {
    expect(
      SINK_REGISTRY.filter((entry) => 'listsCompliant' in entry && entry.listsCompliant).map(
        (e) => e.name,
      ),
    ).toEqual(['s3-archive']);
  });

  it('leaves a run with only compliant credentials to the logs, as SNS does a clean run', async () => {
    const [sns] = buildSinks({ topicArn: TOPIC_ARN });
    const onlyCompliant = reportOf([compliant]);

    await expect(sns?.deliver(onlyCompliant)).resolves.toEqual({
      status: 'skipped',
      detail: 'a clean run is only logged',
    });
    // The control: given the whole report, SNS's own rule would publish it.
    const entry = SINK_REGISTRY.find((e) => e.name === 'sns');
    expect(entry && 'skips' in entry ? entry.skips(onlyCompliant) : 'no rule').toBeUndefined();
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
