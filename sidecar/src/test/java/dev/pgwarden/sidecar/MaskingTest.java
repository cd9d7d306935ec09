package dev.pgwarden.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgwarden.testkit.SecretDetector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

/**
 * Masking through the proxy with pgjdbc, in the simple protocol and in the extended protocol with
 * text and with binary results, against embedded PostgreSQL. Every strategy, then a bypass suite:
 * whatever the SQL, the raw values never appear in what the agent receives (rows, errors,
 * notices) nor in the audit log.
 */
class MaskingTest {
    static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: masking}
      spec:
        access: {mode: ReadWrite}
        masking:
          - columns: [mask_t.customers.email]
            strategy: partial
          - columns: [mask_t.customers.ssn]
            strategy: redact
          - columns: [mask_t.customers.card, mask_t.customers.phone, mask_t.customers.ref]
            strategy: hash
          - columns: [mask_t.customers.birth]
            strategy: "null"
          - columns: [mask_t.vault.code]
            strategy: redact
            denyPredicates: true
        onUnparseable: Deny
      """;

    /** Every value that must never reach the agent in clear. */
    static final List<String> SECRETS = List.of(
            "alice.secret",
            "bob.hidden",
            "123-45-6789",
            "987-65-4321",
            "4111111111111111",
            "5500000000000004",
            "15551234567",
            "15559876543",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "1980-02-03",
            "TOPSECRETCODE");

    static ProxyFixture f;

    @BeforeAll
    static void start() throws SQLException {
        try (Connection c = TestPostgres().superuser("app");
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS mask_t CASCADE");
            s.execute("CREATE SCHEMA mask_t AUTHORIZATION " + dev.pgwarden.testkit.TestPostgres.SCRAM_USER);
            s.execute("SET ROLE " + dev.pgwarden.testkit.TestPostgres.SCRAM_USER);
            s.execute("CREATE TABLE mask_t.customers (id int PRIMARY KEY, name text, email text UNIQUE, ssn text,"
                    + " card varchar(19), phone bigint, ref uuid, birth date)");
            s.execute("INSERT INTO mask_t.customers VALUES"
                    + " (1, 'Alice', 'alice.secret@example.com', '123-45-6789', '4111111111111111', 15551234567,"
                    + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1980-02-03'),"
                    + " (2, 'Bob', 'bob.hidden@corp.example', '987-65-4321', '5500000000000004', 15559876543, NULL, NULL),"
                    + " (3, 'Carol', NULL, NULL, '4111111111111111', NULL, NULL, NULL)");
            s.execute("CREATE TABLE mask_t.vault (id int, code text)");
            s.execute("INSERT INTO mask_t.vault VALUES (1, 'TOPSECRETCODE')");
            s.execute("CREATE TABLE mask_t.notes (id int, body text)");
            s.execute(
                    "CREATE VIEW mask_t.contacts AS SELECT id, name, email AS contact, upper(ssn) AS tax FROM mask_t.customers");
            s.execute("CREATE TABLE mask_t.part (id int, email text) PARTITION BY RANGE (id)");
            s.execute("CREATE TABLE mask_t.part_1 PARTITION OF mask_t.part FOR VALUES FROM (0) TO (100)");
            s.execute("INSERT INTO mask_t.part VALUES (1, 'alice.secret@example.com')");
            s.execute("CREATE FUNCTION mask_t.email_of(i int) RETURNS text LANGUAGE sql AS"
                    + " 'SELECT email FROM mask_t.customers WHERE id = i'");
            s.execute("CREATE FUNCTION mask_t.shout(t text) RETURNS text LANGUAGE plpgsql AS"
                    + " $$ BEGIN RAISE NOTICE 'value is %', t; RETURN t; END $$");
            s.execute("CREATE FUNCTION mask_t.code_of(i int) RETURNS text LANGUAGE plpgsql AS"
                    + " $$ BEGIN RETURN (SELECT code FROM mask_t.vault WHERE id = i); END $$");
            s.execute("CREATE FUNCTION mask_t.lookup(t text) RETURNS text LANGUAGE plpgsql AS"
                    + " $$ DECLARE r text; BEGIN EXECUTE 'SELECT ' || t INTO r; RETURN r; END $$");
            s.execute("CREATE FUNCTION mask_t.via(i int) RETURNS text LANGUAGE sql AS 'SELECT mask_t.email_of(i)'");
            s.execute("CREATE FUNCTION mask_t.note_of(i int) RETURNS text LANGUAGE sql AS"
                    + " 'SELECT body FROM mask_t.notes WHERE id = i'");
            s.execute(
                    "CREATE FUNCTION mask_t.twice(i int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN i * 2; END $$");
        }
        f = new ProxyFixture(
                POLICY.replace("mask_t.customers.email]", "mask_t.customers.email, mask_t.part.email]"), null);
    }

    private static dev.pgwarden.testkit.TestPostgres TestPostgres() {
        return dev.pgwarden.testkit.TestPostgres.shared();
    }

    @AfterAll
    static void stop() throws SQLException {
        if (f != null) {
            String audit = f.auditText();
            f.close();
            DETECTOR.assertAbsent("the audit log", audit);
        }
    }

    static Connection connect(ClientMode mode) throws SQLException {
        return mode.connect(f);
    }

    /** Every value of every row, as the client decoded it. */
    static List<List<String>> rows(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            return read(rs);
        }
    }

    static List<List<String>> read(ResultSet rs) throws SQLException {
        return ClientMode.read(rs);
    }

    /** The secrets in every form a leak takes: any case, reversed, hex, base64, digests, bare digits. */
    static final SecretDetector DETECTOR = SecretDetector.of(SECRETS);

    static void assertNoSecret(Object anything) {
        DETECTOR.assertAbsent("the client's view", anything);
    }

    /**
     * Every value is one a mask produces: NULL, {@code [redacted]} (a JSON string in json), an
     * {@code hmac:} hash or a hashed number, or a partial {@code ****...}; or, for the columns named
     * in {@code clear}, anything.
     */
    static void assertMasked(String sql, List<List<String>> rows) {
        for (List<String> row : rows) {
            for (String v : row) {
                assertTrue(
                        v == null
                                || v.equals("[redacted]")
                                || v.equals("\"[redacted]\"")
                                || v.matches("hmac:[0-9a-f]{24}")
                                || v.matches("-?[0-9]+")
                                || v.startsWith("****"),
                        sql + ": not a masked value: " + v + " in " + rows);
            }
        }
    }

    static SQLException refused(Connection c, String sql) {
        SQLException e = assertThrows(SQLException.class, () -> rows(c, sql), sql);
        assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
        assertNoSecret(e.getMessage());
        return e;
    }

    // ---------------------------------------------------------------- strategies

    @ParameterizedTest
    @EnumSource(ClientMode.class)
    void everyStrategyKeepsTheShapeOfTheResult(ClientMode mode) throws SQLException {
        try (Connection c = connect(mode)) {
            for (int round = 0; round < 6; round++) { // past pgjdbc's prepareThreshold: server-prepared too
                List<List<String>> rows = rows(
                        c, "SELECT id, name, email, ssn, card, phone, ref, birth FROM mask_t.customers ORDER BY id");
                assertEquals(3, rows.size());
                List<String> alice = rows.get(0);
                assertEquals("Alice", alice.get(1), "unmasked columns pass");
                assertEquals("****@example.com", alice.get(2), "partial keeps an email's domain");
                assertEquals("[redacted]", alice.get(3));
                assertTrue(alice.get(4).matches("hmac:[0-9a-f]{24}"), alice.get(4));
                assertNotEquals("15551234567", alice.get(5));
                Long.parseLong(alice.get(5)); // still a bigint
                java.util.UUID.fromString(alice.get(6)); // still a uuid
                assertNull(alice.get(7), "null strategy");
                assertEquals("****@corp.example", rows.get(1).get(2));
                assertNull(rows.get(2).get(2), "NULL stays NULL");
                assertEquals(
                        rows.get(0).get(4), rows.get(2).get(4), "hash is deterministic: equal cards, equal hashes");
                assertNoSecret(rows);
            }
        }
    }

    @Test
    void hashesAgreeAcrossProtocolsSoJoinsAndGroupingWork() throws SQLException {
        Set<String> seen = new TreeSet<>();
        for (ClientMode mode : ClientMode.values()) {
            try (Connection c = connect(mode)) {
                List<List<String>> r = rows(c, "SELECT card, phone, ref FROM mask_t.customers WHERE id = 1");
                seen.add(String.join("|", r.get(0)));
                List<List<String>> groups =
                        rows(c, "SELECT card, count(*) FROM mask_t.customers GROUP BY card ORDER BY 2 DESC");
                assertEquals(2, groups.size());
                assertEquals("2", groups.get(0).get(1));
                assertNoSecret(groups);
            }
        }
        assertEquals(1, seen.size(), "text and binary results hash alike: " + seen);
    }

    // ---------------------------------------------------------------- derived values

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT upper(email) FROM mask_t.customers",
                "SELECT email || '' AS e FROM mask_t.customers",
                "SELECT email::varchar(100), ssn::text FROM mask_t.customers",
                "SELECT substr(email, 1, 12) FROM mask_t.customers",
                "SELECT reverse(email) FROM mask_t.customers",
                "SELECT coalesce(email, 'none') FROM mask_t.customers",
                "SELECT CASE WHEN id > 0 THEN ssn END FROM mask_t.customers",
                "SELECT (SELECT email FROM mask_t.customers WHERE id = 1)",
                "SELECT x.e FROM (SELECT lower(email) AS e FROM mask_t.customers) x",
                "SELECT upper(c) FROM (SELECT * FROM mask_t.customers) s(a, b, c)",
                "SELECT upper(c) FROM (SELECT id, name, email FROM mask_t.customers) s(a, b, c)",
                "SELECT upper(u.x) FROM mask_t.customers, unnest(array[email]) AS u(x)",
                "SELECT * FROM (SELECT lower(email) AS e FROM mask_t.customers) x",
                "WITH w AS (SELECT email AS e FROM mask_t.customers) SELECT upper(e) FROM w",
                "WITH w(e) AS (SELECT email FROM mask_t.customers) SELECT e || '!' FROM w",
                "SELECT name FROM mask_t.customers UNION ALL SELECT email FROM mask_t.customers",
                "SELECT unnest(array[email, ssn]) FROM mask_t.customers",
                "SELECT u FROM mask_t.customers, unnest(array[email]) AS u",
                "SELECT json_build_object('e', email)::text FROM mask_t.customers",
                "SELECT to_json(email) FROM mask_t.customers",
                "SELECT string_agg(email, ',') FROM mask_t.customers",
                "SELECT array_agg(ssn)::text FROM mask_t.customers",
                "SELECT max(phone) + 0, min(card) FROM mask_t.customers",
                "SELECT format('%s', email) FROM mask_t.customers",
                "SELECT encode(convert_to(email, 'UTF8'), 'hex') FROM mask_t.customers",
                "SELECT contact, tax, upper(contact) FROM mask_t.contacts",
                "SELECT email FROM mask_t.part_1",
                "SELECT upper(email) FROM mask_t.part",
                "VALUES ((SELECT ssn FROM mask_t.customers WHERE id = 1))",
                "SELECT mask_t.shout(email) FROM mask_t.customers",
                "SELECT mask_t.shout(name) || ssn FROM mask_t.customers",
                "SELECT ref::text, birth::text FROM mask_t.customers",
            })
    void derivedValuesAreMaskedWhole(String sql) throws SQLException {
        for (ClientMode mode : ClientMode.values()) {
            try (Connection c = connect(mode)) {
                List<List<String>> rows = rows(c, sql);
                assertFalse(rows.isEmpty(), sql);
                assertNoSecret(rows);
                assertMasked(sql, rows);
                assertNoSecret(warnings(c));
            }
        }
    }

    /**
     * A user function runs with the values in the tables, not the masked ones: when it may return
     * masked values (it reads a masked table, runs dynamic SQL, calls such a function, or its body
     * cannot be read), masking what it returns would be a silently wrong answer, so it is refused
     * by name, in every protocol and wherever it is called.
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT mask_t.email_of(1)",
                "SELECT mask_t.email_of(id) AS plain_looking FROM mask_t.notes RIGHT JOIN (VALUES (1)) v(id) USING (id)",
                "SELECT * FROM mask_t.email_of(2)",
                "SELECT id FROM mask_t.notes WHERE mask_t.email_of(id) IS NOT NULL",
                "SELECT MASK_T.\"email_of\"(1)",
                "SELECT mask_t.code_of(1)",
                "SELECT mask_t.lookup('1')",
                "SELECT mask_t.via(1)",
                "WITH x AS (SELECT mask_t.via(1) AS v) SELECT v FROM x",
            })
    void userFunctionsThatMayReturnMaskedValuesAreRefusedByName(String sql) throws SQLException {
        String function = sql.contains("code_of")
                ? "code_of()"
                : sql.contains("lookup") ? "lookup()" : sql.contains("via") ? "via()" : "email_of()";
        for (ClientMode mode : ClientMode.values()) {
            try (Connection c = connect(mode);
                    Statement s = c.createStatement()) {
                SQLException e = assertThrows(SQLException.class, () -> s.execute(sql), sql);
                assertEquals("42501", e.getSQLState(), mode + " " + sql + ": " + e.getMessage());
                assertTrue(e.getMessage().contains(function), mode + " " + sql + ": " + e.getMessage());
                assertNoSecret(e.getMessage());
                assertNoSecret(warnings(c));
            }
        }
        assertNoSecret(f.auditText());
    }

    @Test
    void userFunctionsThatReadNoMaskedColumnReturnTheirRealResults() throws SQLException {
        try (Connection c = connect(ClientMode.EXTENDED_TEXT);
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO mask_t.notes VALUES (77, 'plain note')");
        }
        for (ClientMode mode : ClientMode.values()) {
            try (Connection c = connect(mode)) {
                assertEquals(
                        List.of(List.of("plain note", "42")),
                        rows(c, "SELECT mask_t.note_of(77), mask_t.twice(21)"),
                        mode.name());
                // Given a masked value, what it returns derives from it and is masked as any function's is.
                List<List<String>> derived = rows(
                        c, "SELECT mask_t.twice(id), mask_t.note_of(77) || email FROM mask_t.customers WHERE id = 1");
                assertEquals("2", derived.get(0).get(0), mode.name());
                assertNoSecret(derived);
                // Given an unmasked value it returns its real result; its notice (its own text) is withheld.
                assertEquals(
                        List.of(List.of("Alice")),
                        rows(c, "SELECT mask_t.shout(name) FROM mask_t.customers WHERE id = 1"),
                        mode.name());
            }
        }
        try (Connection c = connect(ClientMode.EXTENDED_TEXT);
                Statement s = c.createStatement()) {
            s.execute("DELETE FROM mask_t.notes WHERE id = 77");
        }
    }

    private static String warnings(Connection c) throws SQLException {
        StringBuilder b = new StringBuilder();
        for (var w = c.getWarnings(); w != null; w = w.getNextWarning()) {
            b.append(w.getMessage()).append('\n');
        }
        return b.toString();
    }

    @Test
    void unrelatedComputationsStayInClear() throws SQLException {
        try (Connection c = connect(ClientMode.EXTENDED_TEXT)) {
            List<List<String>> rows =
                    rows(c, "SELECT upper(name), id * 2, count(*) OVER () FROM mask_t.customers ORDER BY id");
            assertEquals(List.of("ALICE", "2", "3"), rows.get(0));
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT c FROM mask_t.customers c",
                "SELECT row_to_json(c)::text FROM mask_t.customers c",
                "SELECT c.*::text FROM mask_t.customers c",
                "SELECT to_jsonb(customers)::text FROM mask_t.customers",
                "SELECT (c).email FROM mask_t.customers c",
                "SELECT s FROM (SELECT email FROM mask_t.customers) s",
                "SELECT hstore_like FROM (SELECT row(c.*) AS hstore_like FROM mask_t.customers c) q WHERE c IS NOT NULL",
            })
    void wholeRowReferencesAreRefused(String sql) throws SQLException {
        try (Connection c = connect(ClientMode.EXTENDED_TEXT)) {
            SQLException e = assertThrows(SQLException.class, () -> rows(c, sql), sql);
            assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("ERROR: pgwarden:"), sql + ": " + e.getMessage());
            assertNoSecret(e.getMessage());
        }
    }

    @Test
    void aWholeRowRefusalTellsTheAgentWhatToWriteInstead() throws SQLException {
        try (Connection c = connect(ClientMode.SIMPLE)) {
            SQLException e = refused(c, "SELECT row_to_json(c) FROM mask_t.customers c");
            assertTrue(e.getMessage().contains("Name the columns you need"), e.getMessage());
        }
    }

    /**
     * A client that executes without describing: rows carry no column description, so pgwarden
     * describes the portal itself, and its own Describe's answer never reaches the client.
     */
    @ParameterizedTest
    @ValueSource(shorts = {0, 1})
    void executeWithoutDescribeIsMaskedAndTheInjectedDescribeIsInvisible(short format) throws Exception {
        try (RawClient c = new RawClient(f.port())) {
            c.authenticate(f.token());
            java.io.ByteArrayOutputStream bind = new java.io.ByteArrayOutputStream();
            bind.write(RawClient.cstring(""));
            bind.write(RawClient.cstring(""));
            bind.write(new byte[] {0, 0, 0, 0, 0, 1, 0, (byte) format});
            java.io.ByteArrayOutputStream execute = new java.io.ByteArrayOutputStream();
            execute.write(RawClient.cstring(""));
            execute.write(new byte[] {0, 0, 0, 0});
            java.io.ByteArrayOutputStream parse = new java.io.ByteArrayOutputStream();
            parse.write(RawClient.cstring(""));
            parse.write(RawClient.cstring("SELECT email, upper(ssn), name FROM mask_t.customers WHERE id = 1"));
            parse.write(new byte[] {0, 0});
            c.send(RawClient.typed('P', parse.toByteArray()));
            c.send(RawClient.typed('B', bind.toByteArray()));
            c.send(RawClient.typed('E', execute.toByteArray()));
            c.send(RawClient.typed('S', new byte[0]));
            StringBuilder types = new StringBuilder();
            String row = null;
            for (RawClient.Message m = c.read(); ; m = c.read()) {
                types.append(m.type());
                if (m.type() == 'D') {
                    row = new String(m.body(), java.nio.charset.StandardCharsets.UTF_8);
                }
                if (m.type() == 'Z') {
                    break;
                }
            }
            assertEquals("12DCZ", types.toString(), "the client sees exactly what it asked for");
            assertNoSecret(row);
            assertTrue(row.contains("****@example.com") && row.contains("[redacted]") && row.contains("Alice"), row);
        }
    }

    /** Rows larger than a read arrive in chunks: a masked one is gathered whole, an unmasked one streams. */
    @ParameterizedTest
    @EnumSource(ClientMode.class)
    void rowsLargerThanAReadAreMaskedWhole(ClientMode mode) throws SQLException {
        try (Connection c = connect(mode)) {
            for (int round = 0; round < 3; round++) {
                List<List<String>> rows = rows(
                        c,
                        "SELECT id, email, repeat('x', 3000000) AS big, upper(ssn)"
                                + " FROM mask_t.customers ORDER BY id");
                assertEquals("****@example.com", rows.get(0).get(1));
                assertEquals(3_000_000, rows.get(0).get(2).length());
                for (List<String> row : rows) {
                    // The filler is all x (checked without copying 3 MB into the detector's text forms).
                    assertTrue(row.get(2).chars().allMatch(ch -> ch == 'x'), "the filler changed");
                    assertNoSecret(java.util.Arrays.asList(row.get(0), row.get(1), row.get(3)));
                }
                List<List<String>> plain =
                        rows(c, "SELECT repeat('y', 2500001) || g AS big FROM generate_series(1, 3) g");
                assertEquals(2_500_002, plain.get(2).get(0).length());
                assertTrue(plain.get(2).get(0).endsWith("y3"));
            }
        }
    }

    // ---------------------------------------------------------------- other channels

    @Test
    void copyOfMaskedDataIsRefused() throws Exception {
        try (Connection c = connect(ClientMode.EXTENDED_TEXT)) {
            CopyManager copy = new CopyManager(c.unwrap(BaseConnection.class));
            for (String sql : List.of(
                    "COPY mask_t.customers TO STDOUT",
                    "COPY (SELECT upper(email) FROM mask_t.customers) TO STDOUT",
                    "COPY mask_t.contacts (contact) TO STDOUT WITH (FORMAT csv)")) {
                java.io.StringWriter out = new java.io.StringWriter();
                SQLException e = assertThrows(SQLException.class, () -> copy.copyOut(sql, out), sql);
                assertEquals("42501", e.getSQLState(), e.getMessage());
                assertTrue(
                        e.getMessage().contains("pgwarden:") && e.getMessage().contains("SELECT"), e.getMessage());
                assertNoSecret(out);
            }
            // COPY of a table without masked columns is not affected.
            java.io.StringWriter out = new java.io.StringWriter();
            copy.copyOut("COPY mask_t.notes TO STDOUT", out);
        }
    }

    @ParameterizedTest
    @EnumSource(ClientMode.class)
    void cursorsReturnMaskedRows(ClientMode mode) throws SQLException {
        try (Connection c = connect(mode)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("DECLARE cur CURSOR FOR SELECT id, email, upper(ssn) FROM mask_t.customers ORDER BY id");
                List<List<String>> first = read(s.executeQuery("FETCH 1 FROM cur"));
                List<List<String>> rest = read(s.executeQuery("FETCH ALL FROM cur"));
                assertEquals("****@example.com", first.get(0).get(1));
                assertEquals("[redacted]", first.get(0).get(2));
                assertEquals(2, rest.size());
                assertNoSecret(first);
                assertNoSecret(rest);
                s.execute("CLOSE cur");
                s.execute("DECLARE bcur BINARY CURSOR FOR SELECT email FROM mask_t.customers");
                try (ResultSet rs = s.executeQuery("FETCH ALL FROM bcur")) {
                    while (rs.next()) {
                        assertNoSecret(new String(
                                rs.getBytes(1) == null ? new byte[0] : rs.getBytes(1),
                                java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            }
            c.rollback();
        }
    }

    @ParameterizedTest
    @EnumSource(ClientMode.class)
    void returningClausesAreMasked(ClientMode mode) throws SQLException {
        try (Connection c = connect(mode)) {
            c.setAutoCommit(false);
            List<List<String>> rows =
                    rows(c, "UPDATE mask_t.customers SET name = name WHERE id = 1 RETURNING email, upper(email), ssn");
            assertEquals("****@example.com", rows.get(0).get(0));
            assertNoSecret(rows);
            rows = rows(c, "DELETE FROM mask_t.customers WHERE id = 2 RETURNING *");
            assertNoSecret(rows);
            c.rollback();
        }
    }

    @ParameterizedTest
    @EnumSource(ClientMode.class)
    void errorsAndNoticesDoNotCarryMaskedValues(ClientMode mode) throws SQLException {
        try (Connection c = connect(mode)) {
            for (String sql : List.of(
                    "SELECT email::int FROM mask_t.customers WHERE id = 1",
                    "SELECT ssn::date FROM mask_t.customers WHERE id = 1",
                    "SELECT (SELECT email FROM mask_t.customers WHERE id = 1)::uuid",
                    "SELECT 1 / 0 FROM mask_t.customers WHERE email = 'x'")) {
                SQLException e = assertThrows(SQLException.class, () -> rows(c, sql), sql);
                assertTrue(
                        e.getSQLState().startsWith("22"),
                        sql + ": a data error, not " + e.getSQLState() + " " + e.getMessage());
                assertNoSecret(e.getMessage());
                assertNoSecret(e.getNextException());
                if (e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null) {
                    assertNoSecret(p.getServerErrorMessage().getDetail());
                    assertNoSecret(p.getServerErrorMessage().getWhere());
                }
            }
            // Copying a masked value into a table is refused before it could collide with itself.
            SQLException copied = assertThrows(SQLException.class, () -> {
                try (Statement s = c.createStatement()) {
                    s.execute(
                            "INSERT INTO mask_t.customers (id, email) SELECT 99, email FROM mask_t.customers WHERE id = 1");
                }
            });
            assertEquals("42501", copied.getSQLState(), copied.getMessage());
            assertNoSecret(copied.getMessage());
            // A unique violation quotes the key in its detail: the value an agent guessed is not confirmed.
            SQLException dup = assertThrows(SQLException.class, () -> {
                try (Statement s = c.createStatement()) {
                    s.execute("INSERT INTO mask_t.customers (id, email) VALUES (98, 'bob.hidden@corp.example')");
                }
            });
            assertEquals("23505", dup.getSQLState(), dup.getMessage());
            assertNoSecret(dup.getMessage());
            // A function raising a notice with a masked value.
            rows(c, "SELECT mask_t.shout(email) FROM mask_t.customers WHERE id = 1");
            assertNoSecret(warnings(c));
        }
    }

    // ---------------------------------------------------------------- predicates and writes

    @Test
    void filteringOnAMaskedColumnWorksByDefault() throws SQLException {
        try (Connection c = connect(ClientMode.EXTENDED_TEXT);
                PreparedStatement ps = c.prepareStatement("SELECT id, email FROM mask_t.customers WHERE email = ?")) {
            ps.setString(1, "alice.secret@example.com");
            try (ResultSet rs = ps.executeQuery()) {
                List<List<String>> rows = read(rs);
                assertEquals(List.of(List.of("1", "****@example.com")), rows);
            }
        }
    }

    @Test
    void aStrictColumnRefusesPredicatesAndComputation() throws SQLException {
        try (Connection c = connect(ClientMode.EXTENDED_TEXT)) {
            assertEquals(
                    "[redacted]",
                    rows(c, "SELECT code FROM mask_t.vault").get(0).get(0));
            for (String sql : List.of(
                    "SELECT id FROM mask_t.vault WHERE code = 'TOPSECRETCODE'",
                    "SELECT id FROM mask_t.vault ORDER BY code",
                    "SELECT length(code) FROM mask_t.vault",
                    "SELECT v.id FROM mask_t.vault v JOIN mask_t.notes n ON n.body = v.code")) {
                SQLException e = refused(c, sql);
                assertTrue(e.getMessage().contains("mask_t.vault.code"), e.getMessage());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "CREATE TABLE mask_t.leak AS SELECT email FROM mask_t.customers",
                "SELECT email INTO mask_t.leak2 FROM mask_t.customers",
                "INSERT INTO mask_t.notes SELECT id, email FROM mask_t.customers",
                "INSERT INTO mask_t.notes SELECT * FROM (SELECT id, upper(ssn) FROM mask_t.customers) s",
                "UPDATE mask_t.customers SET name = email",
                "UPDATE mask_t.notes n SET body = c.ssn FROM mask_t.customers c WHERE c.id = n.id",
                "WITH m AS (INSERT INTO mask_t.notes SELECT id, email FROM mask_t.customers RETURNING 1) SELECT count(*) FROM m",
                "DO $$ BEGIN INSERT INTO mask_t.notes SELECT id, email FROM mask_t.customers; END $$",
                "CREATE FUNCTION mask_t.leak() RETURNS SETOF text LANGUAGE sql AS 'SELECT email FROM mask_t.customers'",
                "ALTER TABLE mask_t.customers RENAME COLUMN email TO e",
            })
    void copyingMaskedValuesIntoTablesIsRefused(String sql) throws SQLException {
        try (Connection c = connect(ClientMode.EXTENDED_TEXT);
                Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.execute(sql), sql);
            assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("ERROR: pgwarden:"), sql + ": " + e.getMessage());
        }
    }

    @Test
    void aViewTheAgentCreatesIsMaskedAtOnce() throws SQLException {
        try (Connection c = connect(ClientMode.EXTENDED_TEXT);
                Statement s = c.createStatement()) {
            s.execute("CREATE VIEW mask_t.agent_view AS SELECT id, email AS e, ssn AS s FROM mask_t.customers");
            List<List<String>> rows = rows(c, "SELECT e, upper(e), s FROM mask_t.agent_view ORDER BY id");
            assertNoSecret(rows);
            assertEquals("[redacted]", rows.get(0).get(0));
            c.setAutoCommit(false);
            s.execute("CREATE VIEW mask_t.agent_view2 AS SELECT email AS e FROM mask_t.customers");
            // Not committed: the catalog connection cannot see it, so every column of it is masked whole.
            assertNoSecret(rows(c, "SELECT e, lower(e) FROM mask_t.agent_view2"));
            c.rollback();
        }
    }

    // ---------------------------------------------------------------- audit

    @Test
    void theAuditNamesMaskedColumnsAndHidesLiteralsAndParameters() throws Exception {
        try (Connection c = connect(ClientMode.EXTENDED_TEXT)) {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT id FROM mask_t.customers WHERE ssn = ? AND id > 0")) {
                ps.setString(1, "123-45-6789");
                read(ps.executeQuery());
            }
            rows(c, "SELECT id FROM mask_t.customers WHERE email = 'bob.hidden@corp.example'");
        }
        JsonNode withParameter = f.awaitEvent(e -> e.path("statement").asText().contains("ssn = $1 and id > ?"));
        assertEquals("[redacted]", withParameter.path("parameters").get(0).asText());
        assertEquals("[\"mask_t.customers.ssn\"]", withParameter.path("masked").toString());
        JsonNode withLiteral = f.awaitEvent(e -> e.path("statement").asText().contains("where email = ?"));
        assertTrue(withLiteral.path("masked").toString().contains("mask_t.customers.email"));
        assertNoSecret(f.auditText());
    }
}
