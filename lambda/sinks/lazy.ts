import type { Report } from '../core/report';
import type { Delivery, DeliveryContext, ReportSink } from './sink';

/**
 * A sink whose module is loaded only when a report concerns it: `load` runs on the first such
 * delivery (a dynamic import, which the bundle keeps unevaluated until then), so a clean run's
 * cold start never pays for an SDK client it does not use.
 */
export function lazySink(
  name: string,
  concerns: (report: Report) => Delivery | undefined,
  load: () => Promise<ReportSink>,
): ReportSink {
  let loaded: Promise<ReportSink> | undefined;
  return {
    name,
    async deliver(report, context?: DeliveryContext) {
      const skipped = concerns(report);
      if (skipped) return skipped;
      loaded ??= load();
      return (await loaded).deliver(report, context);
    },
  };
}
