/**
 * Migration 0019's fold once more (stages stored in another case than the stored stage order
 * spells them take the order's spelling, in `deals` and `stage_history`): a release after 0019
 * could still leave a store in two spellings, when a CRM sync replaced the stage order with its
 * pipeline's (`Contract Sent`) over deals a CSV import had stored as `contract sent`, or merged two
 * CRMs' orders that spell one stage in different case. Syncs now fold them as they save the order;
 * this repairs the stores such a sync left behind. A store with nothing to fold is left as it was.
 */
export { down, up } from './0019-stage-stored-spelling.js'
