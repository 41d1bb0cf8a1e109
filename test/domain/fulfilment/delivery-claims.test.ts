// SH-8 delivery claims as pure rules: the window from the possession date
// (EL 3 days with Saturdays, JW 30 calendar days, none: always in time), the
// lines a claim may name, photos checked by their magic bytes, the lifecycle,
// and the refund of the affected units to the cent.
import { describe, expect, it } from 'vitest';
import {
  assertClaimInTime,
  checkClaimLines,
  checkClaimPhotos,
  checkDescription,
  checkRejectionReason,
  claimAfter,
  claimWindowEnd,
  decidedLines,
  detectPhotoType,
  PHOTO_MAX_BYTES,
  type ClaimWindow,
} from '../../../src/domain/fulfilment/delivery-claims.js';
import { DomainError } from '../../../src/domain/errors.js';

const paris = { timeZone: 'Europe/Paris', place: { country: 'FR' } };
const EL: ClaimWindow = { days: 3, kind: 'working_and_saturdays' };
const JW: ClaimWindow = { days: 30, kind: 'calendar' };

function codeOf(run: () => unknown): { code: string; field: unknown; rule: unknown } {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, field: error.details.field, rule: error.details.rule };
    throw error;
  }
  throw new Error('expected a DomainError');
}

const jpeg = () => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const png = () => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const webp = () => new Uint8Array([...Buffer.from('RIFF'), 0x24, 0, 0, 0, ...Buffer.from('WEBPVP8 ')]);
const text = () => new Uint8Array(Buffer.from('these are not the photos you are looking for\n'));

describe('SH-8 claim window, counted from the parcel possession date', () => {
  it.each([
    // delivered (instant)           window  → last day (customer calendar)
    ['2026-12-24T09:00:00Z', EL, '2026-12-29'], // 25 Dec holiday skipped, Sat 26 counts, Sun 27 skipped, Mon 28, Tue 29
    ['2026-11-26T10:00:00Z', EL, '2026-11-30'], // Fri 27, Sat 28, Sun 29 skipped, Mon 30
    ['2026-11-26T23:30:00Z', EL, '2026-12-01'], // Fri 27 00:30 in Paris: counting starts on Sat 28
    ['2026-12-01T09:00:00Z', JW, '2026-12-31'],
    ['2026-12-25T09:00:00Z', JW, '2027-01-24'], // calendar days: holidays and a Sunday end are not skipped
  ] as const)('SH-8 delivered %s, %o → last day %s', (deliveredAt, window, lastDay) => {
    expect(claimWindowEnd({ deliveredAt: new Date(deliveredAt), window, ...paris })?.lastDay).toBe(lastDay);
  });

  it('SH-8 EL: in time until the end of the last day in Paris, late one instant after', () => {
    const deliveredAt = new Date('2026-12-24T09:00:00Z');
    expect(assertClaimInTime({ deliveredAt, window: EL, ...paris, at: new Date('2026-12-26T10:00:00Z') })).toBe('2026-12-29'); // a Saturday counts
    expect(assertClaimInTime({ deliveredAt, window: EL, ...paris, at: new Date('2026-12-29T22:59:59Z') })).toBe('2026-12-29'); // 23:59:59 in Paris
    expect(codeOf(() => assertClaimInTime({ deliveredAt, window: EL, ...paris, at: new Date('2026-12-29T23:00:00Z') }))).toEqual({ code: 'claim.window_closed', field: 'shipment', rule: 'SH-8' });
    expect(codeOf(() => assertClaimInTime({ deliveredAt, window: EL, ...paris, at: new Date('2026-12-30T10:00:00Z') })).code).toBe('claim.window_closed');
  });

  it('SH-8 JW: 30 calendar days, the 31st refused', () => {
    const deliveredAt = new Date('2026-12-01T09:00:00Z');
    expect(assertClaimInTime({ deliveredAt, window: JW, ...paris, at: new Date('2026-12-31T12:00:00Z') })).toBe('2026-12-31');
    expect(codeOf(() => assertClaimInTime({ deliveredAt, window: JW, ...paris, at: new Date('2027-01-01T12:00:00Z') })).code).toBe('claim.window_closed');
  });

  it('SH-8 without a window in the terms: in time whenever filed (the law sets no short limit)', () => {
    const deliveredAt = new Date('2026-12-01T09:00:00Z');
    expect(claimWindowEnd({ deliveredAt, window: undefined, ...paris })).toBeNull();
    expect(assertClaimInTime({ deliveredAt, window: undefined, ...paris, at: new Date('2028-06-01T12:00:00Z') })).toBeNull();
  });

  it('SH-8 a claim cannot come before the possession it is about', () => {
    expect(codeOf(() => assertClaimInTime({ deliveredAt: new Date('2026-12-01T09:00:00Z'), window: JW, ...paris, at: new Date('2026-12-01T08:00:00Z') })).code).toBe('claim.parcel_not_delivered');
  });
});

