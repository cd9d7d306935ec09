package dev.pgwarden.sidecar;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

/**
 * More bypass attempts against the proxy wall, on MaskingBypassTest's fixture and policy. Each
 * attempt runs in every client mode and reports every mode that leaked, not only the first, so a
 * failure names all the ways the statement got a masked value out.
 */
@org.junit.jupiter.api.Timeout(300)
class MaskingAttackTest {
    /** A name PostgreSQL cuts to its first 63 bytes, and the name it keeps. */
    static final String LONG = "attack_name_that_is_longer_than_sixty_three_bytes_so_it_gets_cut_xyz";

    static final String SHORT = "attack_name_that_is_longer_than_sixty_three_bytes_so_it_gets_cu";

    private int auditMark;

    @BeforeAll
    static void start() throws SQLException {
        MaskingBypassTest.start();
        MaskingBypassTest.direct(
                "CREATE TYPE bypass_t.one_enum AS ENUM ('only')",
                "CREATE DOMAIN bypass_t.plain_text AS text",
                "CREATE TABLE bypass_t.fk_target (v text PRIMARY KEY)");
    }

    @AfterAll
    static void stop() {
        MaskingBypassTest.stop();
    }

    @BeforeEach
    void markAudit() {
        auditMark = MaskingBypassTest.f.auditText().length();
    }

    @AfterEach
    void auditOfThisTestHoldsNoSecret() {
        String audit = MaskingBypassTest.f.auditText();
        MaskingBypassTest.assertNoSecret("audit", audit.substring(Math.min(auditMark, audit.length())));
    }

    // ---------------------------------------------------------------- helpers

    /** Runs the statements in order on one connection per mode; fails naming every mode that leaked. */
    static void attack(String... statements) throws SQLException {
        List<String> leaks = new ArrayList<>();
        for (ClientMode mode : ClientMode.values()) {
            try (Connection c = MaskingBypassTest.connect(mode)) {
                for (String sql : statements) {
                    String out = MaskingBypassTest.probe(c, sql);
                    check(leaks, mode + " " + sql, out);
                }
            }
        }
        assertTrue(leaks.isEmpty(), String.join("\n", leaks));
    }

    /**
     * For answers that spell a value out one piece per cell or per row: the cells are joined
     * without separators, and cells that are character codes are turned back into characters.
     */
    static void attackPieces(String sql) throws SQLException {
        List<String> leaks = new ArrayList<>();
        for (ClientMode mode : ClientMode.values()) {
            try (Connection c = MaskingBypassTest.connect(mode)) {
                StringBuilder joined = new StringBuilder();
                StringBuilder codes = new StringBuilder();
                String err = "";
                try (PreparedStatement ps = c.prepareStatement(sql);
                        ResultSet rs = ps.executeQuery()) {
                    for (List<String> row : ClientMode.read(rs)) {
                        for (String cell : row) {
                            if (cell == null) {
                                continue;
                            }
                            joined.append(cell);
                            for (String part : cell.split("[^0-9]+")) {
                                if (!part.isEmpty() && part.length() <= 3) {
                                    int code = Integer.parseInt(part);
                                    if (code >= 32 && code < 127) {
                                        codes.append((char) code);
                                    }
                                }
                            }
                        }
                    }
                } catch (SQLException e) {
                    err = MaskingBypassTest.error(e);
                }
                MaskingBypassTest.log("[attack] " + sql + "\n    -> joined=" + joined + " codes=" + codes + " " + err);
                check(leaks, mode + " " + sql + " (joined)", joined + "\n" + err);
                check(leaks, mode + " " + sql + " (char codes)", codes.toString());
            }
        }
        assertTrue(leaks.isEmpty(), String.join("\n", leaks));
    }

    static void attackCopy(String... copies) throws SQLException {
        List<String> leaks = new ArrayList<>();
        try (Connection c = MaskingBypassTest.connect(ClientMode.EXTENDED_TEXT)) {
            CopyManager copy = new CopyManager(c.unwrap(BaseConnection.class));
            for (String sql : copies) {
                StringWriter out = new StringWriter();
                String err = "";
                try {
                    copy.copyOut(sql, out);
                } catch (SQLException e) {
                    err = MaskingBypassTest.error(e);
                } catch (java.io.IOException e) {
                    err = e.toString();
                }
                MaskingBypassTest.log("[attack] " + sql + " -> " + out + " " + err);
                check(leaks, "copy " + sql, out + "\n" + err);
            }
        }
        assertTrue(leaks.isEmpty(), String.join("\n", leaks));
    }

