import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hotRouteSerializer } from '../../../src/http/routes/catalogue-store-api.js';

const schema = z.object({ id: z.string(), total: z.number().int().optional() });
const route = { schema, method: 'GET', url: '/x' };

describe('hotRouteSerializer (the catalogue routes’ response serializer)', () => {
  it('in production stringifies without zod, the same text as zod', () => {
    const prod = hotRouteSerializer('production')(route);
    const dev = hotRouteSerializer('test')(route);
    expect(prod({ id: 'a' })).toBe(dev({ id: 'a' }));
    expect(prod({ id: 'a', total: 3 })).toBe('{"id":"a","total":3}');
  });

  it('elsewhere still validates the response with zod', () => {
    expect(() => hotRouteSerializer('test')(route)({ id: 1 })).toThrow();
  });

  it('elsewhere refuses a response holding more than its schema (production would send it)', () => {
    expect(() => hotRouteSerializer('development')(route)({ id: 'a', secret: 'x' })).toThrow(/more than its schema/);
  });
});
