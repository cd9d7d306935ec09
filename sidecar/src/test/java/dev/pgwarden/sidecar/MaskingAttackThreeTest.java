package dev.pgwarden.sidecar;

import static dev.pgwarden.sidecar.MaskingBypassTest.bind;
import static dev.pgwarden.sidecar.MaskingBypassTest.concat;
import static dev.pgwarden.sidecar.MaskingBypassTest.describePortal;
import static dev.pgwarden.sidecar.MaskingBypassTest.drainUntilReady;
import static dev.pgwarden.sidecar.MaskingBypassTest.execute;
import static dev.pgwarden.sidecar.MaskingBypassTest.parse;
import static dev.pgwarden.sidecar.MaskingBypassTest.sync;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgwarden.testkit.SecretDetector;
import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
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
 * A third round of bypass attempts against masking, on MaskingBypassTest's fixture and policy
 * (the proxy is the only wall there). Besides the secrets as SecretDetector finds them, every
 * answer is also searched after undoing the disguises these attempts put on values: digits spelled
 * as letters ({@code translate(ssn, '0123456789', 'abcdefghij')}), '@' spelled '#', characters
 * spread out with spaces, a UUID without its dashes. Each attempt runs in every client mode on a
 * fresh connection and reports every mode that leaked.
 *
 * <p>96 of the 305 attempts leaked when written; all are closed since: masked values spelled as
 * names in unquoted error text (operator does not exist: ..., cross-database references: ...) and
 * two-digit words (index 12 out of valid range) passed the scrubber, as did a value the statement
 * listed in a comment; the inheritance parents and partitioned ancestors of a masked table were
 * not masked; views, functions and materialized views a DBA made over pg_stats, and the agent's own
 * view over it; a function a DBA made that FETCHes from a cursor it is given; functions that read
 * masked columns run from a table's default, generated column, index expression or trigger, and
 * the agent's DDL naming such a function; copies through CREATE TABLE AS TABLE, SELECT ... INTO
 * TEMPORARY/UNLOGGED/TABLE, EXPLAIN ANALYZE SELECT ... INTO and CREATE TABLE AS EXECUTE.
 */
@org.junit.jupiter.api.Timeout(300)
class MaskingAttackThreeTest {
    // Masked values disguised so that error scrubbing does not see them as values: no '@', no digit.
    static final String E = "translate(email, '@', '#')";
    static final String S = "translate(ssn, '0123456789', 'abcdefghij')";
    static final String CARD = "translate(card, '0123456789', 'abcdefghij')";
    static final String PHONE = "translate(phone::text, '0123456789', 'abcdefghij')";
    static final String BIRTH = "translate(birth::text, '0123456789', 'abcdefghij')";
    static final String REF = "translate(ref::text, '0123456789', 'klmnopqrst')";
    static final String ONE = " FROM bypass_t.customers WHERE id = 1";

    private int auditMark;

    @BeforeAll
    static void start() throws SQLException {
        MaskingBypassTest.start();
        MaskingBypassTest.direct(
                // A parent table a DBA put above a masked one, and a grandparent above a masked partitioned table.
                "CREATE TABLE bypass_t.people_base (id int, email text)",
                "ALTER TABLE bypass_t.customers INHERIT bypass_t.people_base",
                "ALTER TABLE bypass_t.people_base ADD CONSTRAINT people_base_id_small CHECK (id < 1000)",
                "CREATE TABLE bypass_t.gpart (id int, email text) PARTITION BY RANGE (id)",
                "ALTER TABLE bypass_t.gpart ATTACH PARTITION bypass_t.part FOR VALUES FROM (0) TO (1000)",
                "CREATE VIEW bypass_t.base_view AS SELECT id, email FROM bypass_t.people_base",
                // Statistics helpers a DBA made for the agent.
                "CREATE VIEW bypass_t.column_stats AS SELECT tablename, attname, most_common_vals::text AS mcv,"
                        + " histogram_bounds::text AS hist FROM pg_stats WHERE schemaname = 'bypass_t'",
                "CREATE FUNCTION bypass_t.stats_of(t text) RETURNS SETOF text LANGUAGE sql STABLE AS"
                        + " $$SELECT attname || ':' || coalesce(most_common_vals::text, '') || coalesce(histogram_bounds::text, '')"
                        + " FROM pg_stats WHERE tablename = t$$",
                "CREATE MATERIALIZED VIEW bypass_t.mv_stats AS SELECT attname, histogram_bounds::text AS hist,"
                        + " most_common_vals::text AS mcv FROM pg_stats WHERE schemaname = 'bypass_t'",
                // A generic cursor helper.
                "CREATE FUNCTION bypass_t.fetch_one(c refcursor) RETURNS text LANGUAGE plpgsql AS"
                        + " $$DECLARE r text; BEGIN FETCH c INTO r; RETURN r; END $$",
                "CREATE FUNCTION bypass_t.fetch_all(c refcursor) RETURNS SETOF text LANGUAGE plpgsql AS"
                        + " $$DECLARE r text; BEGIN LOOP FETCH c INTO r; EXIT WHEN NOT FOUND; RETURN NEXT r; END LOOP; END $$",
                // Functions that read masked columns, written the ways people and ORMs write SQL.
                "CREATE FUNCTION bypass_t.quoted_email(i int) RETURNS text LANGUAGE sql STABLE AS"
                        + " $$SELECT \"email\" FROM \"bypass_t\".\"customers\" WHERE \"id\" = i$$",
                "CREATE FUNCTION bypass_t.upper_email(i int) RETURNS text LANGUAGE sql STABLE AS"
                        + " $$SELECT EMAIL FROM BYPASS_T.CUSTOMERS WHERE ID = i$$",
                "CREATE FUNCTION bypass_t.uesc_email(i int) RETURNS text LANGUAGE sql STABLE AS"
                        + " $$SELECT email FROM bypass_t.U&\"\\0063ustomers\" WHERE id = i$$",
                "CREATE FUNCTION bypass_t.comment_email(i int) RETURNS text LANGUAGE sql STABLE AS"
                        + " $$SELECT email FROM bypass_t/**/./**/customers WHERE id = i$$",
                "CREATE FUNCTION bypass_t.base_email(i int) RETURNS text LANGUAGE sql STABLE AS"
                        + " $$SELECT email FROM bypass_t.people_base WHERE id = i$$",
                "CREATE FUNCTION bypass_t.email_imm(i int) RETURNS text LANGUAGE sql IMMUTABLE AS"
                        + " $$SELECT email FROM bypass_t.customers WHERE id = i$$",
                "CREATE FUNCTION bypass_t.pick(acc text, i int) RETURNS text LANGUAGE sql AS"
                        + " $$SELECT email FROM bypass_t.customers WHERE id = i$$",
                // Functions called without being named: defaults, generated columns, index expressions, triggers.
                "CREATE TABLE bypass_t.dflt (id int, v text DEFAULT bypass_t.email_of(1))",
                "CREATE TABLE bypass_t.gen (id int, e text GENERATED ALWAYS AS (bypass_t.email_imm(id)) STORED)",
                "CREATE TABLE bypass_t.uniq (id int)",
                "CREATE UNIQUE INDEX uniq_email ON bypass_t.uniq (bypass_t.email_imm(id))",
                "INSERT INTO bypass_t.uniq VALUES (1)",
                "CREATE FUNCTION bypass_t.copy_email() RETURNS trigger LANGUAGE plpgsql AS"
                        + " $$BEGIN NEW.body := (SELECT email FROM bypass_t.customers WHERE id = NEW.id); RETURN NEW; END $$",
                "CREATE TABLE bypass_t.tnotes (id int, body text)",
                "CREATE TRIGGER tnotes_fill BEFORE INSERT ON bypass_t.tnotes FOR EACH ROW EXECUTE FUNCTION bypass_t.copy_email()",
                "CREATE FUNCTION bypass_t.check_ssn() RETURNS trigger LANGUAGE plpgsql AS"
                        + " $$BEGIN RAISE EXCEPTION 'customer % has ssn %', NEW.id,"
                        + " (SELECT ssn FROM bypass_t.customers WHERE id = NEW.id); END $$",
                "CREATE TABLE bypass_t.tcheck (id int)",
                "CREATE TRIGGER tcheck_raise BEFORE INSERT ON bypass_t.tcheck FOR EACH ROW EXECUTE FUNCTION bypass_t.check_ssn()",
                "CREATE FUNCTION bypass_t.note_email() RETURNS trigger LANGUAGE plpgsql AS"
                        + " $$BEGIN RAISE NOTICE 'customer email %', (SELECT email FROM bypass_t.customers WHERE id = NEW.id);"
                        + " RETURN NEW; END $$",
                "CREATE TABLE bypass_t.tnotice (id int)",
                "CREATE TRIGGER tnotice_say BEFORE INSERT ON bypass_t.tnotice FOR EACH ROW EXECUTE FUNCTION bypass_t.note_email()",
                // A DBA's materialized view and views over masked columns.
                "CREATE MATERIALIZED VIEW bypass_t.mv_dba AS SELECT id, email, upper(ssn) AS tax FROM bypass_t.customers",
                "CREATE VIEW bypass_t.secinv WITH (security_invoker = true) AS SELECT id, email, ssn FROM bypass_t.customers",
                "CREATE VIEW bypass_t.secbar WITH (security_barrier) AS SELECT id, card, phone FROM bypass_t.customers",
                "ANALYZE bypass_t.customers",
                "ANALYZE bypass_t.people_base");
        // The proxy read its catalog before these objects existed: DDL through it makes it read again,
        // as it would have found them in a deployment where the DBA made them long before.
        try (Connection c = MaskingBypassTest.connect(ClientMode.SIMPLE)) {
            MaskingBypassTest.probe(c, "CREATE TEMP TABLE attack3_warmup (x int)");
            MaskingBypassTest.probe(
                    c, "SELECT 1 FROM bypass_t.people_base, bypass_t.gpart, bypass_t.column_stats LIMIT 0");
        }
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
    void auditOfThisTestHoldsNoSecretAndTheFixtureIsRestored() throws SQLException {
        String audit = MaskingBypassTest.f.auditText();
        String mine = audit.substring(Math.min(auditMark, audit.length()));
        Optional<String> leak = leak(mine);
        MaskingBypassTest.direct(
                "UPDATE bypass_t.customers SET name = CASE id WHEN 1 THEN 'Alice' WHEN 2 THEN 'Bob' ELSE 'Carol' END"
                        + " WHERE id IN (1, 2, 3) AND name IS DISTINCT FROM CASE id WHEN 1 THEN 'Alice' WHEN 2 THEN 'Bob' ELSE 'Carol' END",
                "DELETE FROM ONLY bypass_t.customers WHERE id > 3",
                "DELETE FROM bypass_t.notes WHERE id <> 1",
                "UPDATE bypass_t.notes SET body = 'plain note' WHERE id = 1 AND body IS DISTINCT FROM 'plain note'",
                "DELETE FROM bypass_t.tnotes",
                "DELETE FROM bypass_t.dflt",
                "DELETE FROM bypass_t.gen");
        assertTrue(leak.isEmpty(), "audit: " + leak.orElse(""));
    }

    // ---------------------------------------------------------------- detection

    /** Maps ten consecutive letters from {@code first} back to the digits they stand for. */
    static String undigit(String s, char first) {
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            char lower = Character.toLowerCase(ch);
            b.append(lower >= first && lower < first + 10 ? (char) ('0' + (lower - first)) : ch);
        }
        return b.toString();
    }

