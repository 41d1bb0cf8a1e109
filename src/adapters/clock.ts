// The Clock port (design.md "Time"). The domain never reads time: use cases
// ask the clock once and pass `now` down.
import { sql } from 'kysely';
import type { Config } from '../config.js';
import { DomainError } from '../domain/errors.js';
import type { Db, Queryable } from '../store/db.js';

export interface Clock {
  readonly kind: 'system' | 'manual';
  now(): Promise<Date>;
}

export type SystemClock = Clock & { readonly kind: 'system' };

export const systemClock: SystemClock = {
  kind: 'system',
  now: async () => new Date(),
};

/** The clock the engine runs on: narrow with `clock.kind === 'manual'`. */
export type EngineClock = SystemClock | ManualClock;

/** A clock move: where the engine clock was, and where it is now. */
export type ClockMove = { from: Date; to: Date };

/**
 * Dev/test clock (`COMPTOIR_CLOCK=manual`). Its instant lives in the
 * `engine_clock` row, so the server, the CLI and a second engine on the same
 * database all read the same time. It is frozen unless moved, and it only
 * moves forward.
 *
 * Moving it here does NOT fire timers: use `advanceManualClock`
 * (src/jobs/timer-runner.ts), which moves it step by step and fires what falls
 * due before returning.
 */
export class ManualClock implements Clock {
  readonly kind = 'manual' as const;

  private constructor(private readonly db: Db) {}

  /**
   * Opens the shared manual clock. Creates the row when absent, at `start`, else
   * at the current real time truncated to the second. An existing row keeps its
   * instant (a restart does not rewind time) unless `options.reset` is set, in
   * which case it is set to `start` (or the real time) — even backwards: that is
   * an explicit reset, not a move.
   */
  static async open(db: Db, start?: Date, options: { reset?: boolean } = {}): Promise<ManualClock> {
    const initial = start ?? truncateToSecond(new Date());
    assertValidInstant(initial, 'start');
    const insert = db.insertInto('engine_clock').values({ singleton: true, now: initial });
    await (options.reset
      ? insert.onConflict((oc) => oc.column('singleton').doUpdateSet({ now: initial }))
      : insert.onConflict((oc) => oc.column('singleton').doNothing())
    ).execute();
    return new ManualClock(db);
  }

  /** The engine time. `q` lets a caller read it inside its own transaction. */
  async now(q: Queryable = this.db): Promise<Date> {
    const row = await q.selectFrom('engine_clock').select('now').where('singleton', '=', true).executeTakeFirst();
    if (!row) throw new Error('The manual clock has no engine_clock row: open it with ManualClock.open(db) first.');
    return row.now;
  }

  /**
   * Sets the engine time to `to` (same instant allowed). Does not fire timers.
   * @throws DomainError `clock.backwards` (field `to`) when `to` is before the engine time.
   */
  async moveTo(to: Date): Promise<ClockMove> {
    assertValidInstant(to, 'to');
    return this.db.transaction().execute(async (tx) => {
      const current = await lockClock(tx);
      if (to.getTime() < current.getTime()) {
        throw new DomainError(
          'clock.backwards',
          { field: 'to', now: current.toISOString(), requested: to.toISOString() },
          `The engine clock only moves forward: it is ${current.toISOString()}, ${to.toISOString()} is earlier.`,
        );
      }
      await tx.updateTable('engine_clock').set({ now: to }).where('singleton', '=', true).execute();
      return { from: current, to };
    });
  }

  /**
   * Moves the engine time to `to` unless it is already later (another process
   * moved it further); returns the engine time afterwards. Used by the
   * step-by-step advance, which must never fail half-way on a concurrent move.
   */
  async reach(to: Date): Promise<Date> {
    assertValidInstant(to, 'to');
    const { rows } = await sql<{ now: Date }>`
      UPDATE engine_clock SET now = greatest(now, ${to}::timestamptz) WHERE singleton RETURNING now`.execute(this.db);
    const row = rows[0];
    if (!row) throw new Error('The manual clock has no engine_clock row: open it with ManualClock.open(db) first.');
    return row.now;
  }
}

/** The engine clock the configuration asks for (config.clock from src/config.ts). */
export async function openEngineClock(db: Db, clock: Config['clock']): Promise<EngineClock> {
  return clock.kind === 'manual' ? ManualClock.open(db, clock.start) : systemClock;
}

async function lockClock(q: Queryable): Promise<Date> {
  const row = await q.selectFrom('engine_clock').select('now').where('singleton', '=', true).forUpdate().executeTakeFirst();
  if (!row) throw new Error('The manual clock has no engine_clock row: open it with ManualClock.open(db) first.');
  return row.now;
}

function truncateToSecond(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

function assertValidInstant(d: Date, field: string): void {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw new DomainError('clock.invalid_instant', { field }, `Not a valid instant for ${field}.`);
  }
}
