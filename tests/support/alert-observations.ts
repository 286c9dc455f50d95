// What the detector's unit tests start from: no alert yet, and a look at the queues in which
// nothing is wrong unless the test says what is.
import type { AlertMemory, Observation } from '../../src/alerts/detector.ts';

/** No incident, no message; failures counted up to id 100. */
export const fresh: AlertMemory = { incidents: [], messages: [], failedCursor: 100 };

/** A look at `now` (unix seconds) with nothing stuck, stalled or failing, but for `parts`. */
export const obs = (now: number, parts: Partial<Observation> = {}): Observation => ({
  now,
  stuckJobs: [],
  queues: [],
  newFailures: [],
  moreFailures: false,
  maxFailedId: 100,
  ...parts,
});
