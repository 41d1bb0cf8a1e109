// `comptoir clock show | advance <duration> | set <instant>` (design.md "Time").
// Moving the clock fires the timers that fall due, in order, before returning.
import { z } from 'zod';
import { ManualClock, systemClock } from '../adapters/clock.js';
import { formatDuration, parseDuration } from '../domain/duration.js';
import { DomainError } from '../domain/errors.js';
import { timerHandlers } from '../jobs/timer-kinds.js';
import { advanceManualClock, DEFAULT_MAX_ATTEMPTS, type AdvanceResult } from '../jobs/timer-runner.js';
import { listNextPendingTimers } from '../store/timers.js';
import type { CliCommand, CliContext } from './context.js';

const USAGE = [
  'Usage: comptoir clock show                  engine time, clock kind and the next pending timers',
  '       comptoir clock advance <duration>    move a manual clock forward (3d, 2h, 90m, 1w, 1d12h…) and fire due timers',
  '       comptoir clock set <ISO instant>     move a manual clock forward to an instant (2027-03-03T10:00:00Z)',
].join('\n');

const NEXT_TIMERS_SHOWN = 10;
const isoInstant = z.iso.datetime({ offset: true });

export const clockCommand: CliCommand = async (args, ctx) => {
  const [sub = 'show', ...rest] = args;
  if (sub === 'show' && rest.length === 0) return show(ctx);
  if (sub === 'advance' && rest.length === 1) {
    let ms: number;
    try {
      ms = parseDuration(rest[0]!);
    } catch (error) {
      if (error instanceof DomainError) return refuse(ctx, error.message);
      throw error;
    }
    return move(ctx, ms);
  }
  if (sub === 'set' && rest.length === 1) {
    const text = rest[0]!;
    if (!isoInstant.safeParse(text).success) {
      return refuse(ctx, `Invalid instant ${JSON.stringify(text)}: expected an ISO 8601 date-time with an offset, such as 2027-03-03T10:00:00Z.`);
    }
    return move(ctx, new Date(text));
  }
  ctx.err(USAGE);
  return 2;
};

async function show(ctx: CliContext): Promise<number> {
  const db = await ctx.openDb();
  const clock = ctx.config.clock.kind === 'manual' ? await ManualClock.open(db, ctx.config.clock.start) : systemClock;
  const now = await clock.now();
  ctx.out(`Engine clock: ${clock.kind}${clock.kind === 'manual' ? ' (moved with comptoir clock advance|set)' : ' (real time)'}`);
  ctx.out(`Now: ${now.toISOString()}`);
  const timers = await listNextPendingTimers(db, NEXT_TIMERS_SHOWN);
  if (timers.length === 0) {
    ctx.out('No pending timers.');
    return 0;
  }
  ctx.out(`Next pending timers (${timers.length === NEXT_TIMERS_SHOWN ? `first ${NEXT_TIMERS_SHOWN}` : timers.length}):`);
  for (const t of timers) {
    const delta = Math.round((t.dueAt.getTime() - now.getTime()) / 1000) * 1000;
    const when = delta >= 0 ? `in ${formatDuration(delta)}` : `overdue by ${formatDuration(-delta)}`;
    const retry = t.attempts > 0 ? `  [${t.attempts}/${DEFAULT_MAX_ATTEMPTS} failed attempts: ${t.lastError ?? ''}]` : '';
    ctx.out(`  ${t.dueAt.toISOString()}  ${when.padEnd(18)}  ${t.shopId}  ${t.kind}  ${t.key}${retry}`);
  }
  return 0;
}

async function move(ctx: CliContext, target: Date | number): Promise<number> {
  if (ctx.config.clock.kind !== 'manual') {
    return refuse(
      ctx,
      'The engine runs on the system clock (COMPTOIR_CLOCK=system): it follows real time and cannot be moved. ' +
        'Use COMPTOIR_CLOCK=manual (refused when NODE_ENV=production) to move time in development and tests.',
    );
  }
  const db = await ctx.openDb();
  const clock = await ManualClock.open(db, ctx.config.clock.start);
  let result: AdvanceResult;
  try {
    result = await advanceManualClock(db, clock, timerHandlers(), target);
  } catch (error) {
    if (error instanceof DomainError) return refuse(ctx, error.message);
    throw error;
  }
  const step = formatDuration(result.to.getTime() - result.from.getTime());
  ctx.out(`Engine clock moved from ${result.from.toISOString()} to ${result.to.toISOString()} (+${step}).`);
  ctx.out(`Timers fired: ${result.fired}.`);
  for (const f of result.failures) {
    ctx.err(
      `Timer ${f.key} (${f.kind}) failed, attempt ${f.attempts}/${DEFAULT_MAX_ATTEMPTS}` +
        `${f.gaveUp ? ', marked failed' : ', will be retried'}: ${f.error}`,
    );
  }
  return 0;
}

function refuse(ctx: CliContext, message: string): number {
  ctx.err(message);
  return 1;
}
