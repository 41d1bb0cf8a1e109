// Issue 4 §5: invoices (DOC-1, PR-9, PR-3, ID-1, PA-3, PA-8).
//
// `issueInvoice` issues THE invoice of an order (one per order: a second call
// returns the first), in the caller's transaction, in this order:
//   (a) the order row locked (FOR UPDATE) — two concurrent issues for one order
//       queue there and the second finds the first's invoice;
//   (b) the next number taken from the shop's counter row for the year and kind
//       (`invoice_number_counters`, upsert → row lock until commit): a rollback
//       gives it back (no gap), two concurrent issues never share it (DOC-1);
//   (c) the content frozen — seller identity as frozen on the order (ID-1), the
//       buyer, lines with their VAT rate, eco-fees (PR-3), discounts, shipping,
//       VAT breakdown, totals checked to the cent (PR-9), and the mentions of
//       the policy version that governs the order (PR-1 franchise, PA-8
//       retention of title, L441-10 penalties for professionals) — with its
//       SHA-256; the row can never be edited nor deleted (migration 0010);
//   (d) `invoice.issued` appended to the evidence log, last.
//
// When: the money is taken (PA-3). A capture-at-order shop (FA, FR, JW, EL)
// issues it when the order becomes `paid` (`orderPaymentChanged` in
// src/app/orders.ts); a capture-at-dispatch shop (PF) issues it at dispatch,
// for what is shipped — the dispatch use case calls `issueInvoice`.
//
// Locks: order row → invoice counter row → evidence head.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { INVOICE_FORMAT, type InvoiceAddress, type InvoiceContent, type Localised } from '../domain/invoices/invoice-content.js';
import { withoutCancelledUnits } from '../domain/invoices/billed-units.js';
import { localDateIn } from '../domain/calendar/local-date.js';
import { DomainError } from '../domain/errors.js';
import type { Currency } from '../domain/money.js';
import { inTransaction, type Queryable, type Tx } from '../store/db.js';
import { appendEvidence, canonicalJson, type NewEvidence } from '../store/evidence.js';

export const INVOICE_ISSUED = 'invoice.issued';
export type { InvoiceContent } from '../domain/invoices/invoice-content.js';

