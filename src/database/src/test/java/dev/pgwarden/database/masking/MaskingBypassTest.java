package dev.pgwarden.database.masking;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.api.v1alpha1.MaskStrategy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * What an agent tries, connected as a LOGIN member of the group with the search_path masking
 * returned, against a ReadWrite policy: every attempt either fails or sees masked values only.
 * The detector looks for the raw values (and key material) in rows, COPY output, notices and
 * every part of errors.
 */
class MaskingBypassTest {
    private static final int CUSTOMERS = 200;
    private static MaskingFixture fixture;
    private static MaskingReport report;
    private static SecretDetector detector;
    private static String viewSchema;
    private static String functionSchema;

    /** How an attempt must end; in every case nothing secret is seen. */
    private enum Expect {
        /** The last statement returns rows, all masked. */
        MASKED,
        /** The last statement returns no row. */
        EMPTY,
        /** A statement fails for lack of privilege (42501). */
        REFUSED,
        /** A statement fails with another error. */
        FAILS,
        /** All statements run; what they return is only checked for secrets. */
        RUNS
    }

    private record Attempt(String name, Expect expect, List<String> statements) {}

    @BeforeAll
    static void createApplication() throws SQLException {
        fixture = new MaskingFixture("mask_bypass");
        fixture.admin(
                "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text UNIQUE, ssn text, phone varchar(20),"
                        + " born date, notes text CHECK (length(notes) < 100))",
                "INSERT INTO customers SELECT i, 'Customer ' || i, 'alice.secret+' || i || '@example.com', '123-45-6789',"
                        + " '+1-555-0100', '1980-02-03', 'note ' || i FROM generate_series(1, " + CUSTOMERS + ") i",
                "CREATE INDEX customers_lower_email ON customers (lower(email))",
                "CREATE STATISTICS customers_pair ON email, ssn FROM customers",
                "CREATE TABLE events (id int, customer_email text, at date) PARTITION BY RANGE (at)",
                "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
                "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "INSERT INTO events SELECT i, 'eve.secret' || i || '@example.org', date '2024-06-01' + i FROM generate_series(1, 400) i",
                "CREATE TABLE people (id int, secret text)",
                "CREATE TABLE staff (badge text) INHERITS (people)",
                "INSERT INTO people VALUES (1, 'people.secret.1')",
                "INSERT INTO staff VALUES (2, 'staff.secret.2', 'B-2')",
                // Parents the rules do not name, above masked tables: a scan of them returns the masked rows.
                "CREATE TABLE contacts_base (id int, email text)",
                "CREATE TABLE vip (tier int) INHERITS (contacts_base)",
                "INSERT INTO vip VALUES (1, 'vip.secret@example.com', 1)",
                "CREATE TABLE ledger (id int, holder text, at date) PARTITION BY RANGE (at)",
                "CREATE TABLE ledger_2024 PARTITION OF ledger FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
                        + " PARTITION BY RANGE (at)",
                "CREATE TABLE ledger_2024_h1 PARTITION OF ledger_2024 FOR VALUES FROM ('2024-01-01') TO ('2024-07-01')",
                "INSERT INTO ledger VALUES (1, 'ledger.secret.1', date '2024-02-01')",
                "CREATE VIEW customer_contacts AS SELECT id, email FROM customers",
                "CREATE MATERIALIZED VIEW customer_emails AS SELECT email FROM customers",
                "CREATE VIEW contacts_again AS SELECT * FROM customer_contacts",
                "ANALYZE",
                "GRANT USAGE ON SCHEMA public TO " + fixture.group,
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + fixture.group);
        MaskingPolicy policy = fixture.policy(
                AccessMode.ReadWrite,
                MaskingFixture.mask("customers", "email", MaskStrategy.PARTIAL),
                MaskingFixture.mask("customers", "ssn", MaskStrategy.HASH),
                MaskingFixture.mask("customers", "phone", MaskStrategy.REDACT),
                MaskingFixture.mask("customers", "born", MaskStrategy.NULL),
                MaskingFixture.mask("events", "customer_email", MaskStrategy.REDACT),
                MaskingFixture.mask("people", "secret", MaskStrategy.HASH),
                MaskingFixture.mask("vip", "email", MaskStrategy.PARTIAL),
                MaskingFixture.mask("ledger_2024_h1", "holder", MaskStrategy.REDACT));
        report = fixture.apply(policy);
        assertThat(report.problems()).isEmpty();
        viewSchema = MaskingSchemas.viewSchema(fixture.group, "public");
        functionSchema = MaskingSchemas.functionSchema(fixture.group);
        MaskKey key = MaskKey.derive(MaskingFixture.SECRET, MaskingFixture.POLICY);
        detector = new SecretDetector()
                .fragment("alice.secret")
                .fragment("123-45-6789")
                .fragment("123456789")
                .fragment("555-0100")
                .fragment("1980-02-03")
                .fragment("eve.secret")
                .fragment("people.secret")
                .fragment("staff.secret")
                .fragment("vip.secret")
                .fragment("ledger.secret")
                .value("123-45-6789")
                .value("+1-555-0100")
                .key(key.ipad())
                .key(key.opad())
                .key(ProxyMasking.hmac(
                        MaskingFixture.SECRET,
                        ("pgwarden-mask/" + MaskingFixture.POLICY).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        for (int i = 1; i <= CUSTOMERS; i++) {
            detector.value("alice.secret+" + i + "@example.com");
        }
    }

    @TestFactory
    Stream<DynamicTest> nothingTheAgentWritesSeesARawValue() {
        return attempts().stream()
                .map(a -> DynamicTest.dynamicTest(a.name(), () -> {
                    AgentProbe.Outcome outcome;
                    try (Connection agent = fixture.agent(report)) {
                        outcome = AgentProbe.run(agent, a.statements());
                    }
                    assertThat(detector.find(outcome.seen()))
                            .as("%s saw a secret", a.name())
                            .isEmpty();
                    switch (a.expect()) {
                        case MASKED -> {
                            assertThat(outcome.sqlState())
                                    .as("%s failed: %s", a.name(), outcome.seen())
                                    .isNull();
                            assertThat(outcome.rows()).as(a.name()).isPositive();
                        }
                        case EMPTY -> {
                            assertThat(outcome.sqlState())
                                    .as("%s failed: %s", a.name(), outcome.seen())
                                    .isNull();
                            assertThat(outcome.rows()).as(a.name()).isZero();
                        }
                        case REFUSED ->
                            assertThat(outcome.sqlState())
                                    .as("%s: %s", a.name(), outcome.seen())
                                    .isEqualTo("42501");
                        case FAILS ->
                            assertThat(outcome.sqlState())
                                    .as("%s: %s", a.name(), outcome.seen())
                                    .isNotNull()
                                    .isNotEqualTo("42501");
                        case RUNS ->
                            assertThat(outcome.sqlState())
                                    .as("%s failed: %s", a.name(), outcome.seen())
                                    .isNull();
                    }
                }));
    }

    /** The control: the same probe and detector, run as the table's owner, find the secrets in each channel. */
    @Test
    void theDetectorFindsWhatTheOwnerSees() throws SQLException {
        try (Connection admin = fixture.admin()) {
            for (List<String> statements : List.of(
                    List.of("SELECT email FROM public.customers WHERE id = 1"),
                    List.of("SELECT reverse(upper(email)) FROM public.customers WHERE id = 1"),
                    List.of("SELECT encode(convert_to(ssn, 'UTF8'), 'hex') FROM public.customers WHERE id = 1"),
                    List.of("SELECT md5(phone) FROM public.customers WHERE id = 1"),
                    List.of("COPY (SELECT born FROM public.customers WHERE id = 1) TO STDOUT"),
                    List.of("DO $$ BEGIN RAISE NOTICE '%', (SELECT secret FROM public.staff); END $$"),
                    List.of("SELECT email::int FROM public.customers WHERE id = 1"),
                    List.of("SELECT encode(ipad, 'hex') FROM \"" + functionSchema + "\".key"))) {
                assertThat(detector.find(AgentProbe.run(admin, statements).seen()))
                        .as("%s", statements)
                        .isPresent();
            }
        }
    }

    @Test
    void statisticsShowUnmaskedColumnsOnly() throws SQLException {
        try (Connection agent = fixture.agent(report)) {
            AgentProbe.Outcome masked =
                    AgentProbe.run(agent, List.of("SELECT attname FROM pg_stats WHERE attname = 'email'"));
            assertThat(masked.rows()).isZero();
            AgentProbe.Outcome plain = AgentProbe.run(
                    agent, List.of("SELECT attname FROM pg_stats WHERE tablename = 'customers' ORDER BY attname"));
            assertThat(plain.seen()).containsExactly("id", "name", "notes");
        }
        try (Connection admin = fixture.admin()) {
            assertThat(AgentProbe.run(admin, List.of("SELECT attname FROM pg_stats WHERE attname = 'email'"))
                            .rows())
                    .as("the statistics exist; the agent only may not see them")
                    .isPositive();
        }
    }

    @Test
    void theAgentReadsMaskedValuesUnderTheTablesName() throws SQLException {
        try (Connection agent = fixture.agent(report)) {
            AgentProbe.Outcome rows = AgentProbe.run(
                    agent, List.of("SELECT id, name, email, phone, born, notes FROM customers WHERE id = 7"));
            assertThat(rows.seen())
                    .containsExactly("7", "Customer 7", "****@example.com", "[redacted]", null, "note 7");
        }
    }

    private static List<Attempt> attempts() {
        List<Attempt> out = new ArrayList<>();
        String vs = '"' + viewSchema + '"';
        String fs = '"' + functionSchema + '"';
        // Reads of the masking view, in every shape: masked values only.
        masked(out, "select star", "SELECT * FROM customers");
        masked(
                out,
                "functions over masked columns",
                "SELECT upper(email), lower(ssn), reverse(phone), md5(email) FROM customers");
        masked(
                out,
                "jsonb_each_text of to_jsonb of the row",
                "SELECT key, value FROM customers c, jsonb_each_text(to_jsonb(c))");
        masked(out, "row_to_json", "SELECT row_to_json(c) FROM customers c");
        masked(out, "whole row as text", "SELECT c::text FROM customers c");
        masked(out, "lateral values", "SELECT column1 FROM customers, LATERAL (VALUES (email), (ssn), (phone)) v");
        masked(out, "to_tsvector", "SELECT to_tsvector('simple', email) FROM customers");
        masked(out, "string_agg", "SELECT string_agg(email, ',') FROM customers");
        masked(out, "cte", "WITH x AS (SELECT email, ssn FROM customers) SELECT * FROM x");
        masked(out, "xmlelement", "SELECT xmlelement(name e, email) FROM customers");
        masked(out, "partitioned table through its view", "SELECT * FROM events");
        masked(out, "inheritance parent through its view", "SELECT * FROM people");
        refused(out, "the unnamed inheritance parent of a masked table", "SELECT email FROM contacts_base");
        refused(out, "the unnamed parent, qualified", "SELECT * FROM public.contacts_base");
        runs(out, "the parent's unmasked columns", "SELECT id FROM contacts_base");
        refused(out, "the partitioned grandparent of a masked partition", "SELECT holder FROM ledger");
        refused(out, "the partitioned parent of a masked partition", "SELECT holder FROM public.ledger_2024");
        runs(out, "the grandparent's unmasked columns", "SELECT id, at FROM ledger");
        masked(out, "the view by its qualified name", "SELECT * FROM " + vs + ".customers");
        masked(
                out,
                "join of the table's plain columns with the view",
                "SELECT v.email FROM public.customers t JOIN customers v USING (id)");
        masked(out, "collate", "SELECT email COLLATE \"C\" FROM customers ORDER BY 1");
        masked(
                out,
                "a predicate compares masked values",
                "SELECT count(*) FROM customers WHERE email = 'alice.secret+1@example.com'");
        masked(out, "copy of a query", "COPY (SELECT * FROM customers) TO STDOUT");
        masked(out, "copy of a query, csv", "COPY (SELECT email, ssn FROM customers) TO STDOUT WITH (FORMAT csv)");
        masked(out, "create temp table as", "CREATE TEMP TABLE t1 AS SELECT * FROM customers", "SELECT * FROM t1");
        masked(out, "select into temp", "SELECT * INTO TEMP t2 FROM customers", "SELECT * FROM t2");
        masked(
                out,
                "the agent's view over the masking view",
                "CREATE VIEW scratch.v1 AS SELECT * FROM customers",
                "SELECT * FROM scratch.v1");
        masked(
                out,
                "the agent's view over pg_stats",
                "CREATE VIEW scratch.v2 AS SELECT tablename, attname,"
                        + " most_common_vals::text AS mcv, histogram_bounds::text AS bounds FROM pg_stats WHERE schemaname = 'public'",
                "SELECT * FROM scratch.v2");
        masked(
                out,
                "a leaky function in a WHERE on the view sees masked values",
                "CREATE FUNCTION scratch.leak1(text) RETURNS boolean LANGUAGE plpgsql COST 0.0001 AS $$ BEGIN"
                        + " RAISE NOTICE 'saw %', $1; RETURN true; END $$",
                "SELECT id FROM customers WHERE scratch.leak1(email)");
        masked(
                out,
                "DO block reading the view",
                "DO $$ DECLARE r text; BEGIN SELECT email INTO r FROM customers LIMIT 1;"
                        + " RAISE NOTICE 'got %', r; END $$",
                "SELECT 1");
        masked(
                out,
                "cursor with hold",
                "BEGIN",
                "DECLARE c1 CURSOR WITH HOLD FOR SELECT * FROM customers",
                "COMMIT",
                "FETCH ALL FROM c1");
        masked(out, "explain verbose shows no key", "EXPLAIN (VERBOSE) SELECT * FROM customers");
        masked(out, "explain analyze", "EXPLAIN (ANALYZE, VERBOSE) SELECT * FROM customers WHERE ssn = 'x'");
        masked(
                out,
                "view definitions hold no key",
                "SELECT definition FROM pg_views WHERE schemaname = '" + viewSchema + "'");
        masked(
                out,
                "function definitions hold no key",
                "SELECT pg_get_functiondef(p.oid), p.prosrc, p.prosqlbody::text"
                        + " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '"
                        + functionSchema + "'");
        masked(
                out,
                "functions shadowing pg_catalog's on the search_path change nothing",
                shadow("replace(text, text, text)", "text"),
                shadow("\"substring\"(text, text)", "text"),
                shadow("length(text)", "int"),
                shadow("\"right\"(text, int)", "text"),
                shadow("sha256(bytea)", "bytea"),
                shadow("encode(bytea, text)", "text"),
                shadow("decode(text, text)", "bytea"),
                "SET search_path = scratch, " + vs + ", public, pg_catalog",
                "SELECT * FROM customers");
        masked(
                out,
                "standard_conforming_strings off",
                "SET standard_conforming_strings = off",
                "SELECT * FROM customers");
        masked(out, "unmasked columns of a partition", "SELECT id, at FROM public.events_2024");
        masked(out, "unmasked columns of the table", "SELECT id, name, notes FROM public.customers");
        failing(out, "a cast error shows the masked value", "SELECT email::int FROM customers");
        failing(
                out,
                "raise exception with a value from the view",
                "DO $$ DECLARE r text; BEGIN SELECT ssn INTO r"
                        + " FROM customers LIMIT 1; RAISE EXCEPTION 'got %', r; END $$");
        failing(out, "copy of the view by name", "COPY customers TO STDOUT");
        failing(
                out,
                "a duplicate id: the detail names only readable columns",
                "INSERT INTO public.customers (id, name, email) VALUES (1, 'dup', 'x@y')");
        failing(
                out,
                "a duplicate email: no detail (an existence oracle remains)",
                "INSERT INTO public.customers (id, name, email) VALUES (5000, 'dup', 'alice.secret+1@example.com')");
        failing(
                out,
                "not-null violation: the failing row shows readable columns only",
                "UPDATE public.customers SET name = NULL WHERE id = 1");
        failing(
                out,
                "check violation: the failing row shows readable columns only",
                "UPDATE public.customers SET notes = repeat('x', 200) WHERE id = 2");
        failing(out, "tablesample on the view", "SELECT * FROM customers TABLESAMPLE SYSTEM (50)");
        runs(out, "analyze as the agent is skipped", "ANALYZE public.customers");
        runs(out, "a write that reads no masked column", "UPDATE public.customers SET notes = 'seen' WHERE id = 3");
        // Everything that would read a masked column of the table itself.
        refused(out, "masked column of the table", "SELECT email FROM public.customers");
        refused(out, "select star of the table", "SELECT * FROM public.customers");
        refused(out, "table", "TABLE public.customers");
        refused(out, "only", "SELECT * FROM ONLY public.customers");
        refused(out, "whole row of the table", "SELECT c FROM public.customers c");
        refused(out, "filter on a masked column", "SELECT id FROM public.customers WHERE email LIKE 'alice%'");
        refused(out, "order by a masked column", "SELECT id FROM public.customers ORDER BY ssn");
        refused(out, "scalar subquery", "SELECT (SELECT email FROM public.customers LIMIT 1)");
        refused(out, "pg_column_size", "SELECT pg_column_size(email) FROM public.customers");
        refused(out, "partition's masked column", "SELECT customer_email FROM public.events_2024");
        refused(out, "partition by its bare name", "SELECT * FROM events_2024");
        refused(out, "partitioned parent's masked column", "SELECT customer_email FROM public.events");
        refused(out, "inheritance child's masked column", "SELECT secret FROM public.staff");
        refused(out, "the application's view over a masked table", "SELECT * FROM public.customer_contacts");
        refused(out, "the application's view over that view", "SELECT id FROM public.contacts_again");
        refused(out, "the application's materialized view", "SELECT * FROM public.customer_emails");
        refused(out, "copy of the table", "COPY public.customers TO STDOUT");
        refused(out, "copy of a masked column", "COPY public.customers (email) TO STDOUT");
        refused(out, "create table as", "CREATE TABLE scratch.t3 AS TABLE public.customers");
        refused(out, "select into", "SELECT email INTO TEMP t4 FROM public.customers");
        refused(
                out,
                "insert select",
                "CREATE TABLE scratch.t5 (x text)",
                "INSERT INTO scratch.t5 SELECT email FROM public.customers");
        refused(
                out,
                "the agent's view over the table",
                "CREATE VIEW scratch.v3 AS SELECT * FROM public.customers",
                "SELECT * FROM scratch.v3");
        refused(
                out,
                "sql function",
                "CREATE FUNCTION scratch.f1() RETURNS SETOF text LANGUAGE sql AS"
                        + " $$ SELECT email FROM public.customers $$",
                "SELECT scratch.f1()");
        refused(
                out,
                "security definer function",
                "CREATE FUNCTION scratch.f2() RETURNS SETOF text LANGUAGE sql"
                        + " SECURITY DEFINER AS $$ SELECT email FROM public.customers $$",
                "SELECT scratch.f2()");
        refused(
                out,
                "dynamic sql",
                "CREATE FUNCTION scratch.f3() RETURNS text LANGUAGE plpgsql AS $$ DECLARE r text;"
                        + " BEGIN EXECUTE 'SELECT string_agg(email, '','') FROM public.customers' INTO r; RETURN r; END $$",
                "SELECT scratch.f3()");
        refused(
                out,
                "DO block reading the table",
                "DO $$ DECLARE r text; BEGIN SELECT email INTO r FROM public.customers"
                        + " LIMIT 1; RAISE NOTICE '%', r; END $$");
        refused(
                out,
                "a leaky function on the table's column",
                "CREATE FUNCTION scratch.leak2(text) RETURNS boolean"
                        + " LANGUAGE plpgsql COST 0.0001 AS $$ BEGIN RAISE NOTICE 'saw %', $1; RETURN true; END $$",
                "SELECT id FROM public.customers WHERE scratch.leak2(email)");
        refused(
                out,
                "where reads a masked column",
                "UPDATE public.customers SET notes = 'x' WHERE email LIKE 'alice%'");
        refused(
                out,
                "returning a masked column",
                "UPDATE public.customers SET notes = 'x' WHERE id = 1 RETURNING email");
        refused(out, "delete returning star", "DELETE FROM public.customers WHERE id = 999 RETURNING *");
        refused(out, "insert returning star", "INSERT INTO public.customers (id, name) VALUES (1000, 'n') RETURNING *");
        refused(out, "update from a masked column", "UPDATE public.customers SET notes = email WHERE id = 1");
        refused(
                out,
                "merge reading a masked column",
                "MERGE INTO public.customers c USING (VALUES (1)) v(id) ON c.id = v.id"
                        + " WHEN MATCHED THEN UPDATE SET notes = c.email");
        refused(out, "a write to the bare name reaches the view", "UPDATE customers SET notes = 'x' WHERE id = 1");
        refused(out, "select for update on the view", "SELECT * FROM customers FOR UPDATE");
        refused(out, "prepare and execute", "PREPARE p1 AS SELECT email FROM public.customers", "EXECUTE p1");
        refused(out, "search_path without the masking schema", "SET search_path = public", "SELECT * FROM customers");
        refused(out, "set role to the admin", "SET ROLE " + fixture.admin);
        refused(
                out,
                "replace the masking view",
                "CREATE OR REPLACE VIEW " + vs + ".customers AS SELECT * FROM public.customers");
        refused(out, "turn off the security barrier", "ALTER VIEW customers SET (security_barrier = false)");
        refused(
                out,
                "trigger",
                "CREATE FUNCTION scratch.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " RAISE NOTICE '%', NEW.email; RETURN NEW; END $$",
                "CREATE TRIGGER t BEFORE UPDATE ON public.customers FOR EACH ROW EXECUTE FUNCTION scratch.trg()");
        refused(out, "rule", "CREATE RULE r AS ON UPDATE TO public.customers DO ALSO NOTIFY x");
        refused(out, "index", "CREATE INDEX ON public.customers (email)");
        refused(out, "extended statistics", "CREATE STATISTICS scratch.s1 ON email, ssn FROM public.customers");
        refused(out, "the key table", "SELECT * FROM " + fs + ".key");
        refused(out, "the masking functions", "SELECT " + fs + ".partial('x')");
        refused(out, "pg_statistic", "SELECT * FROM pg_statistic");
        refused(
                out,
                "the table's TOAST table",
                "DO $$ DECLARE t text; r record; BEGIN SELECT reltoastrelid::regclass::text"
                        + " INTO t FROM pg_class WHERE oid = 'public.customers'::regclass; FOR r IN EXECUTE 'SELECT * FROM ' || t LOOP"
                        + " RAISE NOTICE '%', r; END LOOP; END $$");
        // Oracles that remain with ReadWrite: the agent's own guesses, confirmed by an error or a hash.
        failing(
                out,
                "a unique violation confirms a guessed email exists (no detail shows it)",
                "INSERT INTO public.customers (id, name, email) VALUES (6000, 'guess', 'alice.secret+2@example.com')");
        masked(
                out,
                "a guessed value inserted shows the same hash as the row that holds it",
                "INSERT INTO public.customers (id, name, ssn) VALUES (6001, 'guess', '123-45-6789')",
                "SELECT count(DISTINCT ssn) FROM customers WHERE id IN (1, 6001)");
        empty(
                out,
                "statistics of masked columns",
                "SELECT * FROM pg_stats WHERE tablename = 'customers'"
                        + " AND attname IN ('email', 'ssn', 'phone', 'born')");
        empty(
                out,
                "statistics of an expression index on a masked column",
                "SELECT * FROM pg_stats WHERE tablename = 'customers_lower_email'");
        empty(
                out,
                "statistics of partitions and children",
                "SELECT * FROM pg_stats WHERE attname IN ('customer_email', 'secret')");
        empty(
                out,
                "statistics of the application's materialized view",
                "SELECT * FROM pg_stats WHERE tablename = 'customer_emails'");
        empty(out, "extended statistics", "SELECT * FROM pg_stats_ext");
        empty(out, "extended statistics of expressions", "SELECT * FROM pg_stats_ext_exprs");
        empty(out, "statistics of the key table", "SELECT * FROM pg_stats WHERE tablename = 'key'");
        return out;
    }

    /** A function of the agent's that takes the place of a pg_catalog one on the search_path and shouts its argument. */
    private static String shadow(String signature, String returns) {
        String name = signature.substring(0, signature.indexOf('('));
        return "CREATE FUNCTION scratch." + signature + " RETURNS " + returns + " LANGUAGE plpgsql AS $$ BEGIN"
                + " RAISE NOTICE '" + name.replace("\"", "") + " saw %', $1; RETURN NULL; END $$";
    }

    private static void masked(List<Attempt> out, String name, String... statements) {
        out.add(new Attempt(name, Expect.MASKED, Arrays.asList(statements)));
    }

    private static void empty(List<Attempt> out, String name, String... statements) {
        out.add(new Attempt(name, Expect.EMPTY, Arrays.asList(statements)));
    }

    private static void refused(List<Attempt> out, String name, String... statements) {
        out.add(new Attempt(name, Expect.REFUSED, Arrays.asList(statements)));
    }

    private static void failing(List<Attempt> out, String name, String... statements) {
        out.add(new Attempt(name, Expect.FAILS, Arrays.asList(statements)));
    }

    private static void runs(List<Attempt> out, String name, String... statements) {
        out.add(new Attempt(name, Expect.RUNS, Arrays.asList(statements)));
    }
}
