// OR-5 / DOC-5: the confirmation email says everything OR-5 lists, in the
// customer's language, with the model withdrawal form; its HTML escapes what
// the customer typed.
import { describe, expect, it } from 'vitest';
import { orderConfirmationEmail } from '../../src/app/order-emails.js';
import type { Order } from '../../src/app/orders.js';
import { money } from '../../src/domain/money.js';
import { loadShop } from '../../src/policy/loader.js';

const address = { name: 'Camille <b>Martin</b>', line1: '12 rue des Lilas', line2: null, postalCode: '75011', city: 'Paris', region: null, country: 'FR', phone: '+33123456789' };
const order = (over: Partial<Order> = {}): Order => ({
  id: '1',
  number: 'EL-2026-000042',
  state: 'awaiting_transfer',
  customerId: null,
  email: 'camille@example.com',
  language: 'fr',
  currency: 'EUR',
  goods: 3995,
  ecoFees: 50,
  discounts: 400,
  shipping: 490,
  total: 4135,
  vatBreakdown: [{ rateBasisPoints: 2000, base: 3446, vat: 689, treatment: 'standard' }],
  shippingMethodId: 'standard',
  shippingDetails: { label: { fr: 'Livraison standard', en: 'Standard delivery' }, estimate: { earliest: '2026-11-27', latest: '2026-11-30' } },
  deliveryAddress: address,
  billingAddress: address,
  paymentMethod: 'bank_transfer',
  paymentDueOn: null,
  policyHash: 'x',
  terms: { versionId: 'v1', hash: 'h', language: 'fr' },
  placedAt: new Date('2026-11-23T09:00:00Z'),
  fulfilment: 'unfulfilled',
  deliveryDueOn: '2026-12-23',
  lastDeliveredAt: null,
  customerKind: 'consumer',
  withdrawalPeriod: { days: 14, kind: 'calendar' },
  lines: [{ position: 0, variantId: '1', sku: 'EL-1', name: { fr: 'Lampe', en: 'Lamp' }, options: { colour: 'rouge' }, quantity: 1, unitPrice: 3995, ecoFeePerUnit: 50, discount: 400, total: 3645, vatRateBasisPoints: 2000, isGift: false, backorderedQuantity: 0, cancelledQuantity: 0, personalised: false, perishable: false, hygieneSealed: false }],
  ...over,
});

describe('OR-5: the order confirmation email', async () => {
  const { policy } = await loadShop('shops', 'el');
  const transfer = { reference: 'EL-ABCD-1234', holder: 'Voltaïque Distribution SARL', iban: 'FR76 1234', bic: 'VOLTFRPPXXX', amount: money(4135, 'EUR'), lastDay: '2026-11-29', dueAt: '2026-11-29T22:59:59.999Z' };

  it('FR, bank transfer: number, lines, totals with VAT, delivery and date, payment, address, withdrawal and the model form', () => {
    const email = orderConfirmationEmail(policy, order(), { days: 14, kind: 'calendar' }, transfer);
    expect(email.subject).toBe('Confirmation de votre commande EL-2026-000042');
    for (const part of ['EL-2026-000042', 'Lampe (rouge)', 'EL-1', '41,35', 'dont TVA 20 %', '6,89', 'Livraison standard', '27 novembre 2026', 'Virement bancaire', 'FR76 1234', 'EL-ABCD-1234', '29 novembre 2026', '75011 Paris', '14 jours calendaires', 'renoncer au contrat ici', 'Formulaire de rétractation', 'Rayez la mention inutile']) {
      expect(email.text).toContain(part);
    }
    expect(email.html).toContain('Camille &lt;b&gt;Martin&lt;/b&gt;');
    expect(email.html).not.toContain('<b>Martin</b>');
  });

  it('EN, card at order: when the card is debited, and the English model form', () => {
    const email = orderConfirmationEmail(policy, order({ language: 'en', paymentMethod: 'card' }), { days: 14, kind: 'calendar' }, null);
    expect(email.subject).toBe('Your order EL-2026-000042 is confirmed');
    expect(email.text).toContain('Your card is debited when you order');
    expect(email.text).toContain('Model withdrawal form');
    expect(email.text).not.toContain('IBAN');
  });
});