export type Invoice = {
  id: string;
  shopId: string;
  number: string;
  orderId: string;
  orderNumber: string;
  issuedAt: Date;
  content: InvoiceContent;
  contentSha256: string;
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** DOC-1: the SHA-256 a frozen document content is stored and proved with (canonical JSON). */
export const frozenContentSha256 = (content: object): string => sha256(canonicalJson(content, 'invoice'));


type InvoiceRow = { id: string; shop_id: string; number: string; order_id: string; order_number: string; issued_at: Date; content: unknown; content_sha256: string };

function toInvoice(row: InvoiceRow): Invoice {
  return {
    id: row.id,
    shopId: row.shop_id,
    number: row.number,
    orderId: row.order_id,
    orderNumber: row.order_number,
    issuedAt: row.issued_at,
    content: row.content as InvoiceContent,
    contentSha256: row.content_sha256,
  };
}

async function findInvoice(q: Queryable, where: { shopId: string; orderId?: string; orderNumber?: string }): Promise<Invoice | undefined> {
  let query = q
    .selectFrom('invoices as i')
    .innerJoin('orders as o', 'o.id', 'i.order_id')
    .select(['i.id', 'i.shop_id', 'i.number', 'i.order_id', 'o.number as order_number', 'i.issued_at', 'i.content', 'i.content_sha256'])
    .where('i.shop_id', '=', where.shopId)
    .where('i.kind', '=', 'invoice');
  if (where.orderId !== undefined) query = query.where('i.order_id', '=', where.orderId);
  if (where.orderNumber !== undefined) query = query.where('o.number', '=', where.orderNumber);
  const row = await query.executeTakeFirst();
  return row ? toInvoice(row) : undefined;
}

/** The invoice of the order `number` of the shop, if issued (callers check who may read it). */
export async function findInvoiceOfOrder(q: Queryable, input: { shopId: string; orderNumber: string }): Promise<Invoice | undefined> {
  return findInvoice(q, { shopId: input.shopId, orderNumber: input.orderNumber });
}

/** DOC-1: the next number of the shop's sequence for the year and kind — under the counter row's lock, in the issuing transaction. */
export async function allocateInvoiceNumber(tx: Tx, input: { shopId: string; kind: 'invoice' | 'credit_note'; year: number }): Promise<{ sequence: number; number: string }> {
  const { rows } = await sql<{ last_number: number }>`
    INSERT INTO invoice_number_counters (shop_id, kind, year, last_number) VALUES (${input.shopId}, ${input.kind}, ${input.year}, 1)
    ON CONFLICT (shop_id, kind, year) DO UPDATE SET last_number = invoice_number_counters.last_number + 1
    RETURNING last_number`.execute(tx);
  const sequence = rows[0]!.last_number;
  const series = input.kind === 'invoice' ? 'F' : 'A';
  return { sequence, number: `${input.shopId.toUpperCase()}-${series}-${input.year}-${String(sequence).padStart(6, '0')}` };
}

/** The parts of the order's policy version the invoice reads (the version that governs the order, OR-4). */
type PolicyFacts = {
  shop: { timeZone: string };
  pricing: { vat: { mode: string; franchiseMention?: Localised } };
  payment: {
    methods: {
      deferredB2B?: { lateInterest: { multiple: number; referenceRate: { domestic: string; abroad: string } }; account?: BankAccountFacts };
      bankTransfer?: { account: BankAccountFacts };
    };
  };
  records: { retentionOfTitle?: Localised };
};

type BankAccountFacts = { holder: string; iban: string; bic: string };

type SellerFacts = {
  identity: {
    tradingName: string;
    companyName: string;
    legalForm: string;
    shareCapital?: { amount: number; currency: Currency };
    registry: { kind: string; city: string; number: string };
    siret?: string;
    vatNumber?: string;
    headOffice: InvoiceAddress;
    customerService: { email: string; phone: string };
  };
};

/** L441-10 and D441-5 Code de commerce: late-payment penalties and the 40 EUR recovery indemnity, for professional buyers only. */
function latePaymentMention(policy: PolicyFacts): Localised {
  const interest = policy.payment.methods.deferredB2B?.lateInterest;
  const rateFr = interest ? `${String(interest.multiple).replace('.', ',')} fois le taux de référence (${interest.referenceRate.domestic})` : 'trois fois le taux d\'intérêt légal';
  const rateEn = interest ? `${interest.multiple} times the reference rate (${interest.referenceRate.domestic})` : 'three times the French legal interest rate';
  return {
    fr: `Pas d'escompte pour paiement anticipé. En cas de retard de paiement : pénalités au taux de ${rateFr}, et indemnité forfaitaire pour frais de recouvrement de 40 € (art. L441-10 et D441-5 du Code de commerce).`,
    en: `No discount for early payment. Late payment: penalties at ${rateEn}, and a fixed recovery indemnity of 40 EUR (French Commercial Code, art. L441-10 and D441-5).`,
  };
}

/** PA-7 / L441-9 Code de commerce: when and how a deferred invoice is paid — the due date, the account and the transfer reference. */
async function paymentDueMention(tx: Tx, policy: PolicyFacts, order: { shop_id: string; number: string; payment_due_on: string | null }): Promise<Localised> {
  const payment = await tx
    .selectFrom('payments')
    .select('bank_transfer_reference')
    .where('shop_id', '=', order.shop_id)
    .where('reference_kind', '=', 'order')
    .where('reference_id', '=', order.number)
    .where('method', '=', 'deferred')
    .executeTakeFirstOrThrow();
  const account = policy.payment.methods.deferredB2B?.account ?? policy.payment.methods.bankTransfer?.account;
  const to = account ? ` — ${account.holder}, IBAN ${account.iban}, BIC ${account.bic}` : '';
  return {
    fr: `Date d'échéance : ${order.payment_due_on}. Paiement par virement${to}, référence ${payment.bank_transfer_reference}.`,
    en: `Due date: ${order.payment_due_on}. Payment by bank transfer${to}, reference ${payment.bank_transfer_reference}.`,
  };
}

const EXPORT_EXEMPTION: Localised = {
  fr: 'Exonération de TVA, art. 262 I du CGI (livraison hors de l\'Union européenne).',
  en: 'VAT exempt, art. 262 I of the French General Tax Code (delivery outside the European Union).',
};

/**
 * DOC-1: issues the invoice of the order `orderId` in `tx` (see the header) —
 * or returns the one already issued (`created: false`). Refused
 * (`invoice.order_not_paid`, 409) while the money is not taken.
 */
export async function issueInvoice(q: Queryable, input: { shopId: string; orderId: string; now: Date }): Promise<Invoice & { created: boolean }> {
  return inTransaction(q, async (tx) => {
    // (a) the order, locked
    const order = await tx.selectFrom('orders').selectAll().where('shop_id', '=', input.shopId).where('id', '=', input.orderId).forUpdate().executeTakeFirst();
    if (!order) throw new DomainError('order.not_found', { field: 'orderId' }, `No order ${input.orderId}.`);
    const existing = await findInvoice(tx, { shopId: input.shopId, orderId: order.id });
    if (existing) return { ...existing, created: false };
    // PA-3: once the money is taken; PA-7: a deferred payment is invoiced at order, with its due date;
    // PA-4: an order financed by the partner is invoiced at its first dispatch.
    const deferred = order.state === 'payment_deferred';
    if (order.state !== 'paid' && order.state !== 'financed' && !deferred) throw new DomainError('invoice.order_not_paid', { field: 'orderId', rule: 'PA-3', state: order.state }, 'An invoice is issued once the order is paid.');

    const lines = await tx.selectFrom('order_lines').selectAll().where('order_id', '=', order.id).orderBy('position').execute();
    const version = await tx.selectFrom('policy_versions').select('policy').where('shop_id', '=', input.shopId).where('hash', '=', order.policy_hash).executeTakeFirstOrThrow();
    const policy = version.policy as unknown as PolicyFacts;
    const seller = (order.seller as unknown as SellerFacts).identity;
    const timeZone = policy.shop.timeZone;

    // (b) the number
    const year = Number(localDateIn(timeZone, input.now).slice(0, 4));
    const { sequence, number } = await allocateInvoiceNumber(tx, { shopId: input.shopId, kind: 'invoice', year });

    // (c) the content, frozen
    const mode = (order.vat_treatment as { mode: 'included' | 'not_subject' | 'export' }).mode;
    const charged = mode === 'included';
    // AV-1: units cancelled before the invoice are not billed, VAT recomputed per rate (src/domain/invoices/billed-units.ts).
    const billed = withoutCancelledUnits({
      lines: lines.map((l) => ({
        sku: l.sku,
        description: { fr: l.name_fr, en: l.name_en },
        options: l.options,
        quantity: l.quantity,
        unitPrice: Number(l.unit_price_minor),
        ecoFeePerUnit: Number(l.eco_fee_per_unit_minor),
        goods: Number(l.goods_minor),
        ecoFee: Number(l.eco_fee_minor),
        discount: Number(l.discount_minor),
        total: Number(l.total_minor),
        vatRateBasisPoints: charged ? l.vat_rate_basis_points : null,
        isGift: l.is_gift,
        cancelledQuantity: l.cancelled_quantity,
      })),
      shipping: Number(order.shipping_minor),
      breakdown: charged ? (order.vat_breakdown as { rateBasisPoints: number; base: number; vat: number }[]).map((r) => ({ rateBasisPoints: r.rateBasisPoints, base: r.base, vat: r.vat })) : [],
      currency: order.currency as Currency,
    });
    const { breakdown, total } = billed;
    const totalVat = breakdown.reduce((n, r) => n + r.vat, 0);
    const shipping = order.shipping as { label: Localised; amount: number };
    const content: InvoiceContent = {
      format: INVOICE_FORMAT,
      kind: 'invoice',
      number,
      issuedAt: input.now.toISOString(),
      issueDate: localDateIn(timeZone, input.now),
      language: order.language,
      currency: order.currency as Currency,
      order: { number: order.number, placedAt: order.placed_at.toISOString(), placedDate: localDateIn(timeZone, order.placed_at), paymentMethod: order.payment_method },
      seller: {
        companyName: seller.companyName,
        tradingName: seller.tradingName,
        legalForm: seller.legalForm,
        shareCapital: seller.shareCapital ?? null,
        registry: seller.registry,
        siret: seller.siret ?? null,
        vatNumber: seller.vatNumber ?? null,
        headOffice: seller.headOffice,
        email: seller.customerService.email,
        phone: seller.customerService.phone,
      },
      buyer: {
        kind: order.customer_kind,
        email: order.email,
        billingAddress: order.billing_address as unknown as InvoiceAddress,
        deliveryAddress: order.delivery_address as unknown as InvoiceAddress,
      },
      lines: billed.lines,
      shipping: { label: shipping.label, amount: Number(order.shipping_minor) },
      goods: billed.goods,
      ecoFees: billed.ecoFees,
      discounts: billed.discounts,
      total,
      vat: { mode, breakdown, totalExclVat: total - totalVat, totalVat },
      mentions: {
        vatExemption: mode === 'not_subject' ? (policy.pricing.vat.franchiseMention ?? null) : mode === 'export' ? EXPORT_EXEMPTION : null,
        retentionOfTitle: policy.records.retentionOfTitle ?? null,
        latePayment: order.customer_kind === 'consumer' ? null : latePaymentMention(policy),
        paid: deferred ? null : { fr: `Facture acquittée — commande payée le ${localDateIn(timeZone, input.now)}.`, en: `Paid invoice — order paid on ${localDateIn(timeZone, input.now)}.` },
        paymentDue: deferred ? await paymentDueMention(tx, policy, order) : null,
      },
    };
    assertAddsUp(content);
    const contentSha256 = frozenContentSha256(content);

    const inserted = await tx
      .insertInto('invoices')
      .values({
        shop_id: input.shopId,
        kind: 'invoice',
        year,
        sequence,
        number,
        order_id: order.id,
        issued_at: input.now,
        currency: order.currency,
        total_minor: total,
        content: JSON.stringify(content),
        content_sha256: contentSha256,
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    // DOC-1: refunds made before this invoice are credited on it now (their proofs after the invoice's).
    const proofs: NewEvidence[] = [];
    const { issuePendingCreditNotes } = await import('./credit-notes.js');
    await issuePendingCreditNotes(tx, { shopId: input.shopId, orderId: order.id, now: input.now, proofs });

    // (d) the proof, last
    await appendEvidence(tx, {
      shopId: input.shopId,
      kind: INVOICE_ISSUED,
      subject: { type: 'order', id: order.number },
      actor: 'system',
      data: { number, order: order.number, contentSha256, total, currency: order.currency, rule: 'DOC-1' },
      at: input.now,
    });
    for (const proof of proofs) await appendEvidence(tx, proof);
    return { id: inserted.id, shopId: input.shopId, number, orderId: order.id, orderNumber: order.number, issuedAt: input.now, content, contentSha256, created: true };
  });
}

/** PR-9: lines, discounts, eco-fees and shipping add up to the total to the cent, and so does the VAT breakdown. */
function assertAddsUp(c: InvoiceContent): void {
  const sum = (xs: number[]) => xs.reduce((n, x) => n + x, 0);
  const ok =
    sum(c.lines.map((l) => l.goods)) === c.goods &&
    sum(c.lines.map((l) => l.ecoFee)) === c.ecoFees &&
    sum(c.lines.map((l) => l.discount)) === c.discounts &&
    sum(c.lines.map((l) => l.total)) + c.shipping.amount === c.total &&
    c.goods + c.ecoFees - c.discounts + c.shipping.amount === c.total &&
    (c.vat.mode !== 'included' || sum(c.vat.breakdown.map((r) => r.base + r.vat)) === c.total);
  if (!ok) throw new Error(`invoice ${c.number}: the amounts of order ${c.order.number} do not add up (PR-9)`);
}
