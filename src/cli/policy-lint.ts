// `comptoir policy lint <shop-id | path/to/policy.yaml> [--json]`: checks a
// shop's policy and terms against the legal floor (src/policy/lint.ts).
// Exit codes: 0 = no error (warnings allowed), 1 = errors, 2 = usage or load error.
// Never opens the database. `args` are the words after `policy lint`.
import path from 'node:path';
import { loadShop, loadShopDir, PolicyLoadError, type LoadedShop } from '../policy/loader.js';
import { lintShop, type Finding } from '../policy/lint.js';
import type { CliCommand } from './context.js';

const USAGE = 'Usage: comptoir policy lint <shop-id | path/to/policy.yaml> [--json]';

function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'days' in value && 'kind' in value) {
    const v = value as { days: number; kind: string; from?: string };
    return `${v.days} ${v.kind.replace(/_/g, ' ')} days${v.from ? ` from ${v.from.replace(/_/g, ' ')}` : ''}`;
  }
  return JSON.stringify(value);
}

export function formatFinding(f: Finding): string[] {
  return [
    `${f.severity.toUpperCase().padEnd(7)} ${f.rule.padEnd(9)} ${f.path}`,
    `        ${f.message}`,
    `        policy: ${show(f.value)} | legal floor: ${show(f.floor)} | applied: ${show(f.applied)}`,
  ];
}

export const policyLintCommand: CliCommand = async (args, ctx) => {
  const json = args.includes('--json');
  const positional = args.filter((a) => a !== '--json');
  const unknownFlag = positional.find((a) => a.startsWith('-'));
  if (positional.length !== 1 || unknownFlag) {
    ctx.err(unknownFlag ? `Unknown option ${unknownFlag}.\n${USAGE}` : USAGE);
    return 2;
  }
  const target = positional[0]!;
  let shop: LoadedShop;
  try {
    if (target.endsWith('.yaml') || target.endsWith('.yml') || target.includes('/') || target.includes(path.sep)) {
      // A policy file: its folder is the shop folder (terms/ next to it).
      shop = await loadShopDir(path.dirname(path.resolve(target)));
    } else {
      shop = await loadShop(ctx.config.shopsDir, target);
    }
  } catch (error) {
    if (error instanceof PolicyLoadError) {
      ctx.err(error.message);
      return 2;
    }
    throw error;
  }

  const findings = lintShop(shop);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  if (json) {
    ctx.out(JSON.stringify(findings, null, 2));
  } else {
    const rel = path.relative(process.cwd(), shop.policyFile);
    ctx.out(`Policy lint — shop ${shop.id} (${rel.startsWith('..') ? shop.policyFile : rel})`);
    for (const f of findings) for (const line of formatFinding(f)) ctx.out(line);
    ctx.out(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.${errors === 0 && warnings > 0 ? ' The engine applies the legal floor where the policy is below it.' : ''}`);
  }
  return errors > 0 ? 1 : 0;
};
