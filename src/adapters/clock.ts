// The Clock port (design.md "Time"). The domain never reads time: use cases
// ask the clock once and pass `now` down.
export interface Clock {
  readonly kind: 'system' | 'manual';
  now(): Promise<Date>;
}

export const systemClock: Clock = {
  kind: 'system',
  now: async () => new Date(),
};
