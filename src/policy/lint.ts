// The policy linter: what a shop's policy and terms say, checked against the
// legal floor. Two kinds of findings:
// - warning: the policy is below the law but the engine corrects it at run
//   time (src/domain/legal-floor.ts); `applied` says what the engine uses.
// - error: the engine cannot fix it (a missing mediator, a link to the closed
//   EU ODR platform, terms that do not mention the withdrawal function…).
import {
  effectiveConformityRemedyDays,
  effectiveDeliveryDeadlineDays,
  effectiveOrderArchive,
  effectiveOrderButtonLabel,
  effectiveRefundDelay,
  effectiveSendBackPeriod,
  effectiveWithdrawalPeriod,
  withdrawalFloor,
  type FloorResult,
} from '../domain/legal-floor.js';
import type { LoadedShop, TermsVersion } from './loader.js';
import { formatPath } from './yaml-file.js';
import type { Period } from './schema.js';

export type Finding = {
  rule: string;
  severity: 'error' | 'warning';
  /** Where: a path in policy.yaml (`withdrawal.period`) or a terms file (`terms/v2.fr.md`). */
  path: string;
  message: string;
  /** What the policy says (null when the finding is about something missing). */
  value: unknown;
  /** The legal floor (null when the rule has no number). */
  floor: unknown;
  /** What the engine applies at run time (null for errors: nothing it can apply). */
  applied: unknown;
};

/**
 * ID-5: the EU online dispute resolution platform closed on 20 July 2025.
 * Its addresses: ec.europa.eu/consumers/odr (and /odr/main), webgate.ec.europa.eu/odr.
 */
const ODR_LINK = /(?:https?:\/\/)?(?:[a-z0-9-]+\.)*ec\.europa\.eu\/(?:consumers\/)?odr\b[^\s)>\]"']*/gi;

/**
 * WD-4: the terms must say that the withdrawal function exists and where. The
 * check is deterministic: each text names the control by its statutory label.
 */
const WITHDRAWAL_FUNCTION = { fr: /renoncer au contrat ici/i, en: /withdraw from (?:the )?contract here/i } as const;

/** ID-4: the legal guarantee box is recognised by its heading words. */
const LEGAL_GUARANTEE = { fr: /garantie légale de conformité/i, en: /legal guarantee of conformity/i } as const;

const describePeriod = (p: Period) => `${p.days} ${p.kind === 'calendar' ? 'calendar' : p.kind === 'working' ? 'working' : 'working (Saturdays included)'} days`;

function fromFloor<T>(r: FloorResult<T>, path: string, message: string): Finding {
  return { rule: r.rule, severity: 'warning', path, message, value: r.declared ?? null, floor: r.floor, applied: r.applied };
}

/** Every string in the policy with its path, for link checks. */
function* strings(value: unknown, path: (string | number)[] = []): Generator<[string, string]> {
  if (typeof value === 'string') yield [formatPath(path), value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, [...path, i]);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* strings(v, [...path, k]);
}

/** The version a customer sees now or will see next: the latest by effective date (older ones are history, ID-2). */
function latestTerms(terms: TermsVersion[]): TermsVersion | undefined {
  return terms.reduce<TermsVersion | undefined>((a, b) => (a === undefined || b.effectiveAt >= a.effectiveAt ? b : a), undefined);
}

