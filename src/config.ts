/**
 * Run profiles. `NAS_PROFILE` scales every study: `smoke` (CI, minutes),
 * `paper` (the default: the papers' protocol scaled to a 2-core CPU where
 * needed), `long` (overnight on one machine, or a few hours on several through
 * the run queue), `full` (the papers' full protocol, for a GPU or a long night).
 */
export const PROFILES = ['smoke', 'paper', 'long', 'full'] as const;
export type Profile = (typeof PROFILES)[number];

export function currentProfile(env: NodeJS.ProcessEnv = process.env): Profile {
  const raw = env['NAS_PROFILE'];
  if (raw === undefined || raw === '') return 'paper';
  if ((PROFILES as readonly string[]).includes(raw)) return raw as Profile;
  throw new Error(`NAS_PROFILE=${JSON.stringify(raw)} is not a profile; use one of ${PROFILES.join(', ')}`);
}

/**
 * Picks the value for the current profile. A study that gives no `long`
 * value runs its `full` one there (for those studies `full` already fits a
 * night on one machine).
 */
export function byProfile<T>(values: Record<Exclude<Profile, 'long'>, T> & { readonly long?: T }, profile: Profile = currentProfile()): T {
  return profile === 'long' ? (values.long ?? values.full) : values[profile];
}

/** Where results (cached runs, figures, executed notebooks) go: `NAS_RESULTS_DIR` or `./results`. */
export function resultsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['NAS_RESULTS_DIR'] || 'results';
}
