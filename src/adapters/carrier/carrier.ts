// SH-1 / SH-5: the carrier port. The engine asks a carrier for a parcel (its
// tracking number and tracking link) when a shipment is dispatched, with an
// idempotency key: asking again for the same shipment gives the same parcel.
// What happens to the parcel afterwards comes back as tracking events
// (`TrackingEvent`), each with the carrier's own event id so a webhook
// delivered twice is recorded once (src/app/fulfilment.ts, recordTrackingEvent).
import type { TrackedEventKind } from '../../domain/fulfilment/shipment-lifecycle.js';

export type ParcelRequest = {
  /** One per shipment: the same key → the same parcel. */
  idempotencyKey: string;
  /** The carrier named by the policy for the method (Colissimo, DPD…). */
  carrierName: string;
  methodKind: string;
  destination: { country: string; postalCode: string };
};

export type Parcel = { trackingNumber: string; trackingUrl: string };

export type TrackingEvent = {
  /** The carrier's id of the event: recorded once. */
  eventId: string;
  trackingNumber: string;
  kind: TrackedEventKind;
  occurredAt: Date;
  /** delivered: who signed, and whether it was the addressee or a third party they named (SH-9). */
  signedBy?: string | undefined;
  recipient?: 'customer' | 'third_party' | undefined;
  /** available_for_collection: where the parcel waits (relay point, post office, store). */
  location?: string | undefined;
  /** refused / returned_to_sender: why. */
  reason?: string | undefined;
};

/** SH-1 / SH-7: a relay point the customer may choose, as the carrier names it. */
export type PickupPoint = { id: string; label: string };

export interface Carrier {
  /** `sandbox-carrier` for the built-in one. */
  readonly name: string;
  createParcel(request: ParcelRequest): Promise<Parcel>;
  /** The relay points of `carrierName` near a postal code (SH-1: the customer picks one at checkout). */
  pickupPoints(request: { carrierName: string; country: string; postalCode: string }): Promise<PickupPoint[]>;
}
