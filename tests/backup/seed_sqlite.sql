-- The SQLite flavour of the same miniature schema (the API's embedded default database).
PRAGMA foreign_keys = ON;
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
INSERT INTO alembic_version VALUES ('3f2a9c1d0b7e');
CREATE TABLE producers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT, registered_at TIMESTAMP NOT NULL);
CREATE TABLE lots (
    id INTEGER PRIMARY KEY, producer_id INTEGER NOT NULL REFERENCES producers(id), code VARCHAR(32) UNIQUE NOT NULL,
    weight_kg NUMERIC(12, 3) NOT NULL, price_usd NUMERIC(14, 4), harvested_on DATE, notes TEXT, photo BLOB
);
INSERT INTO producers (name, region, registered_at) VALUES
    ('Asociación Agroartesanal de Cacao Nacional Fino de Aroma', 'Manabí', '2025-03-30 01:59:59.123456'),
    ('Finca “El Ñandú” — cacao 🍫', 'Esmeraldas', '2025-10-26 00:30:00'),
    ('Coopérative São João', NULL, '2026-01-01 00:00:00');
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 300)
INSERT INTO lots (producer_id, code, weight_kg, price_usd, harvested_on, notes, photo)
SELECT 1 + (n % 3), printf('LOT-%05d', n), n * 12.345, CASE WHEN n % 7 = 0 THEN NULL ELSE n * 3.1416 END,
       date('2025-01-01', '+' || n || ' days'), 'línea ' || n || char(10) || 'ñ', randomblob(n % 50)
FROM g;
