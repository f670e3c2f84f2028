import { describe, expect, it } from 'vitest';
import { bundleDefines } from '../../lib/bundling';
import { buildHandlerBundle, type HandlerBundle } from '../../scripts/handler-bundle';

describe('the function bundle', () => {
  it('ships the Security Hub client only to a function deployed with Security Hub', async () => {
    const text = (bundle: HandlerBundle) =>
      Object.values(bundle.files)
        .map((file) => Buffer.from(file).toString())
        .join('\n');
    const without = text(await buildHandlerBundle({ securityHub: false }));
    const withIt = text(await buildHandlerBundle({ securityHub: true }));

    expect(without).not.toContain('BatchImportFindings');
    expect(withIt).toContain('BatchImportFindings');
    expect(withIt.length - without.length).toBeGreaterThan(100_000);
  });

  it("keeps the archive's, SNS's and Security Hub's clients out of the start-up (loaded at first use)", async () => {
    const bundle = await buildHandlerBundle({ securityHub: true });
    const atStart = (client: string) =>
      bundle.initInputs.some((input) => input.includes(`node_modules/@aws-sdk/${client}/`));

    expect(atStart('client-iam')).toBe(true);
    expect(['client-s3', 'client-sns', 'client-securityhub'].filter(atStart)).toEqual([]);
    // They are in the asset, as chunks of their own.
    const all = Object.values(bundle.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
    for (const client of ['client-s3', 'client-sns', 'client-securityhub']) {
      expect(all.some((input) => input.includes(`node_modules/@aws-sdk/${client}/`))).toBe(true);
    }
  });

  it('reads the exemptions as JSON: the YAML parser is never in a function', async () => {
    const bundle = await buildHandlerBundle({ securityHub: true });
    const all = Object.values(bundle.metafile.outputs).flatMap((o) => Object.keys(o.inputs));

    expect(all.filter((input) => input.includes('node_modules/yaml/'))).toEqual([]);
    // Control: the function does read the exemptions (their checks are in it).
    expect(all.some((input) => input.endsWith('lambda/core/exemptions.ts'))).toBe(true);
  });

  it('defines nothing for a function with every feature', () => {
    expect(bundleDefines({ securityHub: true })).toEqual({});
  });
});
