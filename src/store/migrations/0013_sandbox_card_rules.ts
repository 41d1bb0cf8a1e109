import { sql, type Kysely } from 'kysely';

// The sandbox PSP keeps the merchant's card rules with each card session, as
// a real PSP applies its merchant's settings on the hosted page (only it sees
// the card):
//
// - `strong_authentication` (PA-2): `required` sends every card through the
//   3-D Secure challenge (FA); `when_issuer_requests` only the cards whose
//   issuer asks for it. Card sessions only: a wallet authenticates its holder
//   itself. Card sessions created before keep the behaviour they were created
//   under (`when_issuer_requests`).
// - `issuer_countries` (PA-1): a card issued elsewhere is declined
//   (`card_country_not_accepted`; FR: France only); null = any country.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sandbox_psp_sessions
      ADD COLUMN strong_authentication text CHECK (strong_authentication IN ('required', 'when_issuer_requests')),
      ADD COLUMN issuer_countries text[] CHECK (cardinality(issuer_countries) > 0);
    UPDATE sandbox_psp_sessions SET strong_authentication = 'when_issuer_requests' WHERE method = 'card';
    ALTER TABLE sandbox_psp_sessions ADD CONSTRAINT sandbox_psp_sessions_card_rules_check
      CHECK ((method = 'card') = (strong_authentication IS NOT NULL) AND (method = 'card' OR issuer_countries IS NULL));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sandbox_psp_sessions DROP CONSTRAINT sandbox_psp_sessions_card_rules_check;
    ALTER TABLE sandbox_psp_sessions DROP COLUMN issuer_countries, DROP COLUMN strong_authentication;
  `.execute(db);
}
