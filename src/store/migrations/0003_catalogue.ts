import { sql, type Kysely } from 'kysely';

// Catalogue (issue 3): search by name, listing by category, an append-only
// price history enforced by the database.
//
// Search uses PostgreSQL's built-in full-text search ('simple' configuration,
// no extension: pg_trgm and unaccent are not on every managed server), over a
// generated column, with a GIN index: prefix queries (`casq:*`) stay
// index-backed. Case and accents are folded by one SQL function,
// catalogue_search_fold, used both for the stored vector and for the query.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Folds case and the accents of Latin scripts (FR, EN and neighbours):
    -- accented letters first (whatever the database's LC_CTYPE), then lower().
    CREATE FUNCTION catalogue_search_fold(input text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
      RETURN lower(
        replace(replace(replace(replace(replace(replace(
          translate(input,
            'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŸĀāĂăĄąĆćČčĎďĒēĖėĘęĚěĞğĪīĮįİıŁłŃńŇňŌōŐőŘřŚśŞşŠšŢţŤťŪūŮůŰűŲųŹźŻżŽž',
            'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyyYAaAaAaCcCcDdEeEeEeEeGgIiIiIiLlNnNnOoOoRrSsSsSsTtTtUuUuUuUuZzZzZz'),
          'Œ', 'oe'), 'œ', 'oe'), 'Æ', 'ae'), 'æ', 'ae'), 'ß', 'ss'), '''', ' ')
      );

    ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
      to_tsvector('simple', catalogue_search_fold(coalesce(name->>'fr', '') || ' ' || coalesce(name->>'en', '')))
    ) STORED;
    CREATE INDEX products_search ON products USING gin (search_vector);

    -- Listing filtered by category, in catalogue order.
    CREATE INDEX products_category_listing ON products (shop_id, category_id, position, id);

    -- Stock lookups by location (the back office's stock page).
    CREATE INDEX stock_location ON stock (location_id);

    -- PR-4 / PR-6: a price row is never updated nor deleted; a change is a new row.
    CREATE FUNCTION price_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'price_history is append-only (PR-6): % refused', TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$;
    CREATE TRIGGER price_history_append_only BEFORE UPDATE OR DELETE ON price_history
      FOR EACH ROW EXECUTE FUNCTION price_history_append_only();
  `.execute(db);
}
