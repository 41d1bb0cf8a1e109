// SH-8 / SH-9: a customer's claim about a delivered parcel — damaged goods, an
// item missing, a wrong item — as pure rules: the claim window, what a claim
// may name (lines of the parcel, photos), its lifecycle and what a refund
// outcome gives back. No I/O, no clock (`at` is a parameter).
//
// The window (SH-8) is the policy's `shipping.damageAtDelivery.claimWindow`
// (EL: 3 days, Saturdays counted — `working_and_saturdays` skips Sundays and
// public holidays; JW: 30 calendar days), counted with `periodEnd` from the
// parcel's possession date (`shipments.delivered_at`, SH-9 / WD-1) in the
// customer's calendar, ending at midnight in the shop's time zone. It is a
// contractual window, counted exactly as the terms state it: no WD-3 shift to
// the next working day (EL's "3 days incl. Saturdays" would lose its meaning).
// A shop whose terms set no window (FA, FR, PF) accepts a claim whenever it is
// filed: the law sets no short limit for a delivery not in conformity — the
// legal guarantee runs 2 years from delivery (GU-1) — so the engine invents none.
// A claim refused as late under SH-8 leaves the legal guarantee intact (GU-1).
import { periodEnd, type LegalPeriod, type PeriodEnd } from '../calendar/period-end.js';
import type { CalendarPlace } from '../calendar/public-holidays.js';
import { DomainError } from '../errors.js';

export const CLAIM_KINDS = ['damaged', 'missing_item', 'wrong_item'] as const;
export type ClaimKind = (typeof CLAIM_KINDS)[number];

export const isClaimKind = (value: unknown): value is ClaimKind => typeof value === 'string' && (CLAIM_KINDS as readonly string[]).includes(value);

// ---------------------------------------------------------------------------
// Lifecycle (style.md §1): filed, then one decision of the merchant, final.
//
//   filed ─▶ reshipped   (a replacement parcel is packed, SH-8)
//         ─▶ refunded    (the affected units refunded, RF-3 same means of payment)
//         ─▶ rejected    (with a reason shown to the customer)

export const CLAIM_STATES = ['filed', 'reshipped', 'refunded', 'rejected'] as const;
export type ClaimState = (typeof CLAIM_STATES)[number];

export const claimLifecycle = {
  filed: ['reshipped', 'refunded', 'rejected'],
  reshipped: [],
  refunded: [],
  rejected: [],
} as const satisfies Readonly<Record<ClaimState, readonly ClaimState[]>>;

export const CLAIM_OUTCOMES = ['reship', 'refund', 'reject'] as const;
export type ClaimOutcome = (typeof CLAIM_OUTCOMES)[number];

/** The state an outcome leads to. */
export const stateOfOutcome = (outcome: ClaimOutcome): ClaimState => ({ reship: 'reshipped', refund: 'refunded', reject: 'rejected' } as const)[outcome];

/** `to`, or `claim.illegal_transition` (409): a claim is decided once. */
export function claimAfter(from: ClaimState, to: ClaimState): ClaimState {
  if (!(claimLifecycle[from] as readonly ClaimState[]).includes(to)) throw new DomainError('claim.illegal_transition', { field: 'outcome', rule: 'SH-8', from, to });
  return to;
}

// ---------------------------------------------------------------------------
// The window (SH-8)

export type ClaimWindow = { readonly days: number; readonly kind: 'calendar' | 'working' | 'working_and_saturdays' };

/** SH-8: the end of the claim window of a parcel delivered at `deliveredAt`, or null when the terms set none (see the header). */
export function claimWindowEnd(input: { deliveredAt: Date; window: ClaimWindow | undefined | null; timeZone: string; place: CalendarPlace }): PeriodEnd | null {
  if (!input.window) return null;
  const period: LegalPeriod = { days: input.window.days, kind: input.window.kind };
  return periodEnd({ from: input.deliveredAt, period, timeZone: input.timeZone, place: input.place });
}

/**
 * SH-8: a claim filed at `at` is in time when it is filed before the end of
 * the window's last day (shop time zone). Late: `claim.window_closed`, naming
 * the last day. Returns the last day (null: no window).
 */
export function assertClaimInTime(input: { deliveredAt: Date; window: ClaimWindow | undefined | null; timeZone: string; place: CalendarPlace; at: Date }): string | null {
  if (input.at.getTime() < input.deliveredAt.getTime()) throw new DomainError('claim.parcel_not_delivered', { field: 'shipment', rule: 'SH-8' });
  const end = claimWindowEnd(input);
  if (end === null) return null;
  if (input.at.getTime() >= end.dueAt.getTime()) {
    throw new DomainError(
      'claim.window_closed',
      { field: 'shipment', rule: 'SH-8', lastDay: end.lastDay, deliveredAt: input.deliveredAt.toISOString() },
      `Delivery claims about this parcel were to be made by ${end.lastDay} (SH-8). The legal guarantee of conformity still applies (GU-1).`,
    );
  }
  return end.lastDay;
}

// ---------------------------------------------------------------------------
// What a claim names

export type ClaimLineRequest = { readonly position: number; readonly quantity: number };
/** A line of the parcel: its units, and those already named by other claims of the parcel not rejected. */
export type ParcelLine = { readonly position: number; readonly quantity: number; readonly claimed: number };

