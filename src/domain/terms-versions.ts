// ID-2: a terms version takes effect at its instant; the version in force at a
// moment is the latest one whose effective instant has passed.
export type VersionInTime = { id: string; effectiveAt: Date };

export function versionInForce<T extends VersionInTime>(versions: readonly T[], now: Date): T | undefined {
  let current: T | undefined;
  for (const version of versions) {
    if (version.effectiveAt.getTime() <= now.getTime() && (!current || version.effectiveAt.getTime() >= current.effectiveAt.getTime())) {
      current = version;
    }
  }
  return current;
}