    /** The secrets in what the agent got, disguised or not. */
    static Optional<String> leak(String out) {
        List<String> forms = List.of(
                out,
                undigit(out, 'a'),
                undigit(out, 'k'),
                out.replace('#', '@'),
                out.replaceAll("\\s+", ""),
                out.replace("-", ""));
        for (String form : forms) {
            Optional<SecretDetector.Form> f = MaskingBypassTest.DETECTOR.find(form);
            if (f.isPresent()) {
                return Optional.of("leaked " + f.get().secret() + " (" + f.get().how() + ") in: " + out);
            }
            if (form.toLowerCase().contains("a0eebc999c0b4ef8bb6d6bb9bd380a11")) {
                return Optional.of("leaked the ref UUID in: " + out);
            }
        }
        return Optional.empty();
    }

    static void check(List<String> leaks, String where, String out) {
        leak(out).ifPresent(l -> leaks.add("LEAK " + where + " :: " + l.replace('\n', ' ')));
    }

    /** MaskingBypassTest.probe, and a driver that lost its footing (a protocol state pgjdbc rejects) is an answer too. */
    static String probe(Connection c, String sql) {
        try {
            return MaskingBypassTest.probe(c, sql);
        } catch (RuntimeException e) {
            MaskingBypassTest.log("[attack3] driver failed on " + sql + ": " + e);
            return "driver failure: " + e;
        }
    }

    /** Runs the statements in order on one fresh connection per mode; fails naming every mode that leaked. */
    static void attack(String... statements) throws SQLException {
        List<String> leaks = new ArrayList<>();
        for (ClientMode mode : ClientMode.values()) {
            try (Connection c = MaskingBypassTest.connect(mode)) {
                for (String sql : statements) {
                    check(leaks, mode + " " + sql, probe(c, sql));
                }
            }
        }
        assertTrue(leaks.isEmpty(), String.join("\n", leaks));
    }

    /** As {@link #attack}, and every statement must be refused by pgwarden. */
    static void refused(String... statements) throws SQLException {
        List<String> leaks = new ArrayList<>();
        for (ClientMode mode : ClientMode.values()) {
            try (Connection c = MaskingBypassTest.connect(mode)) {
                for (String sql : statements) {
                    String out = probe(c, sql);
                    check(leaks, mode + " " + sql, out);
                    if (!out.contains("error 42501: ERROR: pgwarden:")) {
                        leaks.add("NOT REFUSED " + mode + " " + sql + " :: " + out.replace('\n', ' '));
                    }
                }
            }
        }
        assertTrue(leaks.isEmpty(), String.join("\n", leaks));
    }

    static void attackCopy(String... statements) throws SQLException {
        List<String> leaks = new ArrayList<>();
        try (Connection c = MaskingBypassTest.connect(ClientMode.EXTENDED_TEXT)) {
            CopyManager copy = new CopyManager(c.unwrap(BaseConnection.class));
            for (String sql : statements) {
                StringWriter out = new StringWriter();
                String err = "";
                if (sql.startsWith("COPY")) {
                    try {
                        copy.copyOut(sql, out);
                    } catch (SQLException e) {
                        err = MaskingBypassTest.error(e);
                    } catch (java.io.IOException e) {
                        err = e.toString();
                    }
                } else {
                    err = MaskingBypassTest.probe(c, sql);
                }
                MaskingBypassTest.log("[attack3] " + sql + " -> " + out + " " + err);
                check(leaks, "copy " + sql, out + "\n" + err);
            }
        }
        assertTrue(leaks.isEmpty(), String.join("\n", leaks));
    }

    static void dropAll(String... objects) throws SQLException {
        for (String o : objects) {
            MaskingBypassTest.direct("DROP " + o + " CASCADE");
        }
    }

    // ---------------------------------------------------------------- errors that print names bare

