/** Default stage order of an open deal's journey; `Closed` is where won deals end (contract: `PULSE_STAGES`). */
export const DEFAULT_STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed'] as const
