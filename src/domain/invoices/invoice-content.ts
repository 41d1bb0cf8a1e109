// DOC-1: what an invoice says, frozen at issue (src/app/invoices.ts builds it,
// src/adapters/pdf/invoice-pdf.ts renders it). Plain JSON: amounts in integer
// minor units (PR-9), dates as strings.
import type { OrderPaymentMethod } from '../payments/payment-methods.js';
import type { CheckedAddress } from '../customers/address-rules.js';
import type { Currency } from '../money.js';

// /2: mentions.paid may be null and mentions.paymentDue exists (PA-7 deferred payment).
export const INVOICE_FORMAT = 'comptoir.invoice/2';

export type Localised = { fr: string; en: string };
export type InvoiceLanguage = 'fr' | 'en';

export type InvoiceAddress = Pick<CheckedAddress, 'name' | 'line1' | 'city' | 'country'> & {
  line2?: string | null;
  postalCode?: string | null;
  region?: string | null;
};

/** Everything the invoice says, frozen at issue (plain JSON: amounts in minor units, dates as strings). */
export type InvoiceContent = {
  format: typeof INVOICE_FORMAT;
  kind: 'invoice';
  number: string;
  /** ISO instant of issue, and the issue date in the shop's time zone. */
  issuedAt: string;
  issueDate: string;
  language: InvoiceLanguage;
  currency: Currency;
  order: { number: string; placedAt: string; placedDate: string; paymentMethod: OrderPaymentMethod };
  /** ID-1: the seller's identity as frozen on the order. */
  seller: {
    companyName: string;
    tradingName: string;
    legalForm: string;
    shareCapital: { amount: number; currency: Currency } | null;
    registry: { kind: string; city: string; number: string };
    siret: string | null;
    vatNumber: string | null;
    headOffice: InvoiceAddress;
    email: string;
    phone: string;
  };
  buyer: { kind: 'consumer' | 'professional' | 'programme_reseller'; email: string; billingAddress: InvoiceAddress; deliveryAddress: InvoiceAddress };
  lines: {
    sku: string;
    description: Localised;
    options: Record<string, string>;
    quantity: number;
    /** VAT-inclusive unit price (PR-1), eco-fee excluded. */
    unitPrice: number;
    ecoFeePerUnit: number;
    goods: number;
    ecoFee: number;
    discount: number;
    total: number;
    /** null when no VAT applies (not subject, export). */
    vatRateBasisPoints: number | null;
    isGift: boolean;
  }[];
  shipping: { label: Localised; amount: number };
  goods: number;
  ecoFees: number;
  discounts: number;
  total: number;
  vat: {
    mode: 'included' | 'not_subject' | 'export';
    /** Per rate (shipping included, PR-9): base + vat of all rows = total. Empty when no VAT applies. */
    breakdown: { rateBasisPoints: number; base: number; vat: number }[];
    totalExclVat: number;
    totalVat: number;
  };
  mentions: {
    /** PR-1: the franchise mention (JW), or the export exemption; null when VAT is charged. */
    vatExemption: Localised | null;
    /** PA-8: the retention-of-title clause of the policy. */
    retentionOfTitle: Localised | null;
    /** L441-10 / D441-5 Code de commerce: only for a professional buyer. */
    latePayment: Localised | null;
    /** The invoice is paid: the order's payment was taken; null for a deferred payment. */
    paid: Localised | null;
    /** PA-7 / L441-9 Code de commerce: the due date of a deferred payment; null when paid. */
    paymentDue: Localised | null;
  };
};