export function lintShop(loaded: LoadedShop): Finding[] {
  const { policy } = loaded;
  const findings: Finding[] = [];

  // --- below the floor, corrected at run time (warnings)
  const withdrawal = effectiveWithdrawalPeriod(policy);
  if (withdrawal.raised) {
    findings.push(
      fromFloor(
        withdrawal,
        'withdrawal.period',
        `The policy gives ${describePeriod(policy.withdrawal.period)} to withdraw; consumers have at least ${describePeriod(withdrawal.floor)}. The engine applies ${describePeriod(withdrawal.applied)}.`,
      ),
    );
  }
  if (policy.withdrawal.abroad) {
    const abroad = withdrawalFloor(policy.withdrawal.abroad, 'WD-1/WD-2');
    if (abroad.raised) {
      findings.push(fromFloor(abroad, 'withdrawal.abroad', `The period for deliveries abroad is below the law's ${describePeriod(abroad.floor)}. The engine applies ${describePeriod(abroad.applied)}.`));
    }
  }
  const sendBack = effectiveSendBackPeriod(policy);
  if (sendBack.raised) {
    findings.push(fromFloor(sendBack, 'withdrawal.sendBackWithin', `Customers have at least ${describePeriod(sendBack.floor)} after their notice to send the goods back. The engine applies ${describePeriod(sendBack.applied)}.`));
  }
  const refund = effectiveRefundDelay(policy);
  if (refund.raised) {
    const d = policy.refunds.delay;
    findings.push(
      fromFloor(
        refund,
        'refunds.delay',
        `The policy refunds within ${describePeriod(d)} of ${d.from === 'goods_received' ? 'receiving the goods' : 'the notice'}${d.maxCalendarDays ? ` (at most ${d.maxCalendarDays} days)` : ''}; the law requires 14 calendar days from the withdrawal notice (the shop may wait for the goods or a proof of sending). The engine applies 14 calendar days from the notice.`,
      ),
    );
  }
  if (policy.refunds.shipping === 'none') {
    findings.push({
      rule: 'RF-2',
      severity: 'warning',
      path: 'refunds.shipping',
      message: 'The initial delivery cost must be refunded up to the cheapest standard delivery. The engine refunds it.',
      value: 'none',
      floor: 'cheapest_standard',
      applied: 'cheapest_standard',
    });
  }
  const deadline = effectiveDeliveryDeadlineDays(policy);
  if (deadline.raised) {
    findings.push(fromFloor(deadline, 'shipping.deliveryDeadlineDays', `Without an agreed date, goods are delivered within ${deadline.floor} days of the order. The engine applies ${deadline.applied} days.`));
  }
  for (const lang of ['fr', 'en'] as const) {
    const label = effectiveOrderButtonLabel(policy, lang);
    if (label.raised) {
      findings.push(
        fromFloor(
          label,
          `checkout.finalButtonLabel.${lang}`,
          `The final button « ${label.declared} » does not say that ordering means paying (without it the contract is void). The engine shows « ${label.applied} ».`,
        ),
      );
    }
  }
  const remedy = effectiveConformityRemedyDays(policy);
  if (remedy.raised) {
    findings.push(fromFloor(remedy, 'guarantees.conformityRemedy.within', `Repair or replacement under the legal guarantee is due within 30 days. The engine applies ${describePeriod(remedy.applied)}.`));
  }
  const archive = effectiveOrderArchive(policy);
  if (archive.raised) {
    findings.push(fromFloor(archive, 'records.orderArchive', 'Orders of 120 EUR or more are kept with their evidence for 10 years. The engine keeps them that long.'));
  }

  // --- what the engine cannot fix (errors)
  if (!policy.mediator) {
    findings.push({
      rule: 'ID-5',
      severity: 'error',
      path: 'mediator',
      message: 'No consumer mediator: the shop must name one (name + website) on the site, in the terms and on order forms.',
      value: null,
      floor: 'a mediator with name and website',
      applied: null,
    });
  }
  for (const [path, text] of strings(policy)) {
    const links = text.match(ODR_LINK);
    if (links) findings.push(odrFinding(path, links));
  }

  const terms = latestTerms(loaded.terms);
  if (!terms) {
    findings.push({ rule: 'ID-2', severity: 'error', path: 'terms/versions.yaml', message: 'The shop has no terms of sale: add terms/versions.yaml and the texts it lists.', value: null, floor: null, applied: null });
  } else {
    for (const lang of ['fr', 'en'] as const) {
      const file = `terms/${terms.id}.${lang}.md`;
      const text = terms.text[lang];
      const links = text.match(ODR_LINK);
      if (links) findings.push(odrFinding(file, links));
      if (!WITHDRAWAL_FUNCTION[lang].test(text)) {
        findings.push({
          rule: 'WD-4',
          severity: 'error',
          path: file,
          message: `The terms do not say that a withdrawal function exists and where: name it by its label « ${lang === 'fr' ? 'renoncer au contrat ici' : 'withdraw from contract here'} » and say it is on the order page.`,
          value: null,
          floor: lang === 'fr' ? 'renoncer au contrat ici' : 'withdraw from contract here',
          applied: null,
        });
      }
      if (!LEGAL_GUARANTEE[lang].test(text)) {
        findings.push({
          rule: 'ID-4',
          severity: 'error',
          path: file,
          message: `The terms do not contain the legal guarantee box (« ${lang === 'fr' ? 'garantie légale de conformité' : 'legal guarantee of conformity'} »).`,
          value: null,
          floor: null,
          applied: null,
        });
      }
      if (policy.mediator && !(text.includes(policy.mediator.name) && text.includes(policy.mediator.website.replace(/\/$/, '')))) {
        findings.push({
          rule: 'ID-5',
          severity: 'error',
          path: file,
          message: `The terms do not name the mediator of the policy (${policy.mediator.name}, ${policy.mediator.website}).`,
          value: null,
          floor: { name: policy.mediator.name, website: policy.mediator.website },
          applied: null,
        });
      }
      const days = withdrawal.applied.days;
      if (!new RegExp(`\\b${days}\\b`).test(text)) {
        findings.push({
          rule: 'WD-2',
          severity: 'warning',
          path: file,
          message: `The terms should state the withdrawal period the engine applies (${describePeriod(withdrawal.applied)}).`,
          value: null,
          floor: withdrawal.floor,
          applied: withdrawal.applied,
        });
      }
    }
  }
  return findings;
}

function odrFinding(path: string, links: string[]): Finding {
  return {
    rule: 'ID-5',
    severity: 'error',
    path,
    message: `Link to the EU online dispute resolution platform, closed on 20 July 2025: remove it and name the consumer mediator instead (${links.join(', ')}).`,
    value: links,
    floor: null,
    applied: null,
  };
}
