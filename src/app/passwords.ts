// Passwords of staff and customers: argon2id (the library's default algorithm)
// with OWASP's minimum parameters — 19 MiB, 2 passes, 1 lane.
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

const HASH_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * Verified when the email is unknown, so an unknown account takes as long as a
 * wrong password. Same parameters as HASH_OPTIONS (a test checks); its password
 * was random and thrown away.
 */
export const dummyPasswordHash = '$argon2id$v=19$m=19456,t=2,p=1$sMLQoEEJKsTnLwdW6dG81g$5ltO3T4ZrFvzonlL/t62t2eJTUGNk/GyLfGIj3Tr0R0';

export function hashPassword(password: string): Promise<string> {
  return hash(password, HASH_OPTIONS);
}

export async function passwordMatches(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash matches nothing
  }
}

/** 24 random bytes: 32 base64url characters, 192 bits. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}