/** SH-8: at least one line of the parcel, each once, 1 … the units of the parcel not claimed already. */
export function checkClaimLines(parcel: readonly ParcelLine[], request: readonly ClaimLineRequest[]): ClaimLineRequest[] {
  if (request.length === 0) throw new DomainError('claim.no_lines', { field: 'lines', rule: 'SH-8' }, 'Name the items concerned.');
  const seen = new Set<number>();
  return request.map((r, i) => {
    if (!Number.isSafeInteger(r.position)) throw new DomainError('claim.unknown_line', { field: `lines.${i}.position`, rule: 'SH-8', position: r.position });
    const line = parcel.find((l) => l.position === r.position);
    if (!line) throw new DomainError('claim.unknown_line', { field: `lines.${i}.position`, rule: 'SH-8', position: r.position }, 'This item was not in the parcel.');
    if (seen.has(r.position)) throw new DomainError('claim.duplicate_line', { field: `lines.${i}.position`, rule: 'SH-8', position: r.position });
    seen.add(r.position);
    if (!Number.isSafeInteger(r.quantity) || r.quantity < 1) throw new DomainError('claim.invalid_quantity', { field: `lines.${i}.quantity`, rule: 'SH-8', quantity: r.quantity });
    const left = line.quantity - line.claimed;
    if (r.quantity > left) {
      throw new DomainError('claim.quantity_exceeds_parcel', { field: `lines.${i}.quantity`, rule: 'SH-8', position: r.position, available: left }, `At most ${left} unit(s) of this item can still be claimed for this parcel.`);
    }
    return { position: r.position, quantity: r.quantity };
  });
}

export const DESCRIPTION_MAX = 4000;

/** The customer's account of the problem: required, at most 4000 characters. */
export function checkDescription(text: string): string {
  const value = text.trim();
  if (value.length === 0) throw new DomainError('claim.description_required', { field: 'description', rule: 'SH-8' }, 'Describe the problem.');
  if (value.length > DESCRIPTION_MAX) throw new DomainError('claim.description_too_long', { field: 'description', rule: 'SH-8', max: DESCRIPTION_MAX });
  return value;
}

// ---------------------------------------------------------------------------
// Photos (SH-8: "the engine records claims with photos")

export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type PhotoType = (typeof PHOTO_TYPES)[number];
export const PHOTO_MAX_BYTES = 5 * 1024 * 1024;
export const PHOTOS_MAX = 5;

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) => bytes.length >= offset + signature.length && signature.every((b, i) => bytes[offset + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** The image type by its magic bytes (never by the file's name or declared type), or null. */
export function detectPhotoType(bytes: Uint8Array): PhotoType | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  return null;
}

export type CheckedPhoto = { readonly type: PhotoType; readonly size: number };

/**
 * At most 5 images, each JPEG, PNG or WebP by its content and at most 5 MB;
 * at least one when the terms ask for photos (`photosRequested`, EL).
 */
export function checkClaimPhotos(photos: readonly Uint8Array[], options: { required: boolean }): CheckedPhoto[] {
  if (photos.length > PHOTOS_MAX) throw new DomainError('claim.too_many_photos', { field: 'photos', rule: 'SH-8', max: PHOTOS_MAX }, `At most ${PHOTOS_MAX} photos.`);
  if (options.required && photos.length === 0) throw new DomainError('claim.photos_required', { field: 'photos', rule: 'SH-8' }, 'Add at least one photo of the parcel and its contents.');
  return photos.map((bytes, i) => {
    if (bytes.length === 0) throw new DomainError('claim.photo_empty', { field: `photos.${i}`, rule: 'SH-8' });
    if (bytes.length > PHOTO_MAX_BYTES) throw new DomainError('claim.photo_too_large', { field: `photos.${i}`, rule: 'SH-8', maxBytes: PHOTO_MAX_BYTES, size: bytes.length }, 'A photo is at most 5 MB.');
    const type = detectPhotoType(bytes);
    if (!type) throw new DomainError('claim.photo_type_not_allowed', { field: `photos.${i}`, rule: 'SH-8', allowed: [...PHOTO_TYPES] }, 'Photos are JPEG, PNG or WebP images.');
    return { type, size: bytes.length };
  });
}

// ---------------------------------------------------------------------------
// The decision

export const REASON_MAX = 1000;

/** A rejection carries its reason (shown to the customer); the others none. */
export function checkRejectionReason(outcome: ClaimOutcome, reason: string | null | undefined): string | null {
  if (outcome !== 'reject') return null;
  const value = (reason ?? '').trim();
  if (value.length === 0) throw new DomainError('claim.reason_required', { field: 'reason', rule: 'SH-8' }, 'Give the reason of the rejection: the customer reads it.');
  if (value.length > REASON_MAX) throw new DomainError('claim.reason_too_long', { field: 'reason', rule: 'SH-8', max: REASON_MAX });
  return value;
}

/**
 * The lines a reship or refund decision covers: the claim's own by default, or
 * a part of them chosen by the merchant (each at most what was claimed).
 */
export function decidedLines(claimed: readonly ClaimLineRequest[], chosen: readonly ClaimLineRequest[] | undefined): ClaimLineRequest[] {
  if (chosen === undefined) return claimed.map((l) => ({ ...l }));
  const parcel = claimed.map((l) => ({ position: l.position, quantity: l.quantity, claimed: 0 }));
  return checkClaimLines(parcel, chosen);
}