    /**
     * PostgreSQL prints a name it could not resolve without quotes in some messages ({@code operator
     * does not exist: x(int,int)}, {@code cross-database references are not implemented: a.b.c},
     * {@code improper qualified name (too many dotted names): ...}): a masked value spelled as a name
     * is neither quoted nor, once '@' and digits are disguised, taken for a value.
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT (" + S + " || '(int,int)')::regoperator" + ONE,
                "SELECT (" + E + " || '(int,int)')::regoperator" + ONE,
                "SELECT ('a.b.' || " + S + ")::regproc" + ONE,
                "SELECT (" + E + ")::regproc" + ONE,
                "SELECT ('a.b.' || " + S + ")::regconfig" + ONE,
                "SELECT (" + E + ")::regconfig" + ONE,
                "SELECT ('a.b.' || " + S + ")::regdictionary" + ONE,
                "SELECT (" + E + ")::regcollation" + ONE,
                "SELECT ('a.b.' || " + S + " || '()')::regprocedure" + ONE,
                "SELECT (" + E + " || '()')::regprocedure" + ONE,
                "SELECT ('a.b.c.' || " + S + ")::regclass" + ONE,
                "SELECT replace(email, '@', '.')::regclass" + ONE,
                "SELECT to_regclass('a.b.c.' || " + S + ")" + ONE,
                "SELECT to_regclass(replace(email, '@', '.'))" + ONE,
                "SELECT to_regproc('a.b.' || " + S + ")" + ONE,
                "SELECT to_regproc(" + E + ")" + ONE,
                "SELECT ('a.b.c.' || " + S + " || '(int,int)')::regoperator" + ONE,
                "SELECT to_regprocedure('a.b.' || " + S + " || '(int)')" + ONE,
                "SELECT to_regoperator(" + E + " || '(int,int)')" + ONE,
                "SELECT has_function_privilege('a.b.' || " + S + " || '()', 'execute')" + ONE,
                "SELECT has_function_privilege(" + E + " || '()', 'execute')" + ONE,
                "SELECT (" + CARD + " || '(int,int)')::regoperator" + ONE,
                "SELECT (" + PHONE + " || '(int,int)')::regoperator" + ONE,
                "SELECT ('a.b.' || " + REF + ")::regproc" + ONE,
                "SELECT (" + BIRTH + " || '(int,int)')::regoperator" + ONE,
                "SELECT CAST(" + S + " || '(int,int)' AS regoperator)" + ONE,
                "SELECT regoperator(" + S + " || '(int,int)')" + ONE,
                "SELECT id FROM bypass_t.customers WHERE (" + S + " || '(int,int)')::regoperator IS NOT NULL",
                "SELECT id FROM bypass_t.customers ORDER BY ('a.b.' || " + S + ")::regproc",
                "SELECT CASE WHEN id = 1 THEN (" + E + " || '()')::regprocedure END FROM bypass_t.customers",
                "WITH x AS (SELECT " + S + " AS s" + ONE + ") SELECT (s || '(int,int)')::regoperator FROM x",
                "SELECT ((SELECT " + E + ONE + ") || '()')::regprocedure",
                "SELECT (translate(tax, '0123456789', 'abcdefghij') || '(int,int)')::regoperator FROM bypass_t.contacts WHERE id = 1",
                "SELECT (" + E + ")::regproc FROM bypass_t.kids",
                "SELECT (" + E + ")::regproc FROM bypass_t.part",
                "SELECT count(*) FROM bypass_t.customers GROUP BY id HAVING max((" + S
                        + " || '(int,int)')::regoperator::text) IS NOT NULL",
                "SELECT rank() OVER (ORDER BY ('a.b.' || " + S + ")::regproc) FROM bypass_t.customers",
                "SELECT r FROM bypass_t.customers c, LATERAL (SELECT translate(c.email, '@', '#')::regproc) l(r)",
                "SELECT ('a.b.c.' || string_agg(" + S + ", '.') || '(int,int)')::regoperator FROM bypass_t.customers",
                "SELECT (jsonb_build_object('e', " + E + ") ->> 'e')::regproc" + ONE,
                "SELECT ((array_agg(" + E + "))[1])::regproc" + ONE,
                "UPDATE bypass_t.customers SET name = name WHERE id = 1 RETURNING (" + E + ")::regproc",
                "DELETE FROM bypass_t.customers WHERE id = 1 AND (" + E + ")::regproc IS NULL",
                "UPDATE bypass_t.notes SET body = body WHERE id = (SELECT (" + E + ")::regproc::oid::int" + ONE + ")",
                "EXPLAIN ANALYZE SELECT (" + E + ")::regproc FROM bypass_t.customers",
                "SELECT (" + E + ")::regproc FROM bypass_t.secinv WHERE id = 1",
            })
    void namesPrintedBare(String sql) throws SQLException {
        attack(sql);
    }

    /** The same carriers where PostgreSQL quotes the name, or fails before printing it: these hold. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT has_sequence_privilege('a.b.' || " + S + ", 'usage')" + ONE,
                "SELECT has_sequence_privilege(" + E + ", 'usage')" + ONE,
                "SELECT ('abs(a.b.' || " + S + " || ')')::regprocedure" + ONE,
                "SELECT current_setting('bypass.' || " + S + ")" + ONE,
            })
    void namesPrintedQuoted(String sql) throws SQLException {
        attack(sql);
    }

    @Test
    void bareNamesThroughPreparedStatementsAndCursors() throws SQLException {
        attack(
                "PREPARE bn1 AS SELECT (" + S + " || '(int,int)')::regoperator" + ONE,
                "EXECUTE bn1",
                "DECLARE bn2 CURSOR WITH HOLD FOR SELECT ('a.b.' || " + S + ")::regproc FROM bypass_t.customers",
                "FETCH ALL FROM bn2",
                "CLOSE bn2");
    }

    /**
     * Numbers of one or two digits pass the scrubber ("a word holding a digit, three characters or
     * more"): a value read two digits per error, with {@code get_byte} of an empty bytea.
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "replace(ssn, '-', '')|9",
                "card|16",
                "phone::text|11",
                "replace(birth::text, '-', '')|8",
            })
    void twoDigitsPerError(String spec) throws SQLException {
        String expr = spec.substring(0, spec.indexOf('|'));
        int length = Integer.parseInt(spec.substring(spec.indexOf('|') + 1));
        Pattern index = Pattern.compile("index (\\d+) out of valid range");
        List<String> leaks = new ArrayList<>();
        for (ClientMode mode : ClientMode.values()) {
            try (Connection c = MaskingBypassTest.connect(mode)) {
                StringBuilder assembled = new StringBuilder();
                for (int k = 1; k <= length; k += 2) {
                    int width = Math.min(2, length - k + 1);
                    String sql =
                            "SELECT get_byte(''::bytea, substr(" + expr + ", " + k + ", " + width + ")::int)" + ONE;
                    String out = probe(c, sql);
                    check(leaks, mode + " " + sql, out);
                    Matcher m = index.matcher(out);
                    if (m.find()) {
                        String digits = m.group(1);
                        assembled
                                .append("0".repeat(Math.max(0, width - digits.length())))
                                .append(digits);
                    }
                }
                MaskingBypassTest.log("[attack3] assembled " + expr + " -> " + assembled);
                check(leaks, mode + " " + expr + " assembled from errors", assembled.toString());
            }
        }
        assertTrue(leaks.isEmpty(), String.join("\n", leaks));
    }

    /** A word the statement itself holds is kept: a comment listing every possible answer. */
    @Test
    void aDictionaryInACommentKeepsBareValues() throws SQLException {
        String dictionary = IntStream.range(0, 100)
                .mapToObj(i -> String.format("2000-13-%02d", i))
                .collect(Collectors.joining(" "));
        Pattern range = Pattern.compile("out of range: 2000-13-(\\d\\d)");
        List<String> leaks = new ArrayList<>();
        for (ClientMode mode : ClientMode.values()) {
            try (Connection c = MaskingBypassTest.connect(mode)) {
                StringBuilder assembled = new StringBuilder();
                for (int k = 1; k <= 9; k += 2) {
                    String sql = "SELECT make_date(2000, 13, substr(replace(ssn, '-', ''), " + k + ", 2)::int)" + ONE
                            + " /* " + dictionary + " */";
                    String out = probe(c, sql);
                    check(leaks, mode + " make_date " + k, out);
                    Matcher m = range.matcher(out);
                    if (m.find()) {
                        assembled.append(k == 9 ? m.group(1).substring(1) : m.group(1));
                    }
                }
                MaskingBypassTest.log("[attack3] assembled from make_date -> " + assembled);
                check(leaks, mode + " ssn assembled from make_date errors", assembled.toString());
            }
        }
        assertTrue(leaks.isEmpty(), String.join("\n", leaks));
    }