    private static void check(List<String> leaks, String where, String out) {
        try {
            MaskingBypassTest.assertNoSecret(where, out);
        } catch (AssertionError e) {
            leaks.add("LEAK " + where + " :: " + e.getMessage() + " :: " + out.replace('\n', ' '));
        }
    }

    // ---------------------------------------------------------------- query shapes

    @ParameterizedTest
    @ValueSource(
            strings = {
                // set-returning and plain functions in FROM, with and without aliases
                "SELECT upper FROM upper((SELECT email FROM bypass_t.customers WHERE id = 1))",
                "SELECT u FROM upper((SELECT email FROM bypass_t.customers WHERE id = 1)) u",
                "SELECT u.* FROM reverse((SELECT ssn FROM bypass_t.customers WHERE id = 1)) u",
                "SELECT x FROM bypass_t.customers c, upper(c.email) x",
                "SELECT upper FROM bypass_t.customers c, upper(c.email)",
                "SELECT * FROM bypass_t.customers c, LATERAL reverse(c.ssn)",
                "SELECT reverse FROM bypass_t.customers c, LATERAL reverse(c.ssn) WHERE c.id = 1",
                "SELECT r.r FROM bypass_t.customers c, reverse(c.ssn) AS r",
                "SELECT t FROM bypass_t.customers c, LATERAL (SELECT c.email) t",
                "SELECT t::text FROM bypass_t.customers c, LATERAL (SELECT c.ssn) t",
                "SELECT * FROM bypass_t.customers c, LATERAL (VALUES (c.email)) v",
                "SELECT s FROM bypass_t.customers c, string_to_table(c.email, '.') s",
                "SELECT * FROM bypass_t.customers c, LATERAL regexp_matches(c.ssn, '(\\d+)-(\\d+)-(\\d+)') m",
                "SELECT * FROM bypass_t.notes n, LATERAL bypass_t.email_of(n.id)",
                "SELECT * FROM bypass_t.shout((SELECT ssn FROM bypass_t.customers WHERE id = 1))",
                // stars and composite field access
                "SELECT (c).email || '' FROM bypass_t.customers c",
                "SELECT (c).* FROM bypass_t.customers c",
                "SELECT (c.*).ssn || '' FROM bypass_t.customers c",
                "SELECT (customers).email FROM bypass_t.customers",
                "SELECT customers::text FROM bypass_t.customers",
                "SELECT ROW(c.*)::text FROM bypass_t.customers c",
                "SELECT to_json(c.*)::text FROM bypass_t.customers c",
                "SELECT (x).f2 FROM (SELECT ROW(id, ssn) AS x FROM bypass_t.customers) s",
                "SELECT (ROW(id, email)::bypass_t.notes).body FROM bypass_t.customers",
                "SELECT CAST(ROW(id, ssn) AS bypass_t.notes)::text FROM bypass_t.customers",
                "SELECT (ROW(email, ssn)).* FROM bypass_t.customers",
                "SELECT t.* FROM (SELECT c FROM bypass_t.customers c) t",
                // json, jsonb, xml
                "SELECT to_jsonb(c) ->> 'email' FROM bypass_t.customers c",
                "SELECT to_jsonb(c) #>> '{ssn}' FROM bypass_t.customers c",
                "SELECT jsonb_build_array(email) ->> 0 FROM bypass_t.customers",
                "SELECT jsonb_path_query(to_jsonb(c), '$.email') FROM bypass_t.customers c",
                "SELECT jsonb_path_query_first(jsonb_build_object('e', ssn), '$.e') #>> '{}' FROM bypass_t.customers",
                "SELECT jsonb_each_text(to_jsonb(c)) FROM bypass_t.customers c",
                "SELECT (jsonb_each_text(to_jsonb(c))).value FROM bypass_t.customers c",
                "SELECT body FROM json_populate_record(NULL::bypass_t.notes,"
                        + " (SELECT json_build_object('id', 1, 'body', email) FROM bypass_t.customers WHERE id = 1))",
                "SELECT * FROM jsonb_populate_recordset(NULL::bypass_t.notes,"
                        + " (SELECT jsonb_agg(jsonb_build_object('id', id, 'body', ssn)) FROM bypass_t.customers))",
                "SELECT * FROM jsonb_array_elements_text((SELECT jsonb_agg(email) FROM bypass_t.customers))",
                "SELECT (xpath('/x/text()', xmlelement(name x, email)))[1]::text FROM bypass_t.customers",
                "SELECT xmlserialize(content xmlelement(name x, ssn) AS text) FROM bypass_t.customers",
                "SELECT * FROM XMLTABLE('/r' PASSING xmlelement(name r, (SELECT email FROM bypass_t.customers WHERE id = 1))"
                        + " COLUMNS v text PATH '.')",
                "SELECT JSON_VALUE(jsonb_build_object('e', email), '$.e') FROM bypass_t.customers",
                "SELECT JSON_QUERY(to_jsonb(c), '$.ssn') FROM bypass_t.customers c",
                "SELECT JSON_OBJECT('e' VALUE email)::text FROM bypass_t.customers",
                "SELECT JSON_ARRAYAGG(ssn)::text FROM bypass_t.customers",
                // arrays
                "SELECT (string_to_array(ssn, '-'))[1:3] FROM bypass_t.customers",
                "SELECT ARRAY[email] || ARRAY[ssn] FROM bypass_t.customers",
                "SELECT array_append(ARRAY[]::text[], email)::text FROM bypass_t.customers",
                "SELECT unnest(ARRAY[email, ssn]) FROM bypass_t.customers",
                "SELECT (array_agg(email ORDER BY id))[1] FROM bypass_t.customers",
                "SELECT array_to_string(array_agg(ssn), ',') FROM bypass_t.customers",
                // strings
                "SELECT overlay(email PLACING '' FROM 1 FOR 0) FROM bypass_t.customers",
                "SELECT split_part(email, '@', 1) FROM bypass_t.customers",
                "SELECT translate(ssn, '-', '') FROM bypass_t.customers",
                "SELECT encode(convert_to(email, 'UTF8'), 'hex') FROM bypass_t.customers",
                "SELECT encode(convert_to(ssn, 'UTF8'), 'base64') FROM bypass_t.customers",
                "SELECT md5(email) FROM bypass_t.customers",
                "SELECT sha256(convert_to(ssn, 'UTF8'))::text FROM bypass_t.customers",
                "SELECT email COLLATE \"C\" FROM bypass_t.customers",
                "SELECT email OPERATOR(pg_catalog.||) '' FROM bypass_t.customers",
                "SELECT $$ $$ || ssn FROM bypass_t.customers",
                "SELECT E'\\x41' || email FROM bypass_t.customers",
                "SELECT quote_literal(email) FROM bypass_t.customers",
                "SELECT concat_ws('', VARIADIC ARRAY[email, ssn]) FROM bypass_t.customers",
                // window, grouping, distinct, filters, ordered-set aggregates
                "SELECT nth_value(ssn, 1) OVER (ORDER BY id) FROM bypass_t.customers",
                "SELECT last_value(email) OVER () FROM bypass_t.customers",
                "SELECT lead(name, 1, email) OVER () FROM bypass_t.customers",
                "SELECT max(ssn) OVER (PARTITION BY name) FROM bypass_t.customers",
                "SELECT string_agg(email, ',') OVER () FROM bypass_t.customers",
                "SELECT ssn, email FROM bypass_t.customers GROUP BY CUBE (ssn, email)",
                "SELECT DISTINCT ON (ssn) ssn || '' FROM bypass_t.customers",
                "SELECT max(email) FILTER (WHERE id = 1) FROM bypass_t.customers",
                "SELECT string_agg(email, ',' ORDER BY email DESC) FROM bypass_t.customers",
                "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ssn) FROM bypass_t.customers",
                "SELECT mode() WITHIN GROUP (ORDER BY email) FROM bypass_t.customers",
                "SELECT min(ssn COLLATE \"C\") FROM bypass_t.customers",
                // ranges, casts to domains and composites
                "SELECT int8range(phone, phone + 1)::text FROM bypass_t.customers",
                "SELECT lower(int8range(phone, NULL)) FROM bypass_t.customers",
                "SELECT upper(daterange(NULL, birth, '[]')) FROM bypass_t.customers",
                "SELECT email::bypass_t.plain_text FROM bypass_t.customers",
                "SELECT ('(1,' || email || ')')::bypass_t.notes FROM bypass_t.customers",
                // VALUES, set operations, CTEs
                "VALUES ('x') UNION ALL SELECT ssn FROM bypass_t.customers",
                "VALUES ('a'), ((SELECT ssn FROM bypass_t.customers WHERE id = 1))",
                "SELECT * FROM (VALUES ((SELECT email FROM bypass_t.customers WHERE id = 1))) v",
                "SELECT column1 FROM (VALUES ((SELECT email FROM bypass_t.customers WHERE id = 1))) v",
                "SELECT v.* FROM (VALUES (1, (SELECT ssn FROM bypass_t.customers WHERE id = 1))) v(a, b)",
                "SELECT ssn FROM bypass_t.customers INTERSECT SELECT ssn FROM bypass_t.customers",
                "SELECT email FROM bypass_t.customers EXCEPT SELECT 'x'",
                "(SELECT 'x' AS a) UNION (SELECT email FROM bypass_t.customers) ORDER BY 1",
                "WITH RECURSIVE r(s) AS (SELECT ssn FROM bypass_t.customers WHERE id = 1 UNION SELECT s FROM r) SELECT * FROM r",
                "WITH x AS NOT MATERIALIZED (SELECT * FROM bypass_t.customers) SELECT x.* FROM x",
                "WITH x(a, b) AS (SELECT email, ssn FROM bypass_t.customers) SELECT b, a FROM x",
                "WITH " + LONG + " AS (SELECT email AS e FROM bypass_t.customers) SELECT e || '' FROM " + SHORT,
                "WITH u AS (UPDATE bypass_t.notes SET body = body WHERE id = 1 RETURNING body)"
                        + " SELECT c.email || '' FROM bypass_t.customers c, u",
                // names: long, quoted, Unicode-escaped
                "SELECT upper(" + SHORT + ") FROM (SELECT email AS " + LONG + " FROM bypass_t.customers) s",
                "SELECT upper(" + SHORT + ".email) FROM bypass_t.customers " + LONG,
                "SELECT upper(email) FROM U&\"bypass\\005ft\".customers",
                "SELECT upper(email) FROM bypass_t.U&\"\\0063ustomers\"",
                "SELECT upper(C.email) FROM bypass_t.customers \"c\"",
                "SELECT upper(email) FROM bypass_t . customers",
                "SELECT upper(email) FROM bypass_t./* x */customers",
                "SELECT upper(\"EMAIL\") FROM bypass_t.customers",
                // writes that return rows
                "UPDATE bypass_t.customers SET name = name WHERE id = 1 RETURNING email, upper(ssn)",
                "INSERT INTO bypass_t.customers (id, name) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET name = customers.name"
                        + " RETURNING email",
                "WITH u AS (UPDATE bypass_t.customers SET name = name WHERE id = 1 RETURNING *) SELECT * FROM u",
                "MERGE INTO bypass_t.customers c USING (VALUES (1)) v(i) ON c.id = v.i WHEN MATCHED THEN UPDATE SET name = c.name"
                        + " RETURNING c.email, c.ssn",
                "DELETE FROM bypass_t.customers WHERE id = 1 AND false RETURNING email",
                // tokenizer disagreements: escape strings, dollar quotes, nested comments
                "SELECT E'a\\' AS x, ' , email AS y, ' AS z -- '\n FROM bypass_t.customers",
                "SELECT $x$ /* $x$, email, $y$ */ $y$ FROM bypass_t.customers",
                "SELECT $x$ -- $x$, email FROM bypass_t.customers",
                "SELECT 1 /* /* */ AS a, email AS b /* */ */ FROM bypass_t.customers",
                "SELECT '--', email FROM bypass_t.customers",
                "SELECT U&'\\0041', email FROM bypass_t.customers",
            })
    void queryShapes(String sql) throws SQLException {
        attack(sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT ssn::numeric FROM bypass_t.customers WHERE id = 1",
                "SELECT ssn::money FROM bypass_t.customers WHERE id = 1",
                "SELECT email::point FROM bypass_t.customers WHERE id = 1",
                "SELECT email::macaddr FROM bypass_t.customers WHERE id = 1",
                "SELECT email::cidr FROM bypass_t.customers WHERE id = 1",
                "SELECT email::timestamptz FROM bypass_t.customers WHERE id = 1",
                "SELECT ssn::oid FROM bypass_t.customers WHERE id = 1",
                "SELECT email::regproc FROM bypass_t.customers WHERE id = 1",
                "SELECT email::regtype FROM bypass_t.customers WHERE id = 1",
                "SELECT email::regnamespace FROM bypass_t.customers WHERE id = 1",
                "SELECT email::regrole FROM bypass_t.customers WHERE id = 1",
                "SELECT ('{' || ssn || '}')::int[] FROM bypass_t.customers WHERE id = 1",
                "SELECT email::bypass_t.one_enum FROM bypass_t.customers WHERE id = 1",
                "SELECT ('(' || email || ',x)')::bypass_t.notes FROM bypass_t.customers WHERE id = 1",
                "SELECT * FROM bypass_t.customers WHERE id = 1 AND ssn::int > 0",
                "SELECT id FROM bypass_t.customers ORDER BY email::int",
                "SELECT count(*) FROM bypass_t.customers GROUP BY id HAVING max(ssn)::int > 0",
                "SELECT * FROM bypass_t.customers c JOIN bypass_t.notes n ON n.id = c.ssn::int",
                "SELECT to_timestamp(email, 'YYYY') FROM bypass_t.customers WHERE id = 1",
                "SELECT jsonb_path_query('{}', email::jsonpath) FROM bypass_t.customers WHERE id = 1",
                "SELECT regexp_match('x', '(' || email) FROM bypass_t.customers WHERE id = 1",
                "SELECT email::tsquery FROM bypass_t.customers WHERE id = 1",
                "SELECT pg_notify(email, 'x') FROM bypass_t.customers WHERE id = 1",
                "SELECT nextval(email) FROM bypass_t.customers WHERE id = 1",
                "SELECT has_table_privilege(email, 'SELECT') FROM bypass_t.customers WHERE id = 1",
                "SELECT to_regclass(email)::text, email::name FROM bypass_t.customers WHERE id = 1",
                "EXPLAIN (ANALYZE, FORMAT JSON) SELECT ssn::int FROM bypass_t.customers",
                "EXPLAIN ANALYZE SELECT email::bypass_t.one_enum FROM bypass_t.customers",
                "PREPARE ep1 AS SELECT ssn::numeric FROM bypass_t.customers WHERE id = 1; EXECUTE ep1",
                "DO $$ BEGIN PERFORM ssn::int FROM bypass_t.customers; END $$",
            })
    void errorsThatEchoValues(String sql) throws SQLException {
        attack(sql);
    }

