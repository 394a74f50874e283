/** The GCRA step shared by every limiter: from the stored TAT and now, the verdict and new TAT. */
export interface GcraStep {
  /** Run now. */
  allowed: boolean;
  /** When the caller may run (its slot), epoch ms. */
  at: number;
  /** The new theoretical arrival time to store. */
  tat: number;
}

/**
 * One acquire: allowed when the TAT less the burst tolerance is not in the future; a denied
 * caller that reserves is given the slot `tat - tolerance` and pushes the TAT one interval on.
 */
export function gcraStep(
  storedTat: number | null,
  now: number,
  intervalMs: number,
  burst: number,
  reserve: boolean,
): GcraStep {
  const tat = Math.max(storedTat ?? now, now);
  const allowAt = tat - (Math.max(1, burst) - 1) * intervalMs;
  if (allowAt <= now) return { allowed: true, at: now, tat: tat + intervalMs };
  return { allowed: false, at: allowAt, tat: reserve ? tat + intervalMs : tat };
}