    // ---------------------------------------------------------------- objects a DBA made

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT email FROM bypass_t.people_base",
                "SELECT upper(email) FROM bypass_t.people_base",
                "SELECT * FROM bypass_t.people_base WHERE id = 1",
                "SELECT email::int FROM bypass_t.people_base WHERE id = 1",
                "SELECT to_jsonb(p)::text FROM bypass_t.people_base p",
                "SELECT * FROM bypass_t.base_view",
                "SELECT bypass_t.base_email(1)",
                "SELECT email FROM bypass_t.gpart",
                "SELECT upper(email) FROM bypass_t.gpart",
            })
    void parentsOfMaskedTables(String sql) throws SQLException {
        attack(sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT * FROM bypass_t.column_stats",
                "SELECT * FROM bypass_t.stats_of('customers')",
                "SELECT bypass_t.stats_of('customers')",
                "SELECT * FROM bypass_t.mv_stats",
            })
    void statisticsThroughDbaObjects(String sql) throws SQLException {
        attack(sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                // A DBA's materialized view and views over masked columns.
                "SELECT * FROM bypass_t.mv_dba",
                "SELECT email || '', tax || '' FROM bypass_t.mv_dba",
                "SELECT * FROM bypass_t.secinv",
                "SELECT upper(ssn) FROM bypass_t.secinv",
                "SELECT card, phone, card || '', phone + 0 FROM bypass_t.secbar",
                // Functions reading masked columns, spelled otherwise.
                "SELECT bypass_t.quoted_email(1)",
                "SELECT bypass_t.upper_email(1)",
                "SELECT bypass_t.uesc_email(1)",
                "SELECT bypass_t.comment_email(1)",
                "SELECT * FROM bypass_t.quoted_email(2)",
                "SELECT bypass_t.email_imm(1)",
                "SELECT \"email_imm\"(1) FROM bypass_t.notes",
                "SELECT bypass_t.\"upper_email\"(2)",
            })
    void dbaObjects(String sql) throws SQLException {
        attack(sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "INSERT INTO bypass_t.dflt (id) VALUES (1) RETURNING v",
                "INSERT INTO bypass_t.dflt (id) VALUES (1); SELECT v FROM bypass_t.dflt",
                "INSERT INTO bypass_t.gen (id) VALUES (1) RETURNING e",
                "INSERT INTO bypass_t.uniq VALUES (1)",
                "INSERT INTO bypass_t.tnotes (id) VALUES (1) RETURNING body",
                "INSERT INTO bypass_t.tnotes (id) VALUES (2); SELECT body FROM bypass_t.tnotes",
                "INSERT INTO bypass_t.tcheck VALUES (1)",
                "INSERT INTO bypass_t.tnotice VALUES (1)",
            })
    void codeThatRunsWithoutBeingNamed(String sql) throws SQLException {
        attack(sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "UPDATE bypass_t.people_base SET id = id + 1000 WHERE id = 1",
                "UPDATE bypass_t.people_base SET email = email WHERE id = 1 RETURNING email",
            })
    void writesThroughAParent(String sql) throws SQLException {
        attack(sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "UPDATE bypass_t.customers SET id = id + 1000 WHERE id = 1",
                "UPDATE bypass_t.kids SET id = id + 1000",
                "DELETE FROM bypass_t.people_base WHERE id = -1 RETURNING email",
            })
    void constraintErrorsOnMaskedTables(String sql) throws SQLException {
        attack(sql);
    }

    @Test
    void aCursorReadByAGenericFunction() throws SQLException {
        attack(
                "DECLARE fc1 CURSOR WITH HOLD FOR SELECT email, ssn FROM bypass_t.customers ORDER BY id",
                "SELECT bypass_t.fetch_one('fc1')",
                "SELECT * FROM bypass_t.fetch_all('fc1')",
                "CLOSE fc1");
    }

    @Test
    void aCursorReadByAGenericFunctionInsideAWrite() throws SQLException {
        attack(
                "DECLARE fc2 CURSOR WITH HOLD FOR SELECT ssn FROM bypass_t.customers ORDER BY id",
                "INSERT INTO bypass_t.notes VALUES (7100, bypass_t.fetch_one('fc2'))",
                "SELECT body FROM bypass_t.notes WHERE id = 7100",
                "CLOSE fc2");
    }

    @Test
    void copyOfDbaObjects() throws SQLException {
        attackCopy(
                "COPY bypass_t.people_base TO STDOUT",
                "COPY bypass_t.gpart TO STDOUT",
                "COPY bypass_t.mv_dba TO STDOUT",
                "COPY bypass_t.secinv TO STDOUT");
    }

    @Test
    void copyOfDbaObjectsThatLeak() throws SQLException {
        attackCopy(
                "COPY (SELECT * FROM bypass_t.column_stats) TO STDOUT",
                "COPY (SELECT * FROM bypass_t.base_view) TO STDOUT",
                "COPY (SELECT * FROM bypass_t.stats_of('customers')) TO STDOUT",
                "DECLARE cc1 CURSOR WITH HOLD FOR SELECT email FROM bypass_t.customers",
                "COPY (SELECT bypass_t.fetch_one('cc1')) TO STDOUT",
                "CLOSE cc1");
    }

    @Test
    void operatorOverAFunctionThatReadsMaskedColumns() throws SQLException {
        try {
            attack(
                    "CREATE OPERATOR bypass_t.#&# (RIGHTARG = int, FUNCTION = bypass_t.email_of)",
                    "SELECT OPERATOR(bypass_t.#&#) 1",
                    "SELECT OPERATOR(bypass_t.#&#) id FROM bypass_t.notes");
        } finally {
            MaskingBypassTest.direct("DROP OPERATOR IF EXISTS bypass_t.#&# (NONE, int)");
        }
    }

    @Test
    void operatorOverAFunctionThatRaisesNotices() throws SQLException {
        try {
            attack(
                    "CREATE OPERATOR bypass_t.!#! (RIGHTARG = text, FUNCTION = bypass_t.shout)",
                    "SELECT OPERATOR(bypass_t.!#!) replace(email, '@', ' ')" + ONE);
        } finally {
            MaskingBypassTest.direct("DROP OPERATOR IF EXISTS bypass_t.!#! (NONE, text)");
        }
    }

    @Test
    void aggregateOverAFunctionThatReadsMaskedColumns() throws SQLException {
        try {
            attack(
                    "CREATE AGGREGATE bypass_t.agent_pick(int) (SFUNC = bypass_t.pick, STYPE = text)",
                    "SELECT bypass_t.agent_pick(id) FROM bypass_t.notes");
        } finally {
            MaskingBypassTest.direct("DROP AGGREGATE IF EXISTS bypass_t.agent_pick(int)");
        }
    }

    @Test
    void triggerOverADbaTriggerFunction() throws SQLException {
        try {
            attack(
                    "CREATE TRIGGER agent_fill BEFORE INSERT ON bypass_t.notes FOR EACH ROW EXECUTE FUNCTION bypass_t.copy_email()",
                    "INSERT INTO bypass_t.notes (id, body) VALUES (1, 'x') ON CONFLICT DO NOTHING",
                    "INSERT INTO bypass_t.notes (id, body) VALUES (2, 'x') RETURNING body");
        } finally {
            MaskingBypassTest.direct("DROP TRIGGER IF EXISTS agent_fill ON bypass_t.notes");
        }
    }

    @Test
    void defaultsAndGeneratedColumnsTheAgentAdds() throws SQLException {
        try {
            attack(
                    "CREATE TABLE bypass_t.agent_dflt (id int, v text DEFAULT bypass_t.email_of(1))",
                    "INSERT INTO bypass_t.agent_dflt (id) VALUES (1) RETURNING v",
                    "CREATE TABLE bypass_t.agent_gen (id int, e text GENERATED ALWAYS AS (bypass_t.email_imm(id)) STORED)",
                    "INSERT INTO bypass_t.agent_gen (id) VALUES (1) RETURNING e",
                    "ALTER TABLE bypass_t.notes ADD COLUMN agent_v text DEFAULT bypass_t.email_of(1)",
                    "SELECT * FROM bypass_t.notes");
        } finally {
            dropAll("TABLE IF EXISTS bypass_t.agent_dflt", "TABLE IF EXISTS bypass_t.agent_gen");
            MaskingBypassTest.direct("ALTER TABLE bypass_t.notes DROP COLUMN IF EXISTS agent_v");
        }
    }

    @Test
    void aUniqueIndexTheAgentAddsOverAFunction() throws SQLException {
        try {
            attack(
                    "CREATE TABLE bypass_t.agent_uniq (id int)",
                    "INSERT INTO bypass_t.agent_uniq VALUES (1), (1)",
                    "CREATE UNIQUE INDEX agent_uniq_idx ON bypass_t.agent_uniq (bypass_t.email_imm(id))");
        } finally {
            dropAll("TABLE IF EXISTS bypass_t.agent_uniq");
        }
    }

    @Test
    void aViewTheAgentMakesOverAParent() throws SQLException {
        try {
            attack(
                    "CREATE VIEW bypass_t.agent_over_base AS SELECT id, email FROM bypass_t.people_base",
                    "SELECT * FROM bypass_t.agent_over_base");
        } finally {
            dropAll("VIEW IF EXISTS bypass_t.agent_over_base");
        }
    }

    @Test
    void viewsTheAgentMakesOverStatistics() throws SQLException {
        try {
            attack(
                    "CREATE VIEW bypass_t.agent_stats AS SELECT schemaname, histogram_bounds::text AS h,"
                            + " most_common_vals::text AS m FROM pg_stats",
                    "SELECT h, m FROM bypass_t.agent_stats WHERE schemaname = 'bypass_t'",
                    "CREATE VIEW bypass_t.agent_stats2 AS SELECT schemaname, histogram_bounds::text AS h"
                            + " FROM pg_catalog.\"pg_stats\"",
                    "SELECT h FROM bypass_t.agent_stats2 WHERE schemaname = 'bypass_t'");
        } finally {
            dropAll("VIEW IF EXISTS bypass_t.agent_stats", "VIEW IF EXISTS bypass_t.agent_stats2");
        }
    }

    @Test
    void aMaterializedViewTheAgentMakesOverStatistics() throws SQLException {
        try {
            attack(
                    "CREATE MATERIALIZED VIEW bypass_t.agent_stats3 AS SELECT schemaname, histogram_bounds::text AS h"
                            + " FROM pg_stats",
                    "SELECT h FROM bypass_t.agent_stats3 WHERE schemaname = 'bypass_t'");
        } finally {
            dropAll("MATERIALIZED VIEW IF EXISTS bypass_t.agent_stats3");
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT histogram_bounds::text FROM \"pg_stats\" WHERE schemaname = 'bypass_t'",
                "SELECT histogram_bounds::text FROM PG_CATALOG.PG_STATS WHERE schemaname = 'bypass_t'",
                "SELECT histogram_bounds::text FROM U&\"pg\\005fstats\" WHERE schemaname = 'bypass_t'",
                "SELECT histogram_bounds::text FROM pg_catalog . pg_stats WHERE schemaname = 'bypass_t'",
                "SELECT histogram_bounds::text FROM pg_catalog./**/pg_stats WHERE schemaname = 'bypass_t'",
                "SELECT s.histogram_bounds::text FROM pg_stats AS s WHERE s.schemaname = 'bypass_t'",
                "TABLE pg_stats",
                "SELECT most_common_vals::text FROM pg_stats_ext_exprs",
                "SELECT (SELECT string_agg(histogram_bounds::text, ',') FROM pg_stats WHERE schemaname = 'bypass_t')",
                "WITH s AS (SELECT * FROM pg_stats) SELECT histogram_bounds::text FROM s WHERE schemaname = 'bypass_t'",
            })
    void statisticsByOtherNames(String sql) throws SQLException {
        attack(sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "UPDATE bypass_t.customers SET name = email WHERE id = 1; SELECT name FROM bypass_t.customers WHERE id = 1",
                "UPDATE bypass_t.customers SET (name) = ROW(reverse(ssn)) WHERE id = 1; SELECT name FROM bypass_t.customers",
                "UPDATE bypass_t.customers c SET name = d.email FROM bypass_t.customers d WHERE c.id = d.id;"
                        + " SELECT name FROM bypass_t.customers",
                "UPDATE bypass_t.customers SET name = name || ssn WHERE id = 1 RETURNING name",
                "UPDATE bypass_t.customers SET name = " + E + " WHERE id = 1 RETURNING name",
                "MERGE INTO bypass_t.customers c USING bypass_t.customers d ON c.id = d.id WHEN MATCHED THEN UPDATE SET name = d.email",
                "INSERT INTO bypass_t.customers (id, name) SELECT id + 100, email FROM bypass_t.customers WHERE id = 1 RETURNING name",
                "INSERT INTO bypass_t.notes (id, body) SELECT id + 7000, " + E + " FROM bypass_t.customers",
                "WITH s AS (SELECT ssn FROM bypass_t.customers) INSERT INTO bypass_t.notes SELECT 7001, ssn FROM s",
                "INSERT INTO bypass_t.notes VALUES (7002, (SELECT string_agg(email, ',') FROM bypass_t.customers))",
                "UPDATE bypass_t.notes n SET body = (SELECT c.card FROM bypass_t.customers c WHERE c.id = n.id)",
                "INSERT INTO bypass_t.notes SELECT * FROM (SELECT 7003, ssn FROM bypass_t.customers WHERE id = 1) s",
                "INSERT INTO bypass_t.notes (id, body) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET body ="
                        + " (SELECT phone::text FROM bypass_t.customers WHERE id = 1)",
                "UPDATE bypass_t.notes SET body = body WHERE id = 1 RETURNING (SELECT email FROM bypass_t.customers WHERE id = 1)",
                "INSERT INTO bypass_t.notes VALUES (7005, 'x') RETURNING (SELECT upper(email) FROM bypass_t.customers WHERE id = 1)",
                "EXPLAIN ANALYZE INSERT INTO bypass_t.notes SELECT 7006, email FROM bypass_t.customers WHERE id = 1",
                "EXPLAIN ANALYZE UPDATE bypass_t.customers SET name = email WHERE id = 1",
                "EXPLAIN (ANALYZE, COSTS OFF) WITH s AS (SELECT ssn FROM bypass_t.customers)"
                        + " INSERT INTO bypass_t.notes SELECT 7007, ssn FROM s",
                "INSERT INTO bypass_t.notes SELECT 7008, bypass_t.fetch_one('nonexistent_cursor')",
            })
    void copiesIntoTables(String sql) throws SQLException {
        attack(sql, "SELECT id, body FROM bypass_t.notes", "SELECT id, name FROM bypass_t.customers");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "UPDATE bypass_t.notes SET body = (SELECT email FROM bypass_t.people_base WHERE id = 1) WHERE id = 1",
                "INSERT INTO bypass_t.notes SELECT id + 7010, email FROM bypass_t.gpart",
            })
    void copiesFromParentsIntoTables(String sql) throws SQLException {
        attack(sql, "SELECT id, body FROM bypass_t.notes", "SELECT id, name FROM bypass_t.customers");
    }

    @Test
    void copyOfStatisticsIntoATable() throws SQLException {
        attack(
                "INSERT INTO bypass_t.notes SELECT 7020, hist FROM bypass_t.column_stats WHERE attname = 'email' LIMIT 1",
                "SELECT id, body FROM bypass_t.notes");
    }

    @Test
    void tablesMadeFromMaskedColumns() throws SQLException {
        attack(
                "CREATE TEMP TABLE agent_like (LIKE bypass_t.customers)",
                "INSERT INTO agent_like TABLE bypass_t.customers",
                "INSERT INTO agent_like SELECT * FROM bypass_t.customers",
                "INSERT INTO agent_like (id, email) OVERRIDING USER VALUE SELECT id, email FROM bypass_t.customers",
                "SELECT * FROM agent_like",
                "EXPLAIN ANALYZE CREATE TEMP TABLE agent_ct AS SELECT email, ssn FROM bypass_t.customers",
                "SELECT * FROM agent_ct",
                "CREATE TEMP TABLE agent_ct4 AS WITH w AS (SELECT email FROM bypass_t.customers) SELECT * FROM w",
                "SELECT pg_sleep(1.5)",
                "SELECT * FROM agent_ct4");
    }

    @Test
    void createTableAsTable() throws SQLException {
        attack("CREATE TEMP TABLE agent_tab AS TABLE bypass_t.customers", "SELECT * FROM agent_tab");
    }

    @Test
    void tablesMadeFromAParent() throws SQLException {
        attack(
                "CREATE TEMP TABLE agent_like2 (LIKE bypass_t.customers)",
                "INSERT INTO agent_like2 (id, email) SELECT id, email FROM bypass_t.people_base",
                "SELECT * FROM agent_like2",
                "CREATE TEMP TABLE agent_base AS SELECT * FROM bypass_t.people_base",
                "SELECT * FROM agent_base");
    }

    /** A table the statement creates is masked whole until the catalog is read again: read it again later. */
    @Test
    void selectIntoReadAgainAfterTheCatalogCaughtUp() throws SQLException {
        attack(
                "SELECT * INTO TEMP agent_into2 FROM bypass_t.customers",
                "SELECT * FROM agent_into2",
                "SELECT pg_sleep(1.5)",
                "SELECT * FROM agent_into2",
                "SELECT email, ssn FROM agent_into2");
    }

    @Test
    void explainAnalyzeSelectIntoReadAgainAfterTheCatalogCaughtUp() throws SQLException {
        attack(
                "EXPLAIN ANALYZE SELECT email, ssn INTO TEMP agent_ct3 FROM bypass_t.customers",
                "SELECT * FROM agent_ct3",
                "SELECT pg_sleep(1.5)",
                "SELECT * FROM agent_ct3",
                "SELECT email, ssn FROM agent_ct3");
    }

    @Test
    void selectIntoOfNamedColumnsReadAgain() throws SQLException {
        attack(
                "SELECT email, ssn INTO TEMP agent_into3 FROM bypass_t.customers",
                "SELECT * FROM agent_into3",
                "SELECT pg_sleep(1.5)",
                "SELECT * FROM agent_into3");
    }

    /** The same copy without TEMP (refused), and with TEMPORARY, UNLOGGED or TABLE spelled out. */
    @Test
    void selectIntoAPlainTable() throws SQLException {
        selectIntoAndReadBack("SELECT email, ssn INTO bypass_t.agent_into4 FROM bypass_t.customers");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT email, ssn INTO TEMPORARY agent_into5 FROM bypass_t.customers",
                "SELECT email, ssn INTO UNLOGGED bypass_t.agent_into6 FROM bypass_t.customers",
                "SELECT email, ssn INTO TABLE bypass_t.agent_into7 FROM bypass_t.customers",
            })
    void selectIntoWithAKeyword(String sql) throws SQLException {
        selectIntoAndReadBack(sql);
    }

    static void selectIntoAndReadBack(String sql) throws SQLException {
        String table = sql.substring(sql.indexOf("agent_into"), sql.indexOf(" FROM"));
        String qualified = sql.contains("bypass_t." + table) ? "bypass_t." + table : table;
        try {
            attack(sql, "SELECT * FROM " + qualified, "SELECT pg_sleep(1.5)", "SELECT * FROM " + qualified);
        } finally {
            dropAll("TABLE IF EXISTS bypass_t." + table);
        }
    }

    @Test
    void aMaterializedViewCreatedEmptyThenRefreshed() throws SQLException {
        try {
            attack(
                    "CREATE MATERIALIZED VIEW bypass_t.agent_mv AS SELECT id, email, ssn FROM bypass_t.customers WITH NO DATA",
                    "REFRESH MATERIALIZED VIEW bypass_t.agent_mv",
                    "SELECT email || '', ssn || '' FROM bypass_t.agent_mv",
                    "SELECT * FROM bypass_t.agent_mv");
        } finally {
            dropAll("MATERIALIZED VIEW IF EXISTS bypass_t.agent_mv");
        }
    }

    @Test
    void aTableCopiedFromAViewTheAgentMade() throws SQLException {
        try {
            attack(
                    "CREATE VIEW bypass_t.agent_v AS SELECT id, ssn AS s, email AS e FROM bypass_t.customers",
                    "SELECT s || '', upper(e) FROM bypass_t.agent_v",
                    "CREATE TEMP TABLE agent_v_copy AS SELECT * FROM bypass_t.agent_v",
                    "SELECT * FROM agent_v_copy",
                    "INSERT INTO bypass_t.notes SELECT id + 7200, s FROM bypass_t.agent_v",
                    "SELECT body FROM bypass_t.notes");
        } finally {
            dropAll("VIEW IF EXISTS bypass_t.agent_v");
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT database_to_xml(true, false, '')::text",
                "SELECT query_to_xml_and_xmlschema('SELECT email FROM bypass_t.customers', true, false, '')::text",
                "SELECT table_to_xml_and_xmlschema('bypass_t.people_base', true, false, '')::text",
                "SELECT xpath('//email/text()', query_to_xml('TABLE bypass_t.gpart', true, false, ''))::text",
                "SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', email) FROM bypass_t.people_base')",
                "SELECT stavalues1::text, stavalues2::text FROM pg_statistic",
                "SELECT most_common_vals::text FROM pg_catalog.pg_stats_ext",
                "SELECT m.values::text FROM pg_statistic_ext_data d, pg_mcv_list_items(d.stxdmcv) m",
            })
    void catalogFunctionsThatReadTables(String sql) throws SQLException {
        attack(sql);
    }

    @Test
    void extendedStatisticsOnMaskedColumns() throws SQLException {
        try {
            attack(
                    "CREATE STATISTICS bypass_t.agent_st (mcv) ON email, ssn FROM bypass_t.customers",
                    "ANALYZE bypass_t.customers",
                    "SELECT most_common_vals::text FROM pg_stats_ext",
                    "SELECT most_common_vals::text FROM pg_catalog.pg_stats_ext WHERE statistics_name = 'agent_st'",
                    "SELECT m.values::text FROM pg_statistic_ext s JOIN pg_statistic_ext_data d ON d.stxoid = s.oid,"
                            + " pg_mcv_list_items(d.stxdmcv) m");
        } finally {
            MaskingBypassTest.direct("DROP STATISTICS IF EXISTS bypass_t.agent_st");
        }
    }

    // ---------------------------------------------------------------- query shapes

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT (r).f1, (r).f2 FROM (SELECT ROW(ssn, email) r FROM bypass_t.customers) s",
                "SELECT j.key, j.value::text FROM bypass_t.customers c, jsonb_each(jsonb_build_object('e', c.email)) j",
                "SELECT (jsonb_each(jsonb_build_object('s', ssn))).* FROM bypass_t.customers",
                "SELECT * FROM json_to_record((SELECT row_to_json(ROW(email)) FROM bypass_t.customers WHERE id = 1)) AS r(f1 text)",
                "SELECT array_to_json(array_agg(ssn))::text FROM bypass_t.customers",
                "SELECT to_json(email)::text FROM bypass_t.customers",
                "SELECT xmlagg(xmlelement(name e, email))::text FROM bypass_t.customers",
                "SELECT x.v FROM bypass_t.customers c, XMLTABLE('/r' PASSING xmlelement(name r, c.ssn) COLUMNS v text PATH '.') x",
                "SELECT textin(record_out(ROW(email))) FROM bypass_t.customers",
                "SELECT record_out(ROW(ssn))::text FROM bypass_t.customers",
                "SELECT int8out(phone)::text FROM bypass_t.customers",
                "SELECT textin(textout(ssn)) FROM bypass_t.customers",
                "SELECT unnest FROM bypass_t.customers, unnest(ARRAY[ssn])",
                "SELECT \"?column?\" FROM (SELECT email || '' FROM bypass_t.customers) s",
                "SELECT v.column1 FROM bypass_t.customers c, LATERAL (VALUES (c.ssn), (c.email)) v",
                "SELECT upper FROM (SELECT upper(email) FROM bypass_t.customers) s",
                "SELECT s.\"upper\" FROM (SELECT upper(ssn) FROM bypass_t.customers) s",
                "SELECT format('%I', email) FROM bypass_t.customers WHERE email IS NOT NULL",
                "SELECT format('%L', ssn) FROM bypass_t.customers",
                "SELECT quote_ident(email) FROM bypass_t.customers",
                "SELECT regexp_substr(email, '[^@]+') FROM bypass_t.customers",
                "SELECT string_agg(DISTINCT ssn, ',') FROM bypass_t.customers",
                "SELECT array_agg(email ORDER BY id)::text FROM bypass_t.customers",
                "SELECT sha256(email::bytea) FROM bypass_t.customers",
                "SELECT md5(ssn) FROM bypass_t.customers",
                "SELECT encode(email::bytea, 'escape') FROM bypass_t.customers",
                "SELECT email::bytea FROM bypass_t.customers",
                "SELECT convert_to(ssn, 'LATIN1') FROM bypass_t.customers",
                "SELECT phone::text::bytea FROM bypass_t.customers",
                "SELECT to_char(birth, 'YYYY-MM-DD') FROM bypass_t.customers",
                "SELECT birth::timestamp, date_trunc('day', birth) FROM bypass_t.customers",
                "SELECT encode(uuid_send(ref), 'hex') FROM bypass_t.customers",
                "SELECT upper(ref::text) FROM bypass_t.customers",
                "SELECT card::numeric + 0, lpad(card, 20, '0') FROM bypass_t.customers",
                "SELECT abs(-phone), phone / 1 FROM bypass_t.customers",
                "SELECT GREATEST(email, ''), COALESCE(ssn, 'x'), NULLIF(card, 'x') FROM bypass_t.customers",
                "SELECT CASE id WHEN 1 THEN ssn END FROM bypass_t.customers",
                "SELECT (SELECT ssn) FROM bypass_t.customers",
                "SELECT * FROM (SELECT email FROM bypass_t.customers UNION ALL SELECT 'x') s",
                "SELECT jsonb_object_agg(id, ssn)::text FROM bypass_t.customers",
                "SELECT json_build_array(email, ssn)::text FROM bypass_t.customers",
                "SELECT ARRAY[ROW(email)]::text FROM bypass_t.customers",
                "SELECT * FROM ROWS FROM (jsonb_to_record(jsonb_build_object('a', (SELECT ssn FROM bypass_t.customers WHERE id = 1))) AS (a text))",
                "SELECT t.* FROM bypass_t.customers c, LATERAL (SELECT c.email, c.ssn OFFSET 0) t",
                "SELECT (SELECT string_agg(x, '') FROM unnest(regexp_split_to_array(email, '')) x) FROM bypass_t.customers",
                "SELECT s FROM bypass_t.customers, LATERAL substring(email FROM 1 FOR 12) s",
                "SELECT regexp_replace(email, '(.)', '\\1 ', 'g') FROM bypass_t.customers",
                "SELECT initcap(email), left(ssn, 20), right(card, 16) FROM bypass_t.customers",
                "SELECT name FROM (SELECT id, email AS name FROM bypass_t.customers) s",
                "SELECT name || '' FROM bypass_t.notes n, LATERAL (SELECT email AS name FROM bypass_t.customers c WHERE c.id = n.id) l",
                "SELECT body || '' FROM bypass_t.notes NATURAL FULL JOIN (SELECT id, email AS body FROM bypass_t.customers) s",
                "SELECT * FROM bypass_t.notes NATURAL FULL JOIN (SELECT id, ssn AS body FROM bypass_t.customers) s",
                "SELECT body FROM bypass_t.notes FULL JOIN (SELECT id + 10 AS id, email AS body FROM bypass_t.customers) s USING (id, body)",
                "SELECT upper(x) FROM (SELECT email AS U&\"\\0078\" FROM bypass_t.customers) s",
                "SELECT \"s.e\" || '' FROM (SELECT email AS \"s.e\" FROM bypass_t.customers) s",
                "SELECT upper(\"Email\") FROM (SELECT email AS \"Email\" FROM bypass_t.customers) s",
                "SELECT email FROM bypass_t.customers WHERE id = 1 UNION SELECT 'x' ORDER BY 1",
                "SELECT e FROM bypass_t.customers, LATERAL CAST(email AS text) e",
                "SELECT (SELECT email FROM bypass_t.customers WHERE id = n.id) FROM bypass_t.notes n",
                "SELECT id, (SELECT max(ssn) FROM bypass_t.kids) FROM bypass_t.notes",
                "SELECT pg_catalog.upper(email), pg_catalog.\"reverse\"(ssn) FROM bypass_t.customers",
                "SELECT email FROM bypass_t.customers c WHERE c.id = 1 FOR SHARE OF c",
                "SELECT DISTINCT ssn FROM bypass_t.customers",
                "SELECT min(card), max(phone), min(birth), max(ref::text) FROM bypass_t.customers",
                "SELECT ssn FROM bypass_t.customers GROUP BY ssn HAVING count(*) > 0",
                "SELECT string_agg(substr(email, 1, 1), '') FROM bypass_t.customers, generate_series(1, 1)",
            })
    void queryShapes(String sql) throws SQLException {
        attack(sql);
    }

    // ---------------------------------------------------------------- a strict column (denyPredicates)

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT id FROM bypass_t.vault ORDER BY code DESC LIMIT 1",
                "SELECT id FROM bypass_t.vault WHERE code BETWEEN 'A' AND 'U'",
                "SELECT id FROM bypass_t.vault WHERE code ~ '^T'",
                "SELECT id FROM bypass_t.vault WHERE code SIMILAR TO 'T%'",
                "SELECT id FROM bypass_t.vault WHERE starts_with(code, 'T')",
                "SELECT CASE WHEN code > 'M' THEN 1 ELSE 0 END FROM bypass_t.vault",
                "SELECT id FROM bypass_t.vault LIMIT (SELECT count(*) FROM bypass_t.vault WHERE code > 'M')",
                "SELECT 1 / (CASE WHEN code > 'M' THEN 0 ELSE 1 END) FROM bypass_t.vault",
                "SELECT id FROM bypass_t.vault v WHERE EXISTS (SELECT 1 WHERE v.code > 'M')",
                "SELECT length(code) FROM bypass_t.vault",
                "SELECT code = 'TOPSECRETCODE' FROM bypass_t.vault",
                "SELECT id FROM bypass_t.vault GROUP BY id, code",
                "SELECT DISTINCT code FROM bypass_t.vault",
                "SELECT id FROM bypass_t.vault WHERE code IS DISTINCT FROM 'x'",
                "SELECT id FROM bypass_t.vault WHERE code IN ('A', 'TOPSECRETCODE')",
                "SELECT id FROM bypass_t.vault WHERE code = ANY (ARRAY['TOPSECRETCODE'])",
                "SELECT v.id FROM bypass_t.vault v JOIN bypass_t.notes n ON n.body = v.code",
                "SELECT count(DISTINCT code) FROM bypass_t.vault",
                "SELECT max(code) FROM bypass_t.vault",
                "SELECT id FROM bypass_t.vault WHERE code::bytea > '\\x54'::bytea",
                "WITH w AS (SELECT code FROM bypass_t.vault) SELECT count(*) FROM w WHERE code > 'M'",
                "SELECT id FROM bypass_t.vault WHERE (SELECT code) > 'M'",
                "SELECT (code > 'M')::int FROM bypass_t.vault",
                "SELECT id FROM bypass_t.vault v WHERE ROW(v.code) > ROW('M')",
                "SELECT id FROM bypass_t.vault ORDER BY code COLLATE \"C\"",
                "SELECT lag(id) OVER (PARTITION BY code) FROM bypass_t.vault",
                "SELECT code FROM bypass_t.vault EXCEPT SELECT 'x'",
                "SELECT id FROM bypass_t.vault WHERE code LIKE 'T%'",
                "SELECT id FROM bypass_t.vault WHERE \"code\" > 'M'",
                "SELECT id FROM bypass_t.vault WHERE bypass_t.vault.code > 'M'",
                "UPDATE bypass_t.vault SET id = id WHERE code > 'M'",
                "DELETE FROM bypass_t.vault WHERE code > 'ZZZZ'",
                "SELECT id FROM bypass_t.vault WHERE code > 'M' FOR UPDATE",
                "SELECT id FROM bypass_t.vault TABLESAMPLE BERNOULLI (100) WHERE code > 'M'",
                "SELECT id FROM bypass_t.vault WHERE to_json(code)::text > '\"M'",
                "SELECT id FROM bypass_t.vault, LATERAL (SELECT code AS k) s WHERE k > 'M'",
                "SELECT * FROM bypass_t.vault v1 JOIN bypass_t.vault v2 USING (code)",
                "SELECT id FROM bypass_t.vault WHERE code > $$M$$",
                "SELECT id FROM bypass_t.vault WHERE (code || '')::regproc IS NULL",
                "SELECT (translate(code, 'T', 't') || '(int,int)')::regoperator FROM bypass_t.vault",
                "SELECT code::int FROM bypass_t.vault",
                "SELECT id FROM bypass_t.vault WHERE code::text > 'M'",
                "SELECT id FROM bypass_t.vault WHERE nullif(code, 'x') > 'M'",
                "SELECT id FROM bypass_t.vault v WHERE v.code COLLATE \"C\" > 'M'",
                "SELECT id FROM bypass_t.vault WHERE U&\"code\" > 'M'",
            })
    void strictColumnOracles(String sql) throws SQLException {
        refused(sql);
    }

    @Test
    void strictColumnThroughPreparedStatementAndCursor() throws SQLException {
        refused(
                "PREPARE sg(text) AS SELECT id FROM bypass_t.vault WHERE code > $1",
                "DECLARE sgc CURSOR WITH HOLD FOR SELECT id FROM bypass_t.vault WHERE code > 'M'");
    }

    // ---------------------------------------------------------------- session state: settings, prepared statements,
    // cursors

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT pg_catalog.set_config('application_name', email, false)" + ONE,
                "SELECT \"set_config\"('application_name', " + E + ", false)" + ONE,
                "SELECT PG_CATALOG.SET_CONFIG('application_name', " + E + ", false)" + ONE,
                "SELECT U&\"set\\005fconfig\"('application_name', " + E + ", false)" + ONE,
                "SELECT * FROM bypass_t.customers c, set_config('application_name', translate(c.email, '@', '#'), false) WHERE c.id = 1",
                "WITH s AS (SELECT set_config('application_name', " + E + ", false)" + ONE + ") SELECT count(*) FROM s",
                "SELECT pg_catalog.set_config('agent.v', ssn, false)" + ONE,
                "SELECT pg_catalog.pg_notify('agent_ch', " + E + ")" + ONE,
                "SELECT pg_catalog.lo_from_bytea(0, convert_to(email, 'UTF8'))" + ONE,
                "SELECT pg_catalog.pg_advisory_lock(phone)" + ONE,
                "SELECT set_config('search_path', 'bypass_t,' || " + E + ", false)" + ONE,
            })
    void valuesStoredInSessionState(String sql) throws SQLException {
        try {
            attack(
                    "LISTEN agent_ch",
                    sql,
                    "SHOW application_name",
                    "SELECT current_setting('agent.v', true), current_setting('application_name')",
                    "SELECT convert_from(lo_get(oid), 'UTF8') FROM pg_largeobject_metadata",
                    "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
                    "SELECT 1");
        } finally {
            MaskingBypassTest.direct(
                    "SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE lomowner = current_user::regrole");
        }
    }

    @Test
    void preparedInATransactionThatRollsBack() throws SQLException {
        attack(
                "BEGIN",
                "PREPARE rb1 AS SELECT upper(email), ssn || '' FROM bypass_t.customers",
                "ROLLBACK",
                "PREPARE rb1 AS SELECT 'harmless'::text, 'x'::text",
                "EXECUTE rb1",
                "DEALLOCATE rb1");
    }

    @Test
    void preparedInASavepointThatRollsBack() throws SQLException {
        attack(
                "BEGIN",
                "SAVEPOINT s1",
                "PREPARE rb2 AS SELECT upper(email), ssn || '' FROM bypass_t.customers",
                "ROLLBACK TO SAVEPOINT s1",
                "COMMIT",
                "PREPARE rb2 AS SELECT 'harmless'::text, 'x'::text",
                "EXECUTE rb2",
                "DEALLOCATE rb2");
    }

    @Test
    void preparedReplacedInAnAbortedTransaction() throws SQLException {
        attack(
                "PREPARE rb3 AS SELECT upper(email), ssn || '' FROM bypass_t.customers",
                "BEGIN",
                "SELECT 1 / 0",
                "PREPARE rb3 AS SELECT 'harmless'::text, 'x'::text",
                "DEALLOCATE rb3",
                "ROLLBACK",
                "EXECUTE rb3");
    }

    @Test
    void deallocateInAnAbortedTransactionThenPrepareAgain() throws SQLException {
        attack(
                "PREPARE rb4 AS SELECT upper(email), ssn || '' FROM bypass_t.customers",
                "BEGIN",
                "SELECT 1 / 0",
                "DEALLOCATE rb4",
                "ROLLBACK",
                "PREPARE rb4 AS SELECT 'harmless'::text, 'x'::text",
                "EXECUTE rb4",
                "DEALLOCATE ALL");
    }

    @Test
    void discardThenReuseNames() throws SQLException {
        attack(
                "PREPARE dr1 AS SELECT 'harmless'::text",
                "DECLARE dr2 CURSOR WITH HOLD FOR SELECT 'harmless'::text",
                "DISCARD ALL",
                "PREPARE dr1 AS SELECT upper(email) FROM bypass_t.customers",
                "EXECUTE dr1",
                "DECLARE dr2 CURSOR WITH HOLD FOR SELECT ssn || '' FROM bypass_t.customers",
                "FETCH ALL FROM dr2",
                "CLOSE ALL",
                "DEALLOCATE ALL");
    }

    @Test
    void namesWithEscapesAndLength() throws SQLException {
        String longEscaped = "U&\"\\0061ttack_name_that_is_longer_than_sixty_three_bytes_so_it_gets_cut_xyz\"";
        String cut = "attack_name_that_is_longer_than_sixty_three_bytes_so_it_gets_cu";
        attack(
                "PREPARE U&\"p!0031x\" UESCAPE '!' AS SELECT upper(email), ssn || '' FROM bypass_t.customers",
                "EXECUTE p1x",
                "DECLARE " + longEscaped
                        + " CURSOR WITH HOLD FOR SELECT upper(email), ssn || '' FROM bypass_t.customers",
                "FETCH ALL FROM " + cut,
                "CLOSE ALL",
                "PREPARE " + longEscaped + " AS SELECT reverse(ssn) FROM bypass_t.customers",
                "EXECUTE \"" + cut + "\"",
                "DEALLOCATE ALL");
    }

    @Test
    void cursorDeclaredInOneQueryStringWithItsFetch() throws SQLException {
        attack("DECLARE oq CURSOR WITH HOLD FOR SELECT upper(email), ssn || '' FROM bypass_t.customers;"
                + " FETCH ALL FROM oq; CLOSE oq");
    }

    @Test
    void cursorOverAParentTable() throws SQLException {
        attack(
                "DECLARE pc1 CURSOR WITH HOLD FOR SELECT email FROM bypass_t.people_base",
                "FETCH ALL FROM pc1",
                "CLOSE pc1");
    }

    // ---------------------------------------------------------------- search path given at startup

    @Test
    void searchPathGivenAtStartup() throws SQLException {
        List<String> leaks = new ArrayList<>();
        for (String key : List.of("currentSchema", "options")) {
            Properties p = new Properties();
            p.setProperty(key, key.equals("options") ? "-c search_path=bypass_t" : "bypass_t");
            try (Connection c = MaskingBypassTest.f.connect(p)) {
                for (String sql : List.of(
                        "SELECT upper(email), ssn || '' FROM customers",
                        "SELECT * FROM customers c, LATERAL reverse(c.ssn)",
                        "SELECT upper(email) FROM kids",
                        "SELECT bypass_t.fetch_one('none')")) {
                    check(leaks, key + " " + sql, probe(c, sql));
                }
            } catch (SQLException e) {
                // Refused at startup: fine, as long as the refusal carries no value.
                check(leaks, key + " startup", MaskingBypassTest.error(e));
            }
        }
        assertTrue(leaks.isEmpty(), String.join("\n", leaks));
    }

    // ---------------------------------------------------------------- raw protocol

    static byte[] executeRows(String portal, int rows) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(RawClient.cstring(portal));
        b.writeBytes(ByteBuffer.allocate(4).putInt(rows).array());
        return RawClient.typed('E', b.toByteArray());
    }

    static byte[] close(char what, String name) {
        return RawClient.typed('C', concat(new byte[] {(byte) what}, RawClient.cstring(name)));
    }

    static RawClient raw() throws Exception {
        RawClient c = new RawClient(MaskingBypassTest.f.port());
        c.authenticate(MaskingBypassTest.f.token());
        return c;
    }

    static void assertRawClean(String what, String out) {
        MaskingBypassTest.log("[attack3] raw " + what + ": " + out);
        leak(out).ifPresent(l -> {
            throw new AssertionError("LEAK raw " + what + " :: " + l);
        });
    }

    @Test
    void sqlCursorExecutedAsAProtocolPortal() throws Exception {
        try (RawClient c = raw()) {
            c.query("DECLARE rp1 CURSOR WITH HOLD FOR SELECT upper(email), ssn || '' FROM bypass_t.customers");
            drainUntilReady(c);
            c.send(concat(execute("rp1"), sync()));
            String out = drainUntilReady(c);
            assertRawClean("execute of a SQL cursor", out);
        }
    }

    @Test
    void sqlCursorDescribedAndExecutedAsAProtocolPortal() throws Exception {
        try (RawClient c = raw()) {
            c.query("DECLARE rp2 CURSOR WITH HOLD FOR SELECT upper(email), ssn || '' FROM bypass_t.customers");
            drainUntilReady(c);
            c.send(concat(describePortal("rp2"), executeRows("rp2", 1), sync()));
            String first = drainUntilReady(c);
            c.send(concat(executeRows("rp2", 0), sync()));
            String rest = drainUntilReady(c);
            assertRawClean("describe and execute of a SQL cursor", first + rest);
        }
    }

    @Test
    void sqlPreparedStatementBoundByTheProtocol() throws Exception {
        try (RawClient c = raw()) {
            c.query("PREPARE rp3 AS SELECT upper(email), ssn || '' FROM bypass_t.customers");
            drainUntilReady(c);
            c.send(concat(bind("", "rp3"), execute(""), sync()));
            String out = drainUntilReady(c);
            c.send(concat(bind("", "rp3"), describePortal(""), execute(""), sync()));
            out += drainUntilReady(c);
            assertRawClean("bind of a SQL prepared statement", out);
        }
    }

    @Test
    void protocolStatementExecutedBySql() throws Exception {
        try (RawClient c = raw()) {
            c.send(concat(parse("rp4", "SELECT upper(email), ssn || '' FROM bypass_t.customers"), sync()));
            drainUntilReady(c);
            c.query("EXECUTE rp4");
            String out = drainUntilReady(c);
            c.query("EXPLAIN (ANALYZE, VERBOSE) EXECUTE rp4");
            out += drainUntilReady(c);
            assertRawClean("SQL EXECUTE of a protocol statement", out);
        }
    }

    @Test
    void protocolStatementCopiedIntoATableBySql() throws Exception {
        try (RawClient c = raw()) {
            c.send(concat(parse("rp5", "SELECT email, ssn, card, phone FROM bypass_t.customers"), sync()));
            drainUntilReady(c);
            c.query("CREATE TEMP TABLE rp5_copy AS EXECUTE rp5");
            String out = drainUntilReady(c);
            c.query("SELECT * FROM rp5_copy");
            out += drainUntilReady(c);
            c.query("SELECT * FROM rp5_copy");
            out += drainUntilReady(c);
            assertRawClean("CREATE TABLE AS EXECUTE of a protocol statement", out);
        }
    }

    @Test
    void sqlPreparedPlainColumnsCopiedIntoATable() throws SQLException {
        attack(
                "PREPARE rp6 AS SELECT email, ssn FROM bypass_t.customers",
                "CREATE TEMP TABLE rp6_copy AS EXECUTE rp6",
                "SELECT * FROM rp6_copy",
                "SELECT * FROM rp6_copy");
    }

    @Test
    void protocolPortalFetchedBySql() throws Exception {
        try (RawClient c = raw()) {
            c.send(concat(
                    parse("", "BEGIN"),
                    bind("", ""),
                    execute(""),
                    parse("rp7", "SELECT upper(email), ssn || '' FROM bypass_t.customers"),
                    bind("rp7_portal", "rp7"),
                    sync()));
            drainUntilReady(c);
            c.query("FETCH ALL FROM rp7_portal");
            String out = drainUntilReady(c);
            c.query("ROLLBACK");
            drainUntilReady(c);
            assertRawClean("SQL FETCH of a protocol portal", out);
        }
    }

    @Test
    void suspendedPortalContinuedAfterTheUnnamedStatementIsReplaced() throws Exception {
        try (RawClient c = raw()) {
            c.send(concat(
                    parse("", "BEGIN"),
                    bind("", ""),
                    execute(""),
                    parse("", "SELECT upper(email), ssn || '' FROM bypass_t.customers"),
                    bind("", ""),
                    executeRows("", 1),
                    sync()));
            String first = drainUntilReady(c);
            c.send(concat(parse("", "SELECT 'x'::text, 'y'::text"), executeRows("", 0), sync()));
            String rest = drainUntilReady(c);
            c.query("ROLLBACK");
            drainUntilReady(c);
            assertRawClean("suspended unnamed portal", first + rest);
        }
    }

    @Test
    void namedPortalOutlivesItsClosedStatement() throws Exception {
        try (RawClient c = raw()) {
            c.send(concat(
                    parse("", "BEGIN"),
                    bind("", ""),
                    execute(""),
                    parse("rp9", "SELECT upper(email), ssn || '' FROM bypass_t.customers"),
                    bind("rp9_portal", "rp9"),
                    close('S', "rp9"),
                    parse("rp9", "SELECT 'x'::text, 'y'::text"),
                    execute("rp9_portal"),
                    sync()));
            String out = drainUntilReady(c);
            c.query("ROLLBACK");
            drainUntilReady(c);
            assertRawClean("named portal of a closed statement", out);
        }
    }

    @Test
    void namedPortalExecutedInALaterBatch() throws Exception {
        try (RawClient c = raw()) {
            c.send(concat(
                    parse("", "BEGIN"),
                    bind("", ""),
                    execute(""),
                    parse("rp10", "SELECT upper(email), ssn || '' FROM bypass_t.customers"),
                    bind("rp10_portal", "rp10"),
                    sync()));
            drainUntilReady(c);
            c.send(concat(parse("rp10b", "SELECT 'x'::text, 'y'::text"), bind("", "rp10b"), sync()));
            drainUntilReady(c);
            c.send(concat(execute("rp10_portal"), sync()));
            String out = drainUntilReady(c);
            c.query("ROLLBACK");
            drainUntilReady(c);
            assertRawClean("named portal in a later batch", out);
        }
    }

    @Test
    void startupParameterSetsTheSearchPath() throws Exception {
        try (RawClient c = new RawClient(MaskingBypassTest.f.port())) {
            c.startup("search_path", "bypass_t");
            RawClient.Message auth = c.read();
            if (auth.type() != 'R') {
                // Refused before authentication: the refusal must carry no value.
                assertRawClean("options search_path refused", auth.type() + new String(auth.body()));
                return;
            }
            c.password(MaskingBypassTest.f.token());
            String hello = drainUntilReady(c);
            c.query("SELECT upper(email), ssn || '' FROM customers");
            String out = drainUntilReady(c);
            assertRawClean("options search_path", hello + out);
        }
    }

    @Test
    void errorOfAProtocolPortalOverACursorHelper() throws Exception {
        try (RawClient c = raw()) {
            c.query("DECLARE rp11 CURSOR WITH HOLD FOR SELECT " + E + " FROM bypass_t.customers");
            drainUntilReady(c);
            c.send(concat(parse("", "SELECT bypass_t.fetch_one('rp11')::regproc"), bind("", ""), execute(""), sync()));
            String out = drainUntilReady(c);
            c.query("CLOSE rp11");
            drainUntilReady(c);
            assertRawClean("error of a cursor helper", out);
        }
    }
}