    /** DDL whose error details name the offending key: the table itself is left unchanged (each one fails). */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "CREATE UNIQUE INDEX attack_card_idx ON bypass_t.customers (card)",
                "CREATE UNIQUE INDEX attack_card_idx2 ON bypass_t.customers (lower(card))",
                "ALTER TABLE bypass_t.customers ADD UNIQUE (card)",
                "ALTER TABLE bypass_t.customers ADD CONSTRAINT attack_fk FOREIGN KEY (ssn) REFERENCES bypass_t.fk_target (v)",
                "ALTER TABLE bypass_t.customers ALTER COLUMN ssn TYPE int USING ssn::int",
                "ALTER TABLE bypass_t.customers ALTER COLUMN email TYPE bypass_t.one_enum USING email::bypass_t.one_enum",
                "UPDATE bypass_t.customers c SET email = d.email FROM bypass_t.customers d WHERE c.id = 2 AND d.id = 1",
                "UPDATE bypass_t.customers SET card = card || '' WHERE id = 1 AND card::int > 0",
            })
    void constraintAndDdlErrors(String sql) throws SQLException {
        attack(sql);
    }

    // ---------------------------------------------------------------- one value spelled out in pieces

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT substr(email, g, 1) FROM bypass_t.customers, generate_series(1, 30) g WHERE id = 1 ORDER BY g",
                "SELECT ascii(substr(ssn, g, 1)) FROM bypass_t.customers, generate_series(1, 11) g WHERE id = 1 ORDER BY g",
                "SELECT string_agg(ascii(substr(email, g, 1))::text, ',' ORDER BY g) FROM bypass_t.customers,"
                        + " generate_series(1, 30) g WHERE id = 1",
                "SELECT c FROM bypass_t.customers, string_to_table(email, NULL) c WHERE id = 1",
                "SELECT regexp_matches(ssn, '(.)', 'g') FROM bypass_t.customers WHERE id = 1",
                "SELECT get_byte(convert_to(email, 'UTF8'), g) FROM bypass_t.customers, generate_series(0, 23) g WHERE id = 1",
                "SELECT unnest(string_to_array(ssn, NULL)) FROM bypass_t.customers WHERE id = 1",
                "SELECT chr(ascii(substr(email, g, 1))) FROM bypass_t.customers, LATERAL generate_series(1, 30) g WHERE id = 1",
                "SELECT (SELECT substr(email, g, 1) FROM bypass_t.customers WHERE id = 1) FROM generate_series(1, 30) g",
                "SELECT g FROM generate_series(32, 126) g, bypass_t.customers c WHERE c.id = 1 AND ascii(substr(c.ssn, 1, 1)) = g",
            })
    void piecesOfAValue(String sql) throws SQLException {
        attackPieces(sql);
    }

    // ---------------------------------------------------------------- strict columns

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT id FROM bypass_t.vault WHERE position('T' IN code) = 1",
                "SELECT id FROM bypass_t.vault GROUP BY id HAVING max(code) > 'M'",
                "SELECT id FROM bypass_t.vault WHERE code IN (SELECT 'TOPSECRETCODE')",
                "SELECT v.id FROM bypass_t.vault v JOIN bypass_t.notes n ON n.body < v.code",
                "SELECT row_number() OVER (ORDER BY code), id FROM bypass_t.vault",
                "SELECT DISTINCT ON (code) id FROM bypass_t.vault",
                "SELECT id FROM bypass_t.vault v WHERE (v).code LIKE 'T%'",
                "SELECT id FROM bypass_t.vault WHERE to_jsonb(vault) ->> 'code' LIKE 'T%'",
                "SELECT id FROM bypass_t.vault v, LATERAL upper(v.code) u WHERE u LIKE 'T%'",
                "SELECT id FROM bypass_t.vault WHERE U&\"c\\006fde\" = 'x'",
                "SELECT min(id) FILTER (WHERE code > 'M') FROM bypass_t.vault",
                "SELECT id FROM bypass_t.vault v WHERE v.* = ROW(1, 'TOPSECRETCODE')::bypass_t.vault",
            })
    void strictColumnOracles(String sql) throws SQLException {
        MaskingBypassTest.assertRefused(sql);
    }

    // ---------------------------------------------------------------- session state

    @Test
    void settingsReadBack() throws SQLException {
        attack(
                "SELECT set_config('attack.v', ssn, false) IS NULL FROM bypass_t.customers WHERE id = 1",
                "SELECT current_setting('attack.v')",
                "SHOW attack.v",
                "SELECT setting FROM pg_settings WHERE name = 'attack.v'");
    }

    @Test
    void reportedSettingCarriesAValue() throws SQLException {
        attack(
                "SELECT set_config('application_name', email, false) IS NULL FROM bypass_t.customers WHERE id = 1",
                "SELECT 1");
    }

    @Test
    void escapeStringsOffForTheProxysParser() throws SQLException {
        attack(
                "SET standard_conforming_strings = off",
                "SELECT 'a\\' AS x, ' , email AS y, ' AS z -- '\n FROM bypass_t.customers",
                "RESET standard_conforming_strings");
    }

    @Test
    void preparedByLongName() throws SQLException {
        attack("PREPARE " + LONG + " AS SELECT upper(email), ssn FROM bypass_t.customers", "EXECUTE " + SHORT);
    }

    @Test
    void preparedShapes() throws SQLException {
        attack(
                "PREPARE ap1(text) AS SELECT $1 || email FROM bypass_t.customers",
                "EXECUTE ap1('')",
                "PREPARE ap2 AS SELECT * FROM bypass_t.customers c, LATERAL upper(c.email)",
                "EXECUTE ap2",
                "PREPARE ap3 AS VALUES ((SELECT ssn FROM bypass_t.customers WHERE id = 1))",
                "EXECUTE ap3",
                "PREPARE \"Ap4\" AS SELECT ssn || '' FROM bypass_t.customers",
                "EXECUTE \"Ap4\"",
                "PREPARE U&\"ap\\0035\" AS SELECT email || '' FROM bypass_t.customers",
                "EXECUTE ap5",
                "DEALLOCATE ap1",
                "PREPARE ap1(text) AS SELECT $1",
                "EXECUTE ap1((SELECT email FROM bypass_t.customers LIMIT 1))");
    }

    @Test
    void cursorsByOtherNames() throws SQLException {
        attack(
                "DECLARE " + LONG + " CURSOR WITH HOLD FOR SELECT upper(email), ssn FROM bypass_t.customers",
                "FETCH ALL FROM " + SHORT,
                "CLOSE " + SHORT,
                "DECLARE U&\"ac\\0031\" CURSOR WITH HOLD FOR SELECT email || '' FROM bypass_t.customers",
                "FETCH ALL FROM ac1",
                "CLOSE ac1",
                "DECLARE ac2 SCROLL CURSOR WITH HOLD FOR SELECT * FROM bypass_t.customers c, LATERAL reverse(c.ssn)",
                "FETCH LAST FROM ac2",
                "FETCH PRIOR FROM ac2",
                "FETCH ABSOLUTE 1 FROM ac2",
                "MOVE FIRST IN ac2",
                "FETCH RELATIVE 0 FROM ac2",
                "FETCH BACKWARD ALL FROM ac2",
                "CLOSE ac2",
                "DECLARE ac3 NO SCROLL CURSOR WITH HOLD FOR VALUES ((SELECT ssn FROM bypass_t.customers WHERE id = 1))",
                "FETCH NEXT IN ac3",
                "CLOSE ALL");
    }

    @Test
    void temporaryObjects() throws SQLException {
        attack(
                "CREATE TEMP VIEW av1 AS SELECT id, ssn AS plain FROM bypass_t.customers",
                "SELECT plain || '' FROM av1",
                "SELECT * FROM pg_temp.av1",
                "CREATE FUNCTION pg_temp.af() RETURNS SETOF text LANGUAGE sql AS 'SELECT email FROM bypass_t.customers'",
                "SELECT * FROM pg_temp.af()",
                "CREATE TEMP TABLE at1 (v text)",
                "INSERT INTO at1 SELECT reverse(ssn) FROM bypass_t.customers",
                "SELECT v FROM at1");
    }

    @Test
    void copyVariants() throws SQLException {
        attackCopy(
                "COPY (VALUES ((SELECT ssn FROM bypass_t.customers WHERE id = 1))) TO STDOUT",
                "COPY bypass_t.customers (ssn) TO STDOUT",
                "COPY bypass_t.customers (id, \"email\") TO STDOUT WITH (FORMAT csv)",
                "COPY (TABLE bypass_t.contacts) TO STDOUT",
                "COPY (SELECT * FROM bypass_t.customers c, LATERAL reverse(c.ssn)) TO STDOUT",
                "COPY U&\"bypass\\005ft\".customers TO STDOUT",
                "COPY (UPDATE bypass_t.customers SET name = name WHERE id = 1 RETURNING email) TO STDOUT",
                "COPY (SELECT ssn::int FROM bypass_t.customers) TO STDOUT",
                "COPY bypass_t.customers TO STDOUT (FORMAT binary)");
    }
}
