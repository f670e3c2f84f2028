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

  it('defines nothing for a function with every feature', () => {
    expect(bundleDefines({ securityHub: true })).toEqual({});
  });
});
