// The payload properties that say how each Laravel version's app queued a job, never what the job
// works on (../shared/laravel/VERSIONS.md): written out here, apart from src/queue/decode/payload.ts,
// so the tests check the decoder against the versions' own record rather than against itself.
export const BOOKKEEPING = [
  'job',
  'connection',
  'queue',
  'chainConnection',
  'chainQueue',
  'chainCatchCallbacks',
  'delay',
  'afterCommit',
  'middleware',
  'chained',
  'batchId',
  'fakeBatch',
  'messageGroup',
  'deduplicator',
];
/** A queued listener's copies of the listener's own settings (10.x failOnTimeout, 12.50+ uniqueness). */
export const LISTENER_BOOKKEEPING = ['failOnTimeout', 'shouldBeUnique', 'shouldBeUniqueUntilProcessing', 'uniqueId', 'uniqueFor'];
