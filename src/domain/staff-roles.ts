// Back-office access (issue "Foundation" §9): what each staff role may do,
// declared as data (style.md §1). Routes and pages ask `can(role, permission)`;
// nothing else decides who may do what.

/** Every permission the back office checks, with what it allows. */
export const permissions = {
  'orders.read': 'see orders, their payments, shipments and evidence',
  'orders.manage': 'change an order: cancel, edit the delivery address, resend emails',
  'customers.read': 'see customer accounts and their history',
  'fulfilment.manage': 'pick, pack, ship: print labels, record shipments',
  'returns.read': 'see withdrawal notices and returns',
  'returns.manage': 'authorise or reject returns, decide on inspections (WD-8)',
  'returns.receive': 'record that a returned parcel arrived and what was inside',
  'refunds.manage': 'issue refunds',
  'credit.manage': 'authorise professionals to pay later, with their credit limit (PA-1/PA-7)',
  'catalogue.read': 'see products and variants in the back office',
  'catalogue.manage': 'create and edit products, variants, categories, images',
  'stock.read': 'see stock per location',
  'stock.manage': 'adjust stock, record deliveries and counts',
  'prices.manage': 'change prices (PR-4/PR-6: the price history is kept)',
  'promotions.manage': 'create and end promotions and codes',
  'stores.manage': 'edit locations: stores, warehouses, opening hours',
  'reservations.read': 'see click-and-collect reservations',
  'reservations.manage': 'prepare, extend and cancel reservations',
  'pickup.manage': 'hand an order or reservation over at the store counter',
  'exchanges.manage': 'take an item back in store and exchange it',
  'staff.manage': 'create and disable staff accounts, reset their passwords',
  'tokens.manage': 'create and revoke API tokens for integrators',
  'audit.read': 'read the audit log of staff actions',
  'settings.read': 'read the shop policy and terms documents in force',
  'dev.clock': 'move the manual clock (development and test only)',
} as const satisfies Record<string, string>;

export type Permission = keyof typeof permissions;
export const allPermissions = Object.keys(permissions) as Permission[];

export const staffRoles = ['owner', 'customer_service', 'warehouse', 'store_staff'] as const;
export type StaffRole = (typeof staffRoles)[number];

export const rolePermissions = {
  // The shop's owner (or manager): everything, including who works in the
  // back office, integrators' tokens, the audit log and the dev clock. The
  // first start of a shop creates one owner; the last active owner cannot be
  // disabled.
  owner: allPermissions,

  // Customer service: answers customers. Reads orders, customers and the terms
  // in force; changes orders, decides on returns and issues refunds. Reads
  // catalogue, stock and reservations to answer questions, changes none of them.
  customer_service: [
    'orders.read',
    'orders.manage',
    'customers.read',
    'returns.read',
    'returns.manage',
    'refunds.manage',
    'reservations.read',
    'catalogue.read',
    'stock.read',
    'settings.read',
  ],

  // Warehouse: ships orders and keeps stock right. Reads orders to pick them,
  // receives returned parcels and records what came back, but does not decide
  // on refunds nor talk to customers.
  warehouse: [
    'orders.read',
    'fulfilment.manage',
    'returns.read',
    'returns.receive',
    'stock.read',
    'stock.manage',
    'catalogue.read',
  ],

  // Store staff: the counter of a physical store. Prepares and hands over
  // click-and-collect reservations and orders, takes items back in exchange
  // or as a return brought to the store, and sees stock; never refunds nor
  // changes stock levels by hand.
  store_staff: [
    'orders.read',
    'reservations.read',
    'reservations.manage',
    'pickup.manage',
    'exchanges.manage',
    'returns.receive',
    'stock.read',
    'catalogue.read',
  ],
} as const satisfies Record<StaffRole, readonly Permission[]>;

const granted: ReadonlyMap<StaffRole, ReadonlySet<Permission>> = new Map(
  staffRoles.map((role) => [role, new Set<Permission>(rolePermissions[role])]),
);

export function isRole(x: unknown): x is StaffRole {
  return typeof x === 'string' && (staffRoles as readonly string[]).includes(x);
}

export function isPermission(x: unknown): x is Permission {
  return typeof x === 'string' && Object.hasOwn(permissions, x);
}

/** False for anything that is not a known role (a disabled or forged value grants nothing). */
export function can(role: string, permission: Permission): boolean {
  return isRole(role) && granted.get(role)!.has(permission);
}

/** The permissions of a role, in the table's order; none for an unknown role. */
export function permissionsOf(role: string): readonly Permission[] {
  return isRole(role) ? rolePermissions[role] : [];
}
