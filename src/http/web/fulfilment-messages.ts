// Texts of the fulfilment pages (back office and the account's tracking), FR and EN.
import type { ShipmentState } from '../../domain/fulfilment/shipment-lifecycle.js';
import type { Fulfilment } from '../../domain/fulfilment/fulfilment-plan.js';

type Messages = {
  queue: string;
  collections: string;
  none: string;
  order: string;
  dueOn: string;
  state: string;
  fulfilment: string;
  method: string;
  total: string;
  prepare: (n: string) => string;
  pickList: string;
  sku: string;
  item: string;
  toShip: string;
  from: string;
  quantity: string;
  dispatchNow: string;
  pack: string;
  parcels: string;
  parcel: (n: string) => string;
  carrier: string;
  tracking: string;
  shippedAt: string;
  deliveredAt: string;
  possession: string;
  collectBy: string;
  events: string;
  dispatch: string;
  recordEvent: string;
  eventKind: string;
  signedBy: string;
  recipient: string;
  location: string;
  reason: string;
  occurredAt: string;
  record: string;
  handOver: string;
  collectedBy: string;
  identityChecked: string;
  emailShown: string;
  handOverButton: string;
  trackingTitle: string;
  noParcel: string;
  trackLink: string;
  declareTitle: string;
  declareHelp: string;
  receivedAt: string;
  receivedBy: string;
  byMe: string;
  byOther: string;
  byCustomer: string;
  byThirdParty: string;
  name: string;
  declare: string;
  lastDelivered: string;
  replaces: string;
  states: Record<ShipmentState, string>;
  fulfilments: Record<Fulfilment, string>;
  eventKinds: Record<string, string>;
  sources: Record<string, string>;
};

const fr: Messages = {
  queue: 'Préparation des commandes',
  collections: 'Colis à retirer',
  none: 'Rien pour le moment.',
  order: 'Commande',
  dueOn: 'Livraison due le',
  state: 'État',
  fulfilment: 'Expédition',
  method: 'Mode de livraison',
  total: 'Total',
  prepare: (n) => `Préparer la commande ${n}`,
  pickList: 'Liste de préparation',
  sku: 'Référence',
  item: 'Article',
  toShip: 'Reste à expédier',
  from: 'Emplacement',
  quantity: 'Quantité du colis',
  dispatchNow: 'Remettre au transporteur maintenant',
  pack: 'Emballer le colis',
  parcels: 'Colis',
  parcel: (n) => `Colis ${n}`,
  carrier: 'Transporteur',
  tracking: 'Suivi',
  shippedAt: 'Expédié le',
  deliveredAt: 'Remis le',
  possession: 'Remis à',
  collectBy: 'À retirer avant le',
  events: 'Événements',
  dispatch: 'Remettre au transporteur',
  recordEvent: 'Enregistrer un événement de suivi',
  eventKind: 'Événement',
  signedBy: 'Signé par',
  recipient: 'Destinataire',
  location: 'Lieu de retrait',
  reason: 'Motif',
  occurredAt: 'Date et heure (ISO, vide = maintenant)',
  record: 'Enregistrer',
  handOver: 'Remise au comptoir',
  collectedBy: "Nom sur la pièce d'identité",
  identityChecked: "Pièce d'identité vérifiée",
  emailShown: 'E-mail de mise à disposition présenté',
  handOverButton: 'Remettre le colis',
  trackingTitle: 'Suivi de livraison',
  noParcel: "Aucun colis n'est encore parti.",
  trackLink: 'Suivre chez le transporteur',
  declareTitle: "J'ai reçu ce colis",
  declareHelp: "Le transporteur n'a pas signalé la livraison : indiquez quand et par qui le colis a été reçu.",
  receivedAt: 'Reçu le',
  receivedBy: 'Reçu par',
  byMe: 'moi-même',
  byOther: 'une personne que j’ai désignée',
  byCustomer: 'le client',
  byThirdParty: 'un tiers désigné par le client',
  name: 'Nom',
  declare: 'Déclarer la réception',
  lastDelivered: 'Dernier article reçu le',
  replaces: 'Remplace le colis',
  states: {
    packed: 'emballé',
    shipped: 'expédié',
    in_transit: 'en transit',
    delivery_attempted: 'tentative de livraison',
    awaiting_collection: 'à retirer',
    delivered: 'livré',
    refused: 'refusé',
    returning: 'en retour',
    returned: 'retourné',
    cancelled: 'annulé',
  },
  fulfilments: { unfulfilled: 'à préparer', partially_shipped: 'expédiée en partie', shipped: 'expédiée', partially_delivered: 'livrée en partie', delivered: 'livrée', returned: 'retournée' },
  eventKinds: {
    packed: 'emballé',
    shipped: 'remis au transporteur',
    in_transit: 'en transit',
    delivery_attempted: 'tentative de livraison',
    available_for_collection: 'disponible au retrait',
    delivered: 'livré',
    refused: 'refusé à la livraison',
    returned_to_sender: 'retourné à l’expéditeur',
    returned: 'revenu chez nous',
    possession_declared: 'réception déclarée',
    cancelled: 'annulé',
  },
  sources: { carrier: 'transporteur', staff: 'équipe', customer: 'client', engine: 'automatique' },
};

