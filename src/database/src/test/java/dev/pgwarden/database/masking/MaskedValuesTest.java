package dev.pgwarden.database.masking;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.testkit.Queries;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every strategy on every type family, read by the agent through the masking views, gives what the
 * proxy gives for the same value: the view's text equals {@link ProxyMasking}'s masking of the
 * table's text, and the columns keep their names and types.
 */
class MaskedValuesTest {
    /** Column name and type; each table has them all, masked with the table's strategy. */
    private static final Map<String, String> COLUMNS = new LinkedHashMap<>();

    static {
        COLUMNS.put("c_text", "text");
        COLUMNS.put("c_varchar5", "varchar(5)");
        COLUMNS.put("c_varchar200", "varchar(200)");
        COLUMNS.put("c_char12", "char(12)");
        COLUMNS.put("c_name", "name");
        COLUMNS.put("c_json", "json");
        COLUMNS.put("c_jsonb", "jsonb");
        COLUMNS.put("c_int2", "int2");
        COLUMNS.put("c_int4", "int4");
        COLUMNS.put("c_int8", "int8");
        COLUMNS.put("c_uuid", "uuid");
        COLUMNS.put("c_bytea", "bytea");
        COLUMNS.put("c_numeric", "numeric(10,2)");
        COLUMNS.put("c_date", "date");
        COLUMNS.put("c_textarr", "text[]");
    }

