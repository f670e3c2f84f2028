import type { ArchiveLocation } from '../core/archive-layout';
import { describeError, type ErrorDetail } from '../core/errors';
import type { Delivery, DeliveryContext } from './sink';

/** A sink of any report kind: an account's report or the organization's. */
interface AnySink<R> {
  readonly name: string;
  deliver(report: R, context?: DeliveryContext): Promise<Delivery>;
}

/** What the sinks did with a report. */
export interface Deliveries {
  readonly deliveries: readonly ({ readonly sink: string } & Delivery)[];
  readonly failures: readonly { readonly sink: string; readonly error: ErrorDetail }[];
}

/**
 * Delivers a report to each sink in order, each hearing what the earlier ones did (the digest
 * links the archive only once it was written). A failed sink is recorded and the next one still
 * runs: the caller decides what a failure means (a failed invocation, an exit status).
 */
export async function deliverToSinks<R>(
  sinks: readonly AnySink<R>[],
  report: R,
  onFailure: (sink: string, error: ErrorDetail) => void,
): Promise<Deliveries> {
  const deliveries: Deliveries['deliveries'][number][] = [];
  const failures: Deliveries['failures'][number][] = [];
  let archived: ArchiveLocation | undefined;
  for (const sink of sinks) {
    try {
      const delivery = await sink.deliver(report, {
        ...(archived ? { archived } : {}),
        failed: failures.map((failure) => failure.sink),
      });
      if (delivery.status === 'delivered' && delivery.archived) archived = delivery.archived;
      deliveries.push({ sink: sink.name, ...delivery });
    } catch (error: unknown) {
      const detail = describeError(error);
      failures.push({ sink: sink.name, error: detail });
      onFailure(sink.name, detail);
    }
  }
  return { deliveries, failures };
}
