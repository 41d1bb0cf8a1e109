// SH-1 / SH-5: the sandbox carrier, part of the product so a shop can try
// fulfilment end to end without a carrier contract. It stands in for every
// carrier the policy names. Tracking numbers are derived from the idempotency
// key (the same shipment → the same number; no state to keep), and its
// tracking events are driven by hand — from the shipment screen of the back
// office or `POST /api/admin/dev/carrier/events` — and enter the engine
// through the same function as a real carrier's webhook (`recordTrackingEvent`).
import { createHash, randomUUID } from 'node:crypto';
import type { Carrier, TrackingEvent } from './carrier.js';

/** `SB` + 11 digits, like a Colissimo number: stable for a key. */
export function sandboxTrackingNumber(idempotencyKey: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 15)}`) % 100_000_000_000n;
  return `SB${digits.toString().padStart(11, '0')}`;
}

export function sandboxCarrier(publicUrl: string): Carrier {
  const base = publicUrl.replace(/\/$/, '');
  return {
    name: 'sandbox-carrier',
    async createParcel(request) {
      const trackingNumber = sandboxTrackingNumber(request.idempotencyKey);
      return { trackingNumber, trackingUrl: `${base}/sandbox/carrier/${trackingNumber}` };
    },
    // Three points per postal code, always the same ones.
    async pickupPoints(request) {
      const postalCode = request.postalCode.replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(0, 10) || '00000';
      const streets = ['rue de la Gare', 'place du Marché', 'avenue de la République'];
      return streets.map((street, i) => ({
        id: `${request.country}-${postalCode}-${i + 1}`,
        label: `${request.carrierName} — Relais ${i + 1}, ${2 * i + 3} ${street}, ${request.postalCode.trim()} (${request.country})`,
      }));
    },
  };
}

/** A tracking event as the sandbox carrier would send it, with a fresh event id. */
export function sandboxTrackingEvent(input: Omit<TrackingEvent, 'eventId'>): TrackingEvent {
  return { ...input, eventId: `sbx_${randomUUID()}` };
}
