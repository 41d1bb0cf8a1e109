import { describe, expect, it } from 'vitest';
import { allPermissions, can, isPermission, isRole, permissionsOf, rolePermissions, staffRoles, type Permission, type StaffRole } from '../../src/domain/staff-roles.js';
import type { StaffRole as StoredStaffRole } from '../../src/store/schema.js';

// What each role may (✓) and may not (✗) do. One row per permission, so the
// whole table is reviewed at once.
const table: Array<[Permission, owner: boolean, customer_service: boolean, warehouse: boolean, store_staff: boolean]> = [
  //                         owner  cs     wh     store
  ['orders.read',            true,  true,  true,  true],
  ['orders.manage',          true,  true,  false, false],
  ['customers.read',         true,  true,  false, false],
  ['fulfilment.manage',      true,  false, true,  false],
  ['returns.read',           true,  true,  true,  false],
  ['returns.manage',         true,  true,  false, false],
  ['returns.receive',        true,  false, true,  true],
  ['refunds.manage',         true,  true,  false, false],
  ['credit.manage',          true,  false, false, false],
  ['catalogue.read',         true,  true,  true,  true],
  ['catalogue.manage',       true,  false, false, false],
  ['stock.read',             true,  true,  true,  true],
  ['stock.manage',           true,  false, true,  false],
  ['prices.manage',          true,  false, false, false],
  ['promotions.manage',      true,  false, false, false],
  ['stores.manage',          true,  false, false, false],
  ['reservations.read',      true,  true,  false, true],
  ['reservations.manage',    true,  false, false, true],
  ['pickup.manage',          true,  false, false, true],
  ['exchanges.manage',       true,  false, false, true],
  ['staff.manage',           true,  false, false, false],
  ['tokens.manage',          true,  false, false, false],
  ['audit.read',             true,  false, false, false],
  ['settings.read',          true,  true,  false, false],
  ['dev.clock',              true,  false, false, false],
];

describe('staff roles', () => {
  it('the table above covers every permission exactly once', () => {
    expect(table.map(([p]) => p).sort()).toEqual([...allPermissions].sort());
  });

  const cases = table.flatMap(([permission, ...allowed]) =>
    staffRoles.map((role, i) => [role, permission, allowed[i]!] as [StaffRole, Permission, boolean]),
  );
  it.each(cases)('%s may %s: %s', (role, permission, expected) => {
    expect(can(role, permission)).toBe(expected);
    expect(permissionsOf(role).includes(permission)).toBe(expected);
  });

  it('the owner has every permission', () => {
    expect([...permissionsOf('owner')].sort()).toEqual([...allPermissions].sort());
  });

  it('only the owner manages staff, tokens, the audit log and the dev clock', () => {
    for (const permission of ['staff.manage', 'tokens.manage', 'audit.read', 'dev.clock'] as const) {
      expect(staffRoles.filter((role) => can(role, permission))).toEqual(['owner']);
    }
  });

  it('no role lists a permission twice or an unknown one', () => {
    for (const role of staffRoles) {
      const list = rolePermissions[role];
      expect(new Set(list).size).toBe(list.length);
      expect(list.every(isPermission)).toBe(true);
    }
  });

  it.each([['owner', true], ['customer_service', true], ['warehouse', true], ['store_staff', true], ['admin', false], ['Owner', false], ['', false], [undefined, false], [1, false], ['__proto__', false]])(
    'isRole(%j) is %s',
    (x, expected) => {
      expect(isRole(x)).toBe(expected);
    },
  );

  it('an unknown role grants nothing', () => {
    expect(can('admin', 'orders.read')).toBe(false);
    expect(can('__proto__', 'orders.read')).toBe(false);
    expect(permissionsOf('admin')).toEqual([]);
    expect(isPermission('toString')).toBe(false);
  });

  it('the domain roles are the roles the staff table accepts', () => {
    const sameRoles: [StaffRole, StoredStaffRole] extends [StoredStaffRole, StaffRole] ? true : false = true;
    expect(sameRoles).toBe(true);
  });
});
