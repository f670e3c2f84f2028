import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  checkExemptions,
  type ExemptionEntry,
  type ExemptionList,
  exemptionsFileOf,
} from '../lambda/core/exemptions';
import { readExemptionsFile } from '../lambda/core/exemptions-file';
import { EXEMPTIONS_FILE_ENV } from '../lambda/handlers/exemptions-env';

export type { ExemptionEntry };

/** Where the layer puts the file: `/opt/` and the layer's own path. */
export const EXEMPTIONS_LAYER_PATH = '/opt/signing-cert-audit/exemptions.json';

/** What {@link AuditExemptions} is built from. */
export interface AuditExemptionsProps {
  /** The exemptions file's path (YAML, or JSON when it ends in `.json`), or the entries themselves. */
  readonly exemptions: string | readonly ExemptionEntry[];
  /** The policy's `maxExemptionDays`: no entry may end later. */
  readonly maxExemptionDays?: number | undefined;
}

/**
 * The exemptions file, checked at synth (a bad entry fails the synth, naming it) and handed to
 * the functions that audit as a Lambda layer holding the checked entries as JSON
 * ({@link EXEMPTIONS_LAYER_PATH}), named by their `EXEMPTIONS_FILE` variable. Lambda reads a
 * layer of the function's own account with no grant, so no role gains a permission: a change to
 * the file is a change to the deployment, reviewed where the file is.
 */
export class AuditExemptions extends Construct {
  /** The checked entries. */
  public readonly list: ExemptionList;
  /** The layer that holds them. */
  public readonly layer: lambda.LayerVersion;

  constructor(scope: Construct, id: string, props: AuditExemptionsProps) {
    super(scope, id);
    const options = { now: new Date(), maxExemptionDays: props.maxExemptionDays };
    this.list =
      typeof props.exemptions === 'string'
        ? readExemptionsFile(props.exemptions, options)
        : checkExemptions(
            { exemptions: props.exemptions },
            { ...options, source: 'the exemptions prop' },
          );
    // The layer's content, written once at synth; the asset is staged (copied) from it at once.
    const dir = mkdtempSync(join(tmpdir(), 'signing-cert-audit-exemptions-'));
    mkdirSync(join(dir, 'signing-cert-audit'));
    writeFileSync(
      join(dir, 'signing-cert-audit', 'exemptions.json'),
      `${JSON.stringify(exemptionsFileOf(this.list), null, 2)}\n`,
    );
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      code: lambda.Code.fromAsset(dir),
      description: `signing-cert-audit exemptions (${this.list.entries.length} entries)`,
      compatibleArchitectures: [lambda.Architecture.ARM_64],
    });
  }

  /** Gives a function that audits the exemptions: the layer, and the variable naming the file. */
  bind(fn: lambda.Function): void {
    fn.addLayers(this.layer);
    fn.addEnvironment(EXEMPTIONS_FILE_ENV, EXEMPTIONS_LAYER_PATH);
  }
}