const en: Messages = {
  queue: 'Fulfilment',
  collections: 'Parcels to collect',
  none: 'Nothing for now.',
  order: 'Order',
  dueOn: 'Delivery due',
  state: 'State',
  fulfilment: 'Shipping',
  method: 'Delivery method',
  total: 'Total',
  prepare: (n) => `Prepare order ${n}`,
  pickList: 'Pick list',
  sku: 'SKU',
  item: 'Item',
  toShip: 'Left to ship',
  from: 'Location',
  quantity: 'Quantity in the parcel',
  dispatchNow: 'Hand to the carrier now',
  pack: 'Pack the parcel',
  parcels: 'Parcels',
  parcel: (n) => `Parcel ${n}`,
  carrier: 'Carrier',
  tracking: 'Tracking',
  shippedAt: 'Shipped',
  deliveredAt: 'Delivered',
  possession: 'Taken by',
  collectBy: 'Collect before',
  events: 'Events',
  dispatch: 'Hand to the carrier',
  recordEvent: 'Record a tracking event',
  eventKind: 'Event',
  signedBy: 'Signed by',
  recipient: 'Recipient',
  location: 'Collection point',
  reason: 'Reason',
  occurredAt: 'Date and time (ISO, empty = now)',
  record: 'Record',
  handOver: 'Hand-over at the counter',
  collectedBy: 'Name on the identity document',
  identityChecked: 'Identity document checked',
  emailShown: 'Availability email shown',
  handOverButton: 'Hand the parcel over',
  trackingTitle: 'Delivery tracking',
  noParcel: 'No parcel has left yet.',
  trackLink: "Track at the carrier's",
  declareTitle: 'I received this parcel',
  declareHelp: 'The carrier has not reported the delivery: tell us when and by whom the parcel was received.',
  receivedAt: 'Received on',
  receivedBy: 'Received by',
  byMe: 'myself',
  byOther: 'someone I named',
  byCustomer: 'the customer',
  byThirdParty: 'a third party the customer named',
  name: 'Name',
  declare: 'Declare receipt',
  lastDelivered: 'Last item received',
  replaces: 'Replaces parcel',
  states: {
    packed: 'packed',
    shipped: 'shipped',
    in_transit: 'in transit',
    delivery_attempted: 'delivery attempted',
    awaiting_collection: 'to collect',
    delivered: 'delivered',
    refused: 'refused',
    returning: 'on its way back',
    returned: 'returned',
    cancelled: 'cancelled',
  },
  fulfilments: { unfulfilled: 'to prepare', partially_shipped: 'partly shipped', shipped: 'shipped', partially_delivered: 'partly delivered', delivered: 'delivered', returned: 'returned' },
  eventKinds: {
    packed: 'packed',
    shipped: 'handed to the carrier',
    in_transit: 'in transit',
    delivery_attempted: 'delivery attempted',
    available_for_collection: 'ready to collect',
    delivered: 'delivered',
    refused: 'refused at delivery',
    returned_to_sender: 'returned to sender',
    returned: 'back with us',
    possession_declared: 'receipt declared',
    cancelled: 'cancelled',
  },
  sources: { carrier: 'carrier', staff: 'staff', customer: 'customer', engine: 'automatic' },
};

export const fulfilmentMessages = { fr, en } as const;
