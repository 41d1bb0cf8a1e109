import { it } from 'vitest';
import { useTestApp } from '../support/app.js';
const t = useTestApp('fa');
it('explore', async () => {
  const r = await t.app.inject({ method: 'POST', url: '/api/admin/session', payload: { email: t.owner.email, password: t.owner.password } });
  console.log(r.headers['set-cookie'], r.cookies);
});
