// The same-run reference for `npm run bench`: a bare Fastify + pg server
// answering a primary-key SELECT. Every Comptoir figure is reported as a ratio
// of this one, measured on the same machine in the same run.
import Fastify from 'fastify';
import pg from 'pg';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const pool = new pg.Pool({ connectionString: url, max: 10 });
const app = Fastify();
app.get<{ Params: { id: string } }>('/ref/:id', async (request) => {
  const { rows } = await pool.query('SELECT id, slug, name FROM products WHERE id = $1', [request.params.id]);
  return rows[0] ?? null;
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`listening ${(app.server.address() as { port: number }).port}`);
const stop = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
