// `comptoir start`: database (embedded by default), migrations, shop, demo
// catalogue, first owner, HTTP server, timer loop and outbox loop; stops cleanly on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { bootShop } from '../app/boot.js';
import { buildServer } from '../http/server.js';
import { startOutboxLoop } from '../jobs/outbox-dispatcher.js';
import { startTimerLoop } from '../jobs/timer-runner.js';
import { loadShop } from '../policy/loader.js';
import { openDatabase } from '../store/connect.js';
import type { CliCommand } from './context.js';
import { explainStartupError } from './startup-errors.js';

export const startCommand: CliCommand = async (args, ctx) => {
  const started = performance.now();
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' } }, strict: true });
  const config = {
    ...ctx.config,
    ...(values.port ? { port: Number(values.port) } : {}),
    ...(values.host ? { host: values.host } : {}),
  };
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    ctx.err(`--port must be a number between 0 and 65535 (got ${values.port}).`);
    return 2;
  }

  let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    // The shop's files first: a typo in a shop id or a policy fails before any database work.
    const shop = await loadShop(config.shopsDir, config.shopId);
    database = await openDatabase(config, 'server');
    const booted = await bootShop(config, database.db, { shop });
    const app = await buildServer(booted.ctx);
    await app.listen({ port: config.port, host: config.host });
    const loop = startTimerLoop({ db: database.db, clock: booted.ctx.clock, handlers: booted.ctx.timers, intervalMs: config.timerIntervalMs, log: app.log });
    const outbox = startOutboxLoop({
      db: database.db,
      clock: booted.ctx.clock,
      handlers: booted.ctx.outbox,
      intervalMs: config.timerIntervalMs,
      workers: config.outboxWorkers,
      log: app.log,
    });

    const address = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${(app.server.address() as { port: number }).port}`;
    ctx.out(`Comptoir — shop ${booted.ctx.shop.id.toUpperCase()} (${booted.ctx.shop.policy.identity.tradingName}) at ${address}`);
    ctx.out(`  database: ${database.description}; clock: ${booted.ctx.clock.kind}; catalogue: ${booted.catalogue.seeded ? `seeded ${booted.catalogue.products} products` : 'already seeded'}`);
    ctx.out(`  back office: ${address}/admin — API docs: ${address}/docs — started in ${Math.round(performance.now() - started)} ms`);
    if (booted.firstOwner) {
      ctx.out('');
      ctx.out(`  First start of this shop: owner account created. This password is shown ONCE, keep it now:`);
      ctx.out(`    email:    ${booted.firstOwner.email}`);
      ctx.out(`    password: ${booted.firstOwner.password}`);
      ctx.out('');
    }

    const opened = database;
    await new Promise<void>((resolve) => {
      const stop = async (signal: string) => {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigterm);
        app.log.info({ signal }, 'shutting down');
        await app.close();
        await loop.stop();
        await outbox.stop();
        await booted.ctx.mailer.close();
        await opened.close();
        resolve();
      };
      const onSigint = () => void stop('SIGINT');
      const onSigterm = () => void stop('SIGTERM');
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigterm);
    });
    ctx.out('Comptoir stopped.');
    return 0;
  } catch (error) {
    await database?.close().catch(() => undefined);
    ctx.err(explainStartupError(error, config));
    return 1;
  }
};
