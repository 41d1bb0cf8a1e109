// DOC-2 / WD-5 / WD-6: the return slip PDF — its number, order, addresses,
// items, the last day to send (WD-6) and the label (WD-5), in French or English.
import { describe, expect, it } from 'vitest';
import { returnSlipPdf, type ReturnSlipContent } from '../../../src/adapters/pdf/return-slip-pdf.js';
import { pdfText } from '../../support/pdf-text.js';

const slip: ReturnSlipContent = {
  language: 'fr',
  seller: { tradingName: 'Fil d\'Azur', companyName: 'Fil d\'Azur SAS', address: { line1: '8 quai du Port', postalCode: '13002', city: 'Marseille', country: 'FR' } },
  returnNumber: 'FA-2026-000012-R1',
  orderNumber: 'FA-2026-000012',
  orderedOn: '2026-11-23',
  customer: { name: 'Camille Martin', email: 'camille@example.com' },
  returnAddress: { name: 'Fil d\'Azur — Retours', line1: 'ZA des Paluds', line2: 'Quai 4', postalCode: '13400', city: 'Aubagne', country: 'FR' },
  items: [
    { sku: 'FA-ECU-S-MAR', name: 'Marinière Écume (S)', quantity: 1 },
    { sku: 'FA-PAN-M-BLE', name: 'Pantalon bleu (M)', quantity: 2 },
  ],
  sendBy: '2026-12-21',
  label: null,
  notes: ['Frais de retour à votre charge.'],
};

const flat = (pdf: Buffer) => pdfText(pdf).replace(/\s*\n\s*/g, ' ');

describe('DOC-2 returnSlipPdf', () => {
  it('prints the title, the return number, the order, both addresses, the items, the WD-6 last day and the notes', async () => {
    const pdf = await returnSlipPdf(slip);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = flat(pdf);
    expect(text).toContain('BON DE RETOUR');
    expect(text).toContain('Retour n° FA-2026-000012-R1');
    expect(text).toContain('Commande n° FA-2026-000012 du 23/11/2026');
    expect(text).toContain('Camille Martin');
    expect(text).toContain('camille@example.com');
    expect(text).toContain('ZA des Paluds');
    expect(text).toContain('13400 Aubagne');
    expect(text).toContain('Marinière Écume (S)');
    expect(text).toContain('FA-PAN-M-BLE');
    expect(text).toContain('À renvoyer au plus tard le 21/12/2026.');
    expect(text).toContain('Renvoyez le colis par le transporteur de votre choix');
    expect(text).toContain('Frais de retour à votre charge.');
  });

  it('WD-5: prints the prepaid label where the shop provides one, in English for an English order', async () => {
    const text = flat(await returnSlipPdf({ ...slip, language: 'en', label: { carrier: 'Sandbox Post', trackingNumber: 'SBX123456789FR' }, notes: ['Return shipping is free.'] }));
    expect(text).toContain('RETURN SLIP');
    expect(text).toContain('Return no. FA-2026-000012-R1');
    expect(text).toContain('Order no. FA-2026-000012 of 23 Nov 2026');
    expect(text).toContain('Send back by 21 Dec 2026 at the latest.');
    expect(text).toContain('Return label: Sandbox Post, tracking number SBX123456789FR.');
    expect(text).toContain('Return shipping is free.');
  });
});