describe('SH-8 what a claim names', () => {
  const parcel = [
    { position: 1, quantity: 2, claimed: 0 },
    { position: 2, quantity: 3, claimed: 2 },
  ];

  it('SH-8 lines of the parcel, within the units not claimed already', () => {
    expect(checkClaimLines(parcel, [{ position: 1, quantity: 2 }, { position: 2, quantity: 1 }])).toEqual([{ position: 1, quantity: 2 }, { position: 2, quantity: 1 }]);
  });

  it.each([
    [[], 'claim.no_lines', 'lines'],
    [[{ position: 3, quantity: 1 }], 'claim.unknown_line', 'lines.0.position'],
    [[{ position: 1, quantity: 1 }, { position: 1, quantity: 1 }], 'claim.duplicate_line', 'lines.1.position'],
    [[{ position: 1, quantity: 0 }], 'claim.invalid_quantity', 'lines.0.quantity'],
    [[{ position: 1, quantity: 1.5 }], 'claim.invalid_quantity', 'lines.0.quantity'],
    [[{ position: 1, quantity: 3 }], 'claim.quantity_exceeds_parcel', 'lines.0.quantity'],
    [[{ position: 2, quantity: 2 }], 'claim.quantity_exceeds_parcel', 'lines.0.quantity'], // 2 of 3 claimed by another claim
  ] as const)('SH-8 %j refused: %s on %s', (request, code, field) => {
    expect(codeOf(() => checkClaimLines(parcel, request))).toEqual({ code, field, rule: 'SH-8' });
  });

  it('SH-8 a description is required and bounded', () => {
    expect(checkDescription('  Carton écrasé, écran fissuré.  ')).toBe('Carton écrasé, écran fissuré.');
    expect(codeOf(() => checkDescription('   ')).code).toBe('claim.description_required');
    expect(codeOf(() => checkDescription('x'.repeat(4001))).code).toBe('claim.description_too_long');
  });

  it('SH-8 photos are recognised by their magic bytes', () => {
    expect(detectPhotoType(jpeg())).toBe('image/jpeg');
    expect(detectPhotoType(png())).toBe('image/png');
    expect(detectPhotoType(webp())).toBe('image/webp');
    expect(detectPhotoType(text())).toBeNull();
    expect(detectPhotoType(new Uint8Array([...Buffer.from('RIFF'), 0, 0, 0, 0, ...Buffer.from('WAVE')]))).toBeNull(); // a RIFF that is not WebP
  });

  it('SH-8 photos: 1 to 5 images of 5 MB at most; a text file renamed .jpg is refused', () => {
    expect(checkClaimPhotos([jpeg(), png(), webp()], { required: true })).toEqual([
      { type: 'image/jpeg', size: 10 },
      { type: 'image/png', size: 12 },
      { type: 'image/webp', size: 16 },
    ]);
    expect(codeOf(() => checkClaimPhotos([jpeg(), text()], { required: true }))).toEqual({ code: 'claim.photo_type_not_allowed', field: 'photos.1', rule: 'SH-8' });
    const big = new Uint8Array(PHOTO_MAX_BYTES + 1);
    big.set(jpeg());
    expect(codeOf(() => checkClaimPhotos([big], { required: false }))).toEqual({ code: 'claim.photo_too_large', field: 'photos.0', rule: 'SH-8' });
    const limit = new Uint8Array(PHOTO_MAX_BYTES);
    limit.set(png());
    expect(checkClaimPhotos([limit], { required: true })).toEqual([{ type: 'image/png', size: PHOTO_MAX_BYTES }]);
    expect(codeOf(() => checkClaimPhotos([jpeg(), jpeg(), jpeg(), jpeg(), jpeg(), jpeg()], { required: true })).code).toBe('claim.too_many_photos');
    expect(codeOf(() => checkClaimPhotos([new Uint8Array(0)], { required: false })).code).toBe('claim.photo_empty');
  });

  it('SH-8 photos are required only where the terms ask for them (EL)', () => {
    expect(codeOf(() => checkClaimPhotos([], { required: true }))).toEqual({ code: 'claim.photos_required', field: 'photos', rule: 'SH-8' });
    expect(checkClaimPhotos([], { required: false })).toEqual([]);
  });
});

describe('SH-8 the decision', () => {
  it('SH-8 a claim is decided once', () => {
    expect(claimAfter('filed', 'reshipped')).toBe('reshipped');
    expect(claimAfter('filed', 'refunded')).toBe('refunded');
    expect(claimAfter('filed', 'rejected')).toBe('rejected');
    expect(codeOf(() => claimAfter('rejected', 'refunded'))).toEqual({ code: 'claim.illegal_transition', field: 'outcome', rule: 'SH-8' });
    expect(codeOf(() => claimAfter('refunded', 'reshipped')).code).toBe('claim.illegal_transition');
  });

  it('SH-8 a rejection carries its reason, the other outcomes none', () => {
    expect(checkRejectionReason('reject', ' Colis livré intact, signé sans réserve. ')).toBe('Colis livré intact, signé sans réserve.');
    expect(codeOf(() => checkRejectionReason('reject', '  '))).toEqual({ code: 'claim.reason_required', field: 'reason', rule: 'SH-8' });
    expect(checkRejectionReason('refund', 'ignored')).toBeNull();
  });

  it('SH-8 the decision covers the claimed lines, or part of them', () => {
    const claimed = [{ position: 1, quantity: 2 }, { position: 3, quantity: 1 }];
    expect(decidedLines(claimed, undefined)).toEqual(claimed);
    expect(decidedLines(claimed, [{ position: 1, quantity: 1 }])).toEqual([{ position: 1, quantity: 1 }]);
    expect(codeOf(() => decidedLines(claimed, [{ position: 1, quantity: 3 }])).code).toBe('claim.quantity_exceeds_parcel');
    expect(codeOf(() => decidedLines(claimed, [{ position: 2, quantity: 1 }])).code).toBe('claim.unknown_line');
  });
});
