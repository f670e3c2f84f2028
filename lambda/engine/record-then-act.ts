import {
  type ChangeIntent,
  type ChangeRecorder,
  type ChangeResult,
  outcomeEntry,
  unwritable,
} from '../core/change-record';
import { describeError, type ErrorDetail } from '../core/errors';

/** What a change's outcome entry says, beside its key: what came of it. */
export type OutcomeFields = Pick<ChangeResult, 'outcome' | 'error'> &
  Partial<Pick<ChangeResult, 'newCertificateId' | 'statusAfter'>>;

/** What became of a change made behind its record. */
export type RecordedAct<T> =
  /** Its intent could not be written: nothing was done (the error is the record's). */
  | { readonly made: false; readonly error: ErrorDetail }
  /** It was attempted: its result, and why its outcome could not be written, if it could not. */
  | { readonly made: true; readonly result: T; readonly outcomeUnrecorded?: ErrorDetail };

/**
 * The one record-then-act step of every change this tool makes, the audit's and restore's: the
 * intent is written first, and if that write fails the change is not attempted; then `act` (which
 * reports failure in its result, never by throwing); then the outcome `outcomeOf` derives from
 * the result. An outcome that cannot be written leaves the change as made and says so: restore
 * reads IAM's state for a change without one.
 */
export async function recordThenAct<T>(
  recorder: ChangeRecorder,
  intent: ChangeIntent,
  act: () => Promise<T>,
  outcomeOf: (result: T) => OutcomeFields,
): Promise<RecordedAct<T>> {
  try {
    await recorder.write(intent);
  } catch (error: unknown) {
    return { made: false, error: unwritable(error) };
  }
  const result = await act();
  const { runId, accountId, certificateId, change } = intent;
  try {
    await recorder.write(
      outcomeEntry({ runId, accountId, certificateId, change, ...outcomeOf(result) }),
    );
    return { made: true, result };
  } catch (error: unknown) {
    return { made: true, result, outcomeUnrecorded: describeError(error) };
  }
}
