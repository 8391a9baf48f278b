-- A miniature of the Triboka schema: FK-linked tables, numerics, timestamps, unicode text, alembic_version.
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('3f2a9c1d0b7e');
CREATE TABLE producers (
    id serial PRIMARY KEY,
    name text NOT NULL,
    region text,
    registered_at timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00'
);
CREATE TABLE lots (
    id bigserial PRIMARY KEY,
    producer_id integer NOT NULL REFERENCES producers(id) ON DELETE RESTRICT,
    code varchar(32) UNIQUE NOT NULL,
    weight_kg numeric(12, 3) NOT NULL,
    price_usd numeric(14, 4),
    harvested_on date,
    notes text,
    attributes jsonb
);
CREATE INDEX lots_producer_idx ON lots (producer_id);
CREATE TABLE trace_events (
    id bigserial PRIMARY KEY,
    lot_id bigint NOT NULL REFERENCES lots(id) ON DELETE CASCADE,
    happened_at timestamp(6) without time zone NOT NULL,
    description text NOT NULL
);
INSERT INTO producers (name, region, registered_at) VALUES
    ('Asociación Agroartesanal de Cacao Nacional Fino de Aroma', 'Manabí', '2025-03-30 01:59:59.123456+00'),
    ('Finca “El Ñandú” — cacao 🍫', 'Esmeraldas', '2025-10-26 02:30:00+02'),
    ('Coopérative São João', NULL, DEFAULT);
INSERT INTO lots (producer_id, code, weight_kg, price_usd, harvested_on, notes, attributes)
SELECT 1 + (g % 3), 'LOT-' || lpad(g::text, 5, '0'), g * 12.345, CASE WHEN g % 7 = 0 THEN NULL ELSE g * 3.1416 END,
       date '2025-01-01' + g, repeat('línea ', g % 5) || E'\ttab\nnewline', jsonb_build_object('grade', g % 4, 'ñ', true)
FROM generate_series(1, 500) AS g;
INSERT INTO trace_events (lot_id, happened_at, description)
SELECT 1 + (g % 500), timestamp '2026-03-29 00:00:00' + g * interval '17 minutes', 'evento nº ' || g || ' ✓'
FROM generate_series(1, 2000) AS g;
