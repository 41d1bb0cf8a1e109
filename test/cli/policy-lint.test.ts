import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { policyLintCommand } from '../../src/cli/policy-lint.js';
import type { CliContext } from '../../src/cli/context.js';
import { readConfig } from '../../src/config.js';

function fakeCtx() {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    config: readConfig({ COMPTOIR_SHOPS_DIR: path.resolve('shops') }),
    openDb: () => Promise.reject(new Error('policy lint must not open the database')),
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { ctx, out, err };
}

describe('comptoir policy lint', () => {
  it('warnings only → exit 0, with rule, path, value, floor and applied', async () => {
    const { ctx, out } = fakeCtx();
    expect(await policyLintCommand(['jw'], ctx)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('WD-1/WD-2');
    expect(text).toContain('withdrawal.period');
    expect(text).toContain('policy: 10 calendar days | legal floor: 14 calendar days | applied: 14 calendar days');
    expect(text).toContain('0 errors, 4 warnings');
  });

  it('--json prints the findings array', async () => {
    const { ctx, out } = fakeCtx();
    expect(await policyLintCommand(['jw', '--json'], ctx)).toBe(0);
    const findings = JSON.parse(out.join('\n')) as { rule: string; applied: unknown }[];
    expect(findings.find((f) => f.rule === 'WD-1/WD-2')!.applied).toEqual({ days: 14, kind: 'calendar' });
  });

  it('errors → exit 1 (path to a policy file)', async () => {
    const { ctx, out } = fakeCtx();
    expect(await policyLintCommand(['test/policy/fixtures/no-mediator/policy.yaml'], ctx)).toBe(1);
    expect(out.join('\n')).toMatch(/ERROR\s+ID-5\s+mediator/);
  });

  it('a clean shop → exit 0', async () => {
    const { ctx } = fakeCtx();
    expect(await policyLintCommand(['fa', '--json'], ctx)).toBe(0);
  });

  it('usage and load errors → exit 2 with the message', async () => {
    const usage = fakeCtx();
    expect(await policyLintCommand([], usage.ctx)).toBe(2);
    expect(usage.err.join('\n')).toContain('Usage: comptoir policy lint');
    expect(await policyLintCommand(['fa', '--yaml'], usage.ctx)).toBe(2);

    const unknown = fakeCtx();
    expect(await policyLintCommand(['zz'], unknown.ctx)).toBe(2);
    expect(unknown.err.join('\n')).toContain('Shops available: el, fa, fr, jw, pf');

    const bad = fakeCtx();
    expect(await policyLintCommand(['test/policy/fixtures/bad-values/policy.yaml'], bad.ctx)).toBe(2);
    expect(bad.err.join('\n')).toMatch(/shipping\.methods\[0\]\.rates\.DE\.EUR \(line \d+\)/);
  });
});
