package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.database.masking.ColumnMask;
import dev.pgwarden.database.masking.MaskKey;
import dev.pgwarden.database.masking.MaskingPolicy;
import dev.pgwarden.database.masking.MaskingReport;
import dev.pgwarden.database.masking.MaskingViews;
import dev.pgwarden.sidecar.upstream.Transport;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import dev.pgwarden.testkit.TestPostgres;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both walls at once: the agent's role reads masked tables only through pgwarden's masking views
 * (PostgreSQL enforces it), and the proxy masks what reaches the client on top. Values keep the
 * formats of proxy-only masking, are not masked twice, and no query shape brings a raw value back.
 */
class TwoWallsMaskingTest {
    private static final String DB = "two_walls";
    private static final String ADMIN = "two_walls_admin";
    private static final String GROUP = "pgw_two_walls_group";
    private static final String AGENT = "pgw_two_walls_group_login";
    private static final String PASSWORD = "Two-Walls-Passw0rd";
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: two-walls}
      spec:
        access: {mode: ReadWrite}
        masking:
          - columns: [public.customers.email]
            strategy: partial
          - columns: [public.customers.ssn]
            strategy: hash
        onUnparseable: Deny
      """;
    private static final List<String> SECRETS =
            List.of("alice.hidden@example.com", "bob.private@example.org", "123-45-6789", "987-65-4321");
    private static ProxyFixture proxy;
    private static MaskingReport report;

    @BeforeAll
    static void twoWalls() throws Exception {
        TestPostgres pg = TestPostgres.shared();
        try (Connection c = pg.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
            for (String role : List.of(AGENT, GROUP, ADMIN)) {
                s.execute("DROP ROLE IF EXISTS " + role);
            }
            s.execute("CREATE ROLE " + ADMIN + " LOGIN CREATEROLE PASSWORD '" + PASSWORD + "'");
            s.execute("CREATE ROLE " + GROUP + " NOLOGIN");
            s.execute("CREATE ROLE " + AGENT + " LOGIN PASSWORD '" + PASSWORD + "' IN ROLE " + GROUP);
            s.execute("CREATE DATABASE " + DB + " OWNER " + ADMIN);
        }
        try (Connection c = pg.superuser(DB);
                Statement s = c.createStatement()) {
            s.execute("ALTER SCHEMA public OWNER TO " + ADMIN);
        }
        try (Connection c = connect(ADMIN);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE customers (id int PRIMARY KEY, name text, email text, ssn text)");
            s.execute("INSERT INTO customers VALUES (1, 'Alice', 'alice.hidden@example.com', '123-45-6789'),"
                    + " (2, 'Bob', 'bob.private@example.org', '987-65-4321')");
            s.execute("CREATE TABLE orders (id int, customer_id int, total numeric)");
            s.execute("INSERT INTO orders VALUES (10, 1, 9.5), (11, 2, 20)");
            s.execute("ANALYZE");
            // Runs as its caller, whose search path finds the masking view first: the masked value.
            s.execute("CREATE FUNCTION email_of(i int) RETURNS text LANGUAGE sql STABLE AS"
                    + " 'SELECT email FROM customers WHERE id = i'");
            s.execute("GRANT USAGE ON SCHEMA public TO " + GROUP);
            s.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON orders TO " + GROUP);
            byte[] secret = Files.readAllBytes(ProxyFixture.MASK_KEY);
            report = MaskingViews.apply(
                    c,
                    new MaskingPolicy(
                            GROUP,
                            AccessMode.ReadWrite,
                            List.of("public"),
                            List.of(
                                    new ColumnMask("public", "customers", "email", MaskStrategy.PARTIAL),
                                    new ColumnMask("public", "customers", "ssn", MaskStrategy.HASH)),
                            Optional.of(MaskKey.derive(secret, "two-walls"))));
            assertThat(report.problems()).isEmpty();
            // Runs as the admin, who reads the table itself: the raw value. (The operator's next pass
            // reports it as Degraded; the proxy must stand on its own meanwhile.)
            s.execute("CREATE FUNCTION email_as_owner(i int) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER AS"
                    + " 'SELECT email FROM public.customers WHERE id = i'");
        }
        try (Connection c = pg.superuser(DB);
                Statement s = c.createStatement()) {
            // As the operator sets it on every login it mints.
            s.execute("ALTER ROLE " + AGENT + " SET search_path TO " + report.searchPathSetting());
        }
        proxy = new ProxyFixture(
                new UpstreamConfig(pg.host(), pg.port(), DB, AGENT, PASSWORD, SslMode.DISABLE, null),
                16 * 1024 * 1024,
                Duration.ofSeconds(10),
                Transport.select("auto"),
                POLICY,
                null);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static Connection connect(String role) throws SQLException {
        TestPostgres pg = TestPostgres.shared();
        return DriverManager.getConnection(
                "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + DB, role, PASSWORD);
    }

    private static Connection agent(ClientMode mode) throws SQLException {
        Properties p = new Properties();
        p.putAll(
                switch (mode) {
                    case SIMPLE -> java.util.Map.of("preferQueryMode", "simple");
                    case EXTENDED_TEXT -> java.util.Map.of("prepareThreshold", "5", "binaryTransfer", "false");
                    case EXTENDED_BINARY -> java.util.Map.of("prepareThreshold", "-1", "binaryTransfer", "true");
                });
        return proxy.connect(p);
    }

    @ParameterizedTest
    @EnumSource(ClientMode.class)
    void maskedValuesKeepTheirFormatsAndAreMaskedOnce(ClientMode mode) throws Exception {
        try (Connection c = agent(mode);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, name, email, ssn FROM customers ORDER BY id")) {
            assertThat(rs.getMetaData().getColumnName(3)).isEqualTo("email");
            assertThat(rs.getMetaData().getColumnTypeName(3)).isEqualTo("text");
            List<List<String>> rows = ClientMode.read(rs);
            assertThat(rows.get(0).subList(0, 3)).containsExactly("1", "Alice", "****@example.com");
            assertThat(rows.get(1).get(2)).isEqualTo("****@example.org");
            // The database's hash of the raw value, as the proxy alone would give it (not a hash of a hash).
            assertThat(rows.get(0).get(3)).isEqualTo(proxyHash("123-45-6789"));
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT upper(email), reverse(email), md5(email), encode(email::bytea, 'hex') FROM customers",
                "SELECT column1 FROM customers, LATERAL (VALUES (email)) v",
                "SELECT j.key, j.value FROM customers c, jsonb_each_text(to_jsonb(c)) j",
                "SELECT row_to_json(c)::text FROM customers c",
                "SELECT c::text FROM customers c",
                "SELECT string_agg(email || ssn, ',') FROM customers",
                "WITH x AS (SELECT email AS e FROM customers) SELECT e FROM x",
                "SELECT (SELECT email FROM customers ORDER BY id LIMIT 1) AS hidden",
                "SELECT btrim(email), lower(ssn) FROM customers",
                "SELECT email::int FROM customers",
                "SELECT ssn::date FROM customers",
                "SELECT most_common_vals::text, histogram_bounds::text FROM pg_stats WHERE tablename = 'customers'",
                "SELECT * FROM customers WHERE email LIKE 'alice%'",
                "SELECT email FROM public.customers",
                "SELECT * FROM public.customers",
                "SELECT id FROM public.customers WHERE email = 'alice.hidden@example.com'",
                "COPY (SELECT email FROM customers) TO STDOUT",
            })
    void noQueryShapeBringsARawValueBack(String sql) throws Exception {
        for (ClientMode mode : ClientMode.values()) {
            String seen;
            try (Connection c = agent(mode);
                    Statement s = c.createStatement()) {
                StringBuilder out = new StringBuilder();
                try {
                    if (s.execute(sql)) {
                        for (List<String> row : ClientMode.read(s.getResultSet())) {
                            out.append(row).append('\n');
                        }
                    }
                } catch (SQLException e) {
                    out.append(e.getSQLState()).append(' ').append(e.getMessage());
                }
                seen = out.toString();
            }
            for (String secret : SECRETS) {
                for (String form : forms(secret)) {
                    assertThat(seen.toLowerCase(Locale.ROOT))
                            .as("%s (%s) shows %s", sql, mode, secret)
                            .doesNotContain(form.toLowerCase(Locale.ROOT));
                }
            }
        }
    }

    @Test
    void theBaseTableRefusesTheMaskedColumnsAndServesTheOthers() throws Exception {
        try (Connection c = agent(ClientMode.EXTENDED_TEXT);
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT id, name FROM public.customers ORDER BY id")) {
                assertThat(ClientMode.read(rs)).containsExactly(List.of("1", "Alice"), List.of("2", "Bob"));
            }
            try {
                s.executeQuery("SELECT email FROM public.customers");
                throw new AssertionError("the agent's role read a masked column of the table");
            } catch (SQLException e) {
                assertThat(e.getSQLState()).isEqualTo("42501");
            }
            try (ResultSet rs =
                    s.executeQuery("SELECT o.total, c.email FROM orders o JOIN customers c ON c.id = o.customer_id"
                            + " ORDER BY o.id")) {
                assertThat(ClientMode.read(rs).get(0)).containsExactly("9.5", "****@example.com");
            }
        }
    }

    /**
     * A function that runs as its caller reads through the masking views, so its result is a masked
     * value PostgreSQL made and pgwarden passes it as is; a SECURITY DEFINER function reads the
     * table as its owner, so pgwarden refuses it by name rather than guess which results to mask.
     */
    @ParameterizedTest
    @EnumSource(ClientMode.class)
    void userFunctionsAreJudgedByWhoseRightsTheyRunWith(ClientMode mode) throws Exception {
        try (Connection c = agent(mode);
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT email_of(1)")) {
                assertThat(ClientMode.read(rs)).containsExactly(List.of("****@example.com"));
            }
            for (String sql : List.of(
                    "SELECT email_as_owner(1)",
                    "SELECT * FROM email_as_owner(2)",
                    "SELECT id FROM orders WHERE email_as_owner(customer_id) LIKE 'alice%'")) {
                try {
                    s.executeQuery(sql);
                    throw new AssertionError(sql + " ran");
                } catch (SQLException e) {
                    assertThat(e.getSQLState()).as(sql).isEqualTo("42501");
                    assertThat(e.getMessage()).as(sql).contains("email_as_owner() reads public.customers");
                    for (String secret : SECRETS) {
                        assertThat(e.getMessage()).doesNotContain(secret);
                    }
                }
            }
        }
    }

    /** The secret as it may be dressed up: as is, reversed, in hex, base64, digits only. */
    private static List<String> forms(String secret) {
        List<String> out = new ArrayList<>(List.of(
                secret,
                new StringBuilder(secret).reverse().toString(),
                HexFormat.of().formatHex(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                Base64.getEncoder().encodeToString(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        String digits = secret.replaceAll("[^0-9]", "");
        if (digits.length() >= 6) {
            out.add(digits);
        }
        out.add(secret.substring(0, secret.indexOf('@') > 0 ? secret.indexOf('@') : secret.length()));
        return out;
    }

    /** The proxy's hash of a text value: HMAC-SHA256 with the policy key, 'hmac:' and 24 hex digits. */
    private static String proxyHash(String value) throws Exception {
        byte[] secret = Files.readAllBytes(ProxyFixture.MASK_KEY);
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
        byte[] policyKey = mac.doFinal("pgwarden-mask/two-walls".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        mac.init(new javax.crypto.spec.SecretKeySpec(policyKey, "HmacSHA256"));
        byte[] digest = mac.doFinal(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return "hmac:" + HexFormat.of().formatHex(digest, 0, 12);
    }
}