    private static final String[] ROWS = {
        "(1, 'alice.secret@example.com', 'ab@cd', '123-45-6789', 'abc', 'bob@host.org', '{\"email\": \"x@y.z\"}',"
                + " '{\"email\": \"x@y.z\"}', 12345, -123456789, 1234567890123, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',"
                + " '\\xdeadbeef', 12.34, '2024-01-02', '{a,b}')",
        "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
        // Characters, not bytes; the last '@' that has a character on both sides; a full char(12).
        "(3, 'Ünïcødé-Çüñé', 'a@b@', 'short', 'abcdefghijkl', '@lead', '[1, 2]', '[1, 2]', -1, 0, -9,"
                + " '00000000-0000-0000-0000-000000000000', '\\x', 0, '1999-12-31', '{}')",
        "(4, 'x@y', 'a@', 'back\\slash@x', 'with space @', 'trailing@', '\"s\"', '\"s\"', -32768, 2147483647,"
                + " -9223372036854775808, 'ffffffff-ffff-ffff-ffff-ffffffffffff', '\\x00ff', -1.5, '2000-02-29', '{\"a b\"}')",
        "(5, '@@x', '@x', 'ab@@', '@abc', 'a@b@c@', '{}', '{}', 7, 8, 9, '12345678-1234-1234-1234-123456789abc',"
                + " '\\x41', 1, '2001-01-01', '{x}')",
        "(6, 'ü@ñ.de', 'é@', 'ÜÜÜÜÜÜÜÜÜÜ', 'ñ@x', '日本語のテキストです', 'null', 'null', 1, 2, 3,"
                + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '\\x5c78', 2, '2002-02-02', NULL)",
    };

    private static MaskingFixture fixture;
    private static MaskingReport report;

    @BeforeAll
    static void createTables() throws SQLException {
        fixture = new MaskingFixture("mask_values");
        List<ColumnMask> masks = new ArrayList<>();
        try (Connection c = fixture.admin();
                Statement s = c.createStatement()) {
            for (MaskStrategy strategy : MaskStrategy.values()) {
                String table = table(strategy);
                StringBuilder ddl = new StringBuilder("CREATE TABLE " + table + " (id int PRIMARY KEY");
                COLUMNS.forEach((name, type) ->
                        ddl.append(", ").append(name).append(' ').append(type));
                s.execute(ddl.append(')').toString());
                s.execute("INSERT INTO " + table + " VALUES " + String.join(", ", ROWS));
                masks.addAll(
                        MaskingFixture.masks(table, strategy, COLUMNS.keySet().toArray(String[]::new)));
            }
            s.execute(
                    "CREATE COLLATION case_blind (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
            s.execute(
                    "CREATE TABLE values_collated (id int, email text COLLATE case_blind, ssn varchar(20) COLLATE case_blind)");
            s.execute(
                    "INSERT INTO values_collated VALUES (1, 'Alice.Secret@Example.com', '123-45-6789'), (2, 'a@b@', 'X')");
            masks.add(MaskingFixture.mask("values_collated", "email", MaskStrategy.PARTIAL));
            masks.add(MaskingFixture.mask("values_collated", "ssn", MaskStrategy.HASH));
            s.execute("GRANT USAGE ON SCHEMA public TO " + fixture.group);
            s.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + fixture.group);
        }
        report = fixture.apply(fixture.policy(AccessMode.ReadOnly, masks.toArray(ColumnMask[]::new)));
        assertThat(report.problems()).isEmpty();
    }

    private static String table(MaskStrategy strategy) {
        return "values_" + strategy.name().toLowerCase(Locale.ROOT);
    }

    @Test
    void everyStrategyOnEveryTypeGivesWhatTheProxyGives() throws SQLException {
        ProxyMasking proxy = new ProxyMasking(MaskingFixture.SECRET, MaskingFixture.POLICY);
        SoftAssertions softly = new SoftAssertions();
        int compared = 0;
        try (Connection admin = fixture.admin();
                Connection agent = fixture.agent(report)) {
            for (MaskStrategy strategy : MaskStrategy.values()) {
                String query = "SELECT * FROM " + table(strategy) + " ORDER BY id";
                List<Map<String, String>> raw = rows(admin, "SELECT * FROM public." + table(strategy) + " ORDER BY id");
                List<Map<String, String>> masked = rows(agent, query);
                Map<String, String> types = types(admin, table(strategy));
                assertThat(masked).hasSameSizeAs(raw);
                for (int i = 0; i < raw.size(); i++) {
                    softly.assertThat(masked.get(i).get("id"))
                            .isEqualTo(raw.get(i).get("id"));
                    for (String column : COLUMNS.keySet()) {
                        String value = raw.get(i).get(column);
                        String expected = value == null ? null : proxy.mask(strategy, types.get(column), value);
                        softly.assertThat(masked.get(i).get(column))
                                .as(
                                        "%s %s row %s (%s)",
                                        strategy, column, raw.get(i).get("id"), value)
                                .isEqualTo(expected);
                        compared++;
                    }
                }
            }
        }
        softly.assertAll();
        assertThat(compared).isEqualTo(MaskStrategy.values().length * ROWS.length * COLUMNS.size());
    }

    /**
     * A nondeterministic collation makes PostgreSQL refuse pattern matching and substring searches
     * on a column; masking must work on it all the same, and masked values keep the column's
     * collation (they compare case-blind).
     */
    @Test
    void columnsWithANondeterministicCollation() throws SQLException {
        ProxyMasking proxy = new ProxyMasking(MaskingFixture.SECRET, MaskingFixture.POLICY);
        try (Connection agent = fixture.agent(report)) {
            assertThat(rows(agent, "SELECT email, ssn FROM values_collated ORDER BY id"))
                    .containsExactly(
                            Map.of(
                                    "email",
                                    "****@Example.com",
                                    "ssn",
                                    proxy.mask(MaskStrategy.HASH, "text", "123-45-6789")),
                            Map.of("email", "****@b@", "ssn", proxy.mask(MaskStrategy.HASH, "text", "X")));
            assertThat(Queries.one(agent, "SELECT count(*) FROM values_collated WHERE email = '****@EXAMPLE.COM'"))
                    .isEqualTo("1");
        }
    }

    /** The README's examples, spelled out, so that a shared mistake of both implementations shows. */
    @Test
    void theDocumentedFormats() throws SQLException {
        try (Connection agent = fixture.agent(report);
                Statement s = agent.createStatement()) {
            try (ResultSet rs =
                    s.executeQuery("SELECT p.c_text, p.c_varchar200, p.c_varchar5, p.c_char12, r.c_varchar5,"
                            + " r.c_jsonb::text, r.c_int4, h.c_text, h.c_json, n.c_text FROM values_partial p, values_redact r,"
                            + " values_hash h, values_null n WHERE p.id = 1 AND r.id = 1 AND h.id = 1 AND n.id = 1")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("****@example.com");
                assertThat(rs.getString(2)).isEqualTo("****6789");
                assertThat(rs.getString(3)).isEqualTo("****@cd");
                assertThat(rs.getString(4))
                        .as("char(12) 'abc' is 'abc' and nine spaces on the wire")
                        .isEqualTo("****    ");
                assertThat(rs.getString(5)).as("varchar(5) is not truncated").isEqualTo("[redacted]");
                assertThat(rs.getString(6)).isEqualTo("\"[redacted]\"");
                assertThat(rs.getString(7)).isNull();
                assertThat(rs.getString(8)).matches("hmac:[0-9a-f]{24}");
                assertThat(rs.getString(9)).isNull();
                assertThat(rs.getString(10)).isNull();
            }
        }
    }

    @Test
    void hashOfByteaDoesNotDependOnTheSessionsByteaOutput() throws SQLException {
        try (Connection agent = fixture.agent(report)) {
            String hex = Queries.one(agent, "SELECT encode(c_bytea, 'hex') FROM values_hash WHERE id = 1");
            MaskingFixture.sql(agent, "SET bytea_output = 'escape'");
            assertThat(Queries.one(agent, "SELECT encode(c_bytea, 'hex') FROM values_hash WHERE id = 1"))
                    .isEqualTo(hex);
        }
    }

    /** Same names, same order, same types (less a length modifier) as the table: clients see no difference. */
    @Test
    void theViewsColumnsAreTheTablesColumns() throws SQLException {
        try (Connection admin = fixture.admin();
                Connection agent = fixture.agent(report);
                ResultSet direct = admin.createStatement().executeQuery("SELECT * FROM public.values_hash");
                ResultSet viewed = agent.createStatement().executeQuery("SELECT * FROM values_hash")) {
            ResultSetMetaData d = direct.getMetaData();
            ResultSetMetaData v = viewed.getMetaData();
            assertThat(v.getColumnCount()).isEqualTo(d.getColumnCount()).isEqualTo(COLUMNS.size() + 1);
            for (int i = 1; i <= d.getColumnCount(); i++) {
                assertThat(v.getColumnLabel(i)).isEqualTo(d.getColumnLabel(i));
                assertThat(v.getColumnName(i)).isEqualTo(d.getColumnName(i));
                assertThat(v.getColumnTypeName(i)).as(d.getColumnLabel(i)).isEqualTo(d.getColumnTypeName(i));
                assertThat(v.getColumnType(i)).as(d.getColumnLabel(i)).isEqualTo(d.getColumnType(i));
            }
        }
    }

    private static List<Map<String, String>> rows(Connection c, String sql) throws SQLException {
        List<Map<String, String>> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getString(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    /** Column types as format_type names them without a modifier. */
    private static Map<String, String> types(Connection c, String table) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'public."
                                + table + "'::regclass AND attnum > 0")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }
}
