package dev.pgwarden.database;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.Access;
import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicySpec;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.api.v1alpha1.MaskingRule;
import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.database.masking.MaskKey;
import dev.pgwarden.database.masking.MaskingSchemas;
import dev.pgwarden.testkit.Queries;
import dev.pgwarden.testkit.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A masked policy applied through the entry point the operator and local mode share, by an admin
 * that is no superuser (CREATEROLE, the schema owner's privileges, CREATE on the database), and
 * checked by logging in as the login it mints, with nothing but the role's own settings.
 */
class PolicyDatabaseMaskingTest {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final String ADMIN = "pgwarden_mask_admin";
    private static final String PASSWORD = "m4sk-Admin-Passw0rd";
    private static final String OWNER = "mask_app_owner";
    private static final String OUTSIDER = "mask_outsider";
    /** The mask.key the proxy would read. */
    private static final byte[] SECRET =
            "0123456789abcdef0123456789abcdef-mask-secret".getBytes(StandardCharsets.UTF_8);

    private static final MaskingRule EMAIL = rule(MaskStrategy.PARTIAL, "sales.customers.email");
    private static final MaskingRule SSN = rule(MaskStrategy.HASH, "sales.customers.ssn");
    private static TestPostgres postgres;

    private String database;
    private String policyName;
    private RoleNames names;

    @BeforeAll
    static void roles() throws SQLException {
        postgres = TestPostgres.shared();
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            if (Queries.one(c, "SELECT count(*) FROM pg_roles WHERE rolname = '" + ADMIN + "'")
                    .equals("0")) {
                s.execute("CREATE ROLE " + OWNER + " NOLOGIN");
                s.execute("CREATE ROLE " + OUTSIDER + " NOLOGIN");
                s.execute("CREATE ROLE " + ADMIN + " LOGIN CREATEROLE PASSWORD '" + PASSWORD + "'");
                s.execute("GRANT " + OWNER + " TO " + ADMIN);
            }
        }
    }

    @BeforeEach
    void database() throws SQLException {
        int n = COUNTER.incrementAndGet();
        database = "policy_masking_" + n;
        policyName = "masking-" + n;
        names = RoleNames.of("local", policyName);
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
            s.execute("GRANT CREATE ON DATABASE " + database + " TO " + ADMIN);
        }
        superuser(
                "CREATE SCHEMA sales AUTHORIZATION " + OWNER,
                "SET ROLE " + OWNER,
                "CREATE TABLE sales.customers (id int PRIMARY KEY, name text, email text, ssn text)",
                "INSERT INTO sales.customers VALUES (1, 'Alice', 'alice.secret@example.com', '123-45-6789'),"
                        + " (2, 'Bob', 'bob@example.org', '987-65-4321')",
                "CREATE TABLE sales.orders (id int, customer_id int, total numeric)",
                "INSERT INTO sales.orders VALUES (10, 1, 99.5)");
    }

    @Test
    void aLoginReadsMaskedValuesThroughItsSearchPathAndNeverTheRawColumns() throws Exception {
        Applied applied = apply(spec(AccessMode.ReadOnly, EMAIL, SSN), null);

        assertThat(applied.drift()).isEmpty();
        assertThat(applied.masking().governed()).containsExactly("\"sales\".\"customers\"");
        IssuedLogin.Minted login = (IssuedLogin.Minted) applied.login();
        try (Connection agent = login(login)) {
            assertThat(Queries.one(agent, "SHOW search_path"))
                    .as("the role's own setting, nothing set in the session")
                    .startsWith(MaskingSchemas.viewSchema(names.group(), "sales") + ", sales");
            assertThat(rows(agent, "SELECT * FROM customers ORDER BY id"))
                    .containsExactly(
                            List.of("1", "Alice", "****@example.com", hash("123-45-6789")),
                            List.of("2", "Bob", "****@example.org", hash("987-65-4321")));
            assertThat(Queries.sqlState(agent, "SELECT email FROM sales.customers"))
                    .isEqualTo("42501");
            assertThat(Queries.sqlState(agent, "SELECT * FROM sales.customers")).isEqualTo("42501");
            assertThat(rows(agent, "SELECT id, name FROM sales.customers WHERE id = 1"))
                    .containsExactly(List.of("1", "Alice"));
            assertThat(rows(agent, "SELECT * FROM orders"))
                    .as("a table no rule names is read whole")
                    .containsExactly(List.of("10", "1", "99.5"));
        }
        superuser("ANALYZE sales.customers");
        try (Connection agent = login(login)) {
            assertThat(Queries.one(
                            agent,
                            "SELECT string_agg(attname, ',' ORDER BY attname) FROM pg_stats"
                                    + " WHERE schemaname = 'sales' AND tablename = 'customers'"))
                    .as("no statistics of masked columns")
                    .isEqualTo("id,name");
        }
        try (Connection c = postgres.superuser(database)) {
            assertThat(Queries.one(
                            c,
                            "SELECT string_agg(attname, ',' ORDER BY attname) FROM pg_stats"
                                    + " WHERE schemaname = 'sales' AND tablename = 'customers'"))
                    .as("the control: they exist")
                    .isEqualTo("email,id,name,ssn");
        }
    }

    @Test
    void aSecondApplyWritesNothing() throws Exception {
        superuser("SET ROLE " + OWNER, "CREATE VIEW sales.customer_emails AS SELECT email FROM sales.customers");
        DatabaseAccessPolicySpec spec =
                spec(AccessMode.ReadWrite, EMAIL, SSN, rule(MaskStrategy.NULL, "sales.later.x"));
        Applied first = apply(spec, null);
        assertThat(first.masking().changes()).isNotEmpty();
        assertThat(first.drift()).extracting(PrivilegeDrift::kind).containsExactly(PrivilegeDrift.Kind.WITHHELD_VIEW);
        assertThat(first.drift().get(0).toString()).startsWith("\"sales\".\"customer_emails\" reads a masked table");

        try (Connection admin = admin()) {
            PolicyDatabase db = new PolicyDatabase(admin);
            admin.setAutoCommit(false);
            Applied second =
                    db.apply(names, spec, key(), Instant.now(), first.login().name());
            assertThat(Queries.one(admin, "SELECT pg_current_xact_id_if_assigned()"))
                    .as("no transaction id: not one row was written")
                    .isNull();
            admin.commit();
            assertThat(second.login()).isInstanceOf(IssuedLogin.Kept.class);
            assertThat(second.masking().changes()).isEmpty();
            assertThat(second.drift()).isEqualTo(first.drift());
        }
    }

    @Test
    void aTableCreatedAfterAnApplyIsNotReadableUntilTheNextApplyHasSeenIt() throws Exception {
        Applied applied =
                apply(spec(AccessMode.ReadOnly, EMAIL, rule(MaskStrategy.REDACT, "sales.invoices.card")), null);
        // A migration, as the schema's owner and as the admin, creates tables, one of them named by a rule.
        superuser(
                "SET ROLE " + OWNER,
                "CREATE TABLE sales.invoices (id int, card text)",
                "INSERT INTO sales.invoices VALUES (1, '4111-1111-1111-1111')",
                "CREATE TABLE sales.notes (id int, body text)",
                "INSERT INTO sales.notes VALUES (1, 'plain')");
        try (Connection admin = admin();
                Statement s = admin.createStatement()) {
            s.execute("CREATE TABLE sales.audit_log (id int)");
        }
        IssuedLogin.Minted login = (IssuedLogin.Minted) applied.login();
        try (Connection agent = login(login)) {
            assertThat(Queries.sqlState(agent, "SELECT card FROM sales.invoices"))
                    .as("no default SELECT")
                    .isEqualTo("42501");
            assertThat(Queries.sqlState(agent, "SELECT * FROM invoices")).isEqualTo("42501");
            assertThat(Queries.sqlState(agent, "SELECT * FROM sales.notes")).isEqualTo("42501");
            assertThat(Queries.sqlState(agent, "SELECT count(*) FROM sales.audit_log"))
                    .isEqualTo("42501");
        }
        try (Connection c = postgres.superuser(database)) {
            assertThat(Queries.one(
                            c,
                            "SELECT count(*) FROM pg_default_acl d, aclexplode(d.defaclacl) a" + " WHERE a.grantee = '"
                                    + names.group() + "'::regrole AND d.defaclobjtype = 'r'"))
                    .as("no default privileges on tables at all for ReadOnly")
                    .isEqualTo("0");
        }

        apply(spec(AccessMode.ReadOnly, EMAIL, rule(MaskStrategy.REDACT, "sales.invoices.card")), login.name());
        try (Connection agent = login(login)) {
            assertThat(rows(agent, "SELECT * FROM invoices")).containsExactly(List.of("1", "[redacted]"));
            assertThat(Queries.sqlState(agent, "SELECT card FROM sales.invoices"))
                    .isEqualTo("42501");
            assertThat(rows(agent, "SELECT * FROM sales.notes"))
                    .as("unmasked: granted whole by the next apply")
                    .containsExactly(List.of("1", "plain"));
            assertThat(Queries.sqlState(agent, "SELECT count(*) FROM sales.audit_log"))
                    .isNull();
        }
    }

    @Test
    void aColumnAddedByAMigrationAndANewMaskedTableConvergeWithThePolicy() throws Exception {
        Applied applied = apply(spec(AccessMode.ReadOnly, EMAIL), null);
        superuser(
                "SET ROLE " + OWNER,
                "ALTER TABLE sales.customers ADD COLUMN phone text DEFAULT '555-0100', ADD COLUMN tier text DEFAULT 'gold'",
                "CREATE TABLE sales.cards (id int, number text)",
                "INSERT INTO sales.cards VALUES (1, '4111-1111-1111-1111')");
        IssuedLogin.Minted login = (IssuedLogin.Minted) applied.login();
        try (Connection agent = login(login)) {
            assertThat(Queries.sqlState(agent, "SELECT tier FROM sales.customers"))
                    .as("not granted yet")
                    .isEqualTo("42501");
        }

        Applied edited = apply(
                spec(
                        AccessMode.ReadOnly,
                        EMAIL,
                        rule(MaskStrategy.REDACT, "sales.customers.phone"),
                        rule(MaskStrategy.PARTIAL, "sales.cards.number")),
                login.name());

        assertThat(edited.drift()).isEmpty();
        assertThat(edited.masking().governed())
                .containsExactlyInAnyOrder("\"sales\".\"customers\"", "\"sales\".\"cards\"");
        try (Connection agent = login(login)) {
            assertThat(rows(agent, "SELECT name, email, phone, tier FROM customers WHERE id = 1"))
                    .containsExactly(List.of("Alice", "****@example.com", "[redacted]", "gold"));
            assertThat(rows(agent, "SELECT tier FROM sales.customers WHERE id = 1"))
                    .containsExactly(List.of("gold"));
            assertThat(Queries.sqlState(agent, "SELECT phone FROM sales.customers"))
                    .isEqualTo("42501");
            assertThat(rows(agent, "SELECT * FROM cards")).containsExactly(List.of("1", "****1111"));
            assertThat(Queries.sqlState(agent, "SELECT number FROM sales.cards"))
                    .isEqualTo("42501");
        }
    }

    @Test
    void removingRulesGivesTheTablesBackAndTheLastOneResetsTheSearchPath() throws Exception {
        Applied applied = apply(spec(AccessMode.ReadOnly, EMAIL, SSN), null);
        IssuedLogin.Minted login = (IssuedLogin.Minted) applied.login();

        Applied one = apply(spec(AccessMode.ReadOnly, EMAIL), login.name());
        assertThat(one.drift()).isEmpty();
        try (Connection agent = login(login)) {
            assertThat(rows(agent, "SELECT ssn FROM sales.customers WHERE id = 1"))
                    .containsExactly(List.of("123-45-6789"));
            assertThat(rows(agent, "SELECT email, ssn FROM customers WHERE id = 1"))
                    .containsExactly(List.of("****@example.com", "123-45-6789"));
            assertThat(Queries.sqlState(agent, "SELECT email FROM sales.customers"))
                    .isEqualTo("42501");
        }

        Applied none = apply(spec(AccessMode.ReadOnly), login.name());
        assertThat(none.drift()).isEmpty();
        assertThat(none.masking().governed()).isEmpty();
        try (Connection agent = login(login)) {
            assertThat(Queries.one(agent, "SHOW search_path"))
                    .as("the server's default again")
                    .isEqualTo("\"$user\", public");
            assertThat(rows(agent, "SELECT * FROM sales.customers WHERE id = 1"))
                    .containsExactly(List.of("1", "Alice", "alice.secret@example.com", "123-45-6789"));
        }
        try (Connection c = postgres.superuser(database)) {
            assertThat(Queries.one(c, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE '" + names.group() + "%'"))
                    .as("no masking schema is left")
                    .isEqualTo("0");
            assertThat(Queries.one(
                            c,
                            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'sales.customers'::regclass"
                                    + " AND cardinality(attacl) > 0"))
                    .as("no column privileges")
                    .isEqualTo("0");
        }
        superuser("SET ROLE " + OWNER, "CREATE TABLE sales.later (id int)");
        try (Connection agent = login(login)) {
            assertThat(Queries.sqlState(agent, "SELECT count(*) FROM sales.later"))
                    .as("without masking, default privileges give new tables SELECT again")
                    .isNull();
        }
    }

    @Test
    void switchingAMaskedPolicyToReadOnlyTakesItsWritesAway() throws Exception {
        Applied applied = apply(spec(AccessMode.ReadWrite, EMAIL, SSN), null);
        IssuedLogin.Minted login = (IssuedLogin.Minted) applied.login();
        try (Connection agent = login(login);
                Statement s = agent.createStatement()) {
            s.execute(
                    "INSERT INTO sales.customers (id, name, email, ssn) VALUES (3, 'Carol', 'carol@example.net', '1')");
            s.execute("UPDATE sales.customers SET name = 'Caroline' WHERE id = 3");
            assertThat(rows(agent, "SELECT name, email FROM customers WHERE id = 3"))
                    .containsExactly(List.of("Caroline", "****@example.net"));
            assertThat(Queries.sqlState(
                            agent, "UPDATE sales.customers SET name = 'x' WHERE email = 'carol@example.net'"))
                    .as("a filter on a masked column is a read of it")
                    .isEqualTo("42501");
            assertThat(Queries.sqlState(agent, "DELETE FROM sales.customers WHERE id = 3 RETURNING email"))
                    .isEqualTo("42501");
        }
        assertThat(defaultTablePrivileges())
                .as("future tables: the writes, never SELECT")
                .isEqualTo("DELETE,INSERT,UPDATE");

        apply(spec(AccessMode.ReadOnly, EMAIL, SSN), login.name());
        try (Connection agent = login(login)) {
            assertThat(Queries.sqlState(agent, "INSERT INTO sales.customers (id) VALUES (4)"))
                    .isEqualTo("42501");
            assertThat(Queries.sqlState(agent, "DELETE FROM sales.orders")).isEqualTo("42501");
            assertThat(rows(agent, "SELECT email FROM customers WHERE id = 3"))
                    .containsExactly(List.of("****@example.net"));
        }
        assertThat(defaultTablePrivileges()).isEmpty();
    }

    @Test
    void whatTheAdminCannotDoIsReportedWithTheStatementNotThrown() throws Exception {
        superuser(
                "CREATE TABLE sales.ledger (id int, iban text)",
                "INSERT INTO sales.ledger VALUES (1, 'DE89370400440532013000')",
                "ALTER TABLE sales.ledger OWNER TO " + OUTSIDER,
                "GRANT SELECT ON sales.ledger TO " + ADMIN);
        Applied applied = apply(spec(AccessMode.ReadOnly, EMAIL, rule(MaskStrategy.HASH, "sales.ledger.iban")), null);

        String g = "\"" + names.group() + "\"";
        assertThat(applied.drift()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(PrivilegeDrift.Kind.MASKING);
            assertThat(d.whoCanFix()).isEqualTo("\"" + OUTSIDER + "\"");
            assertThat(d.statement())
                    .isEqualTo("REVOKE ALL ON TABLE \"sales\".\"ledger\" FROM " + g
                            + "; GRANT SELECT (\"id\") ON TABLE \"sales\".\"ledger\" TO " + g);
            assertThat(d.toString())
                    .contains("cannot limit the agent's group to the table's unmasked columns")
                    .contains("; run as \"" + OUTSIDER + "\": REVOKE ALL ON TABLE");
        });
        IssuedLogin.Minted login = (IssuedLogin.Minted) applied.login();
        try (Connection agent = login(login)) {
            assertThat(rows(agent, "SELECT email FROM customers WHERE id = 1"))
                    .containsExactly(List.of("****@example.com"));
            assertThat(rows(agent, "SELECT iban FROM ledger"))
                    .as("its masking view reads it as the admin")
                    .singleElement()
                    .satisfies(row -> assertThat(row.get(0)).startsWith("hmac:"));
            assertThat(Queries.sqlState(agent, "SELECT iban FROM sales.ledger")).isEqualTo("42501");
        }

        // The owner (here a superuser) runs the statements; the next apply has nothing left to report.
        superuser(applied.drift().get(0).statement().split("; "));
        assertThat(apply(spec(AccessMode.ReadOnly, EMAIL, rule(MaskStrategy.HASH, "sales.ledger.iban")), login.name())
                        .drift())
                .isEmpty();
    }

    @Test
    void anAdminThatMayNotCreateSchemasRestrictsTheColumnsAndSaysWhoCanGrantIt() throws Exception {
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("REVOKE CREATE ON DATABASE " + database + " FROM " + ADMIN);
        }
        Applied applied = apply(spec(AccessMode.ReadOnly, EMAIL), null);

        assertThat(applied.drift()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(PrivilegeDrift.Kind.MASKING);
            assertThat(d.difference()).contains("may not create schemas in database " + database);
            assertThat(d.whoCanFix()).isEqualTo("\"postgres\"");
            assertThat(d.statement()).isEqualTo("GRANT CREATE ON DATABASE \"" + database + "\" TO \"" + ADMIN + "\"");
        });
        try (Connection agent = login((IssuedLogin.Minted) applied.login())) {
            assertThat(Queries.sqlState(agent, "SELECT email FROM customers"))
                    .as("no view: the table itself, restricted")
                    .isEqualTo("42501");
            assertThat(rows(agent, "SELECT name FROM customers WHERE id = 1")).containsExactly(List.of("Alice"));
        }
    }

    @Test
    void droppingTheGroupTakesItsMaskingWithIt() throws Exception {
        Applied applied = apply(spec(AccessMode.ReadOnly, EMAIL, SSN), null);
        try (Connection admin = admin()) {
            assertThat(new PolicyDatabase(admin).dropGroup(names)).isTrue();
        }
        try (Connection c = postgres.superuser(database)) {
            assertThat(Queries.one(c, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE '" + names.group() + "%'"))
                    .isEqualTo("0");
            assertThat(Queries.one(
                            c,
                            "SELECT count(*) FROM pg_roles WHERE rolname IN ('" + names.group() + "', '"
                                    + applied.login().name() + "')"))
                    .isEqualTo("0");
        }
    }

    // --- fixtures

    private Applied apply(DatabaseAccessPolicySpec spec, String heldLogin) throws SQLException {
        try (Connection admin = admin()) {
            return new PolicyDatabase(admin).apply(names, spec, key(), Instant.now(), heldLogin);
        }
    }

    private MaskKey key() {
        return MaskKey.derive(SECRET, policyName);
    }

    /** What the proxy's hash strategy gives for a text value under this policy's key. */
    private String hash(String value) throws GeneralSecurityException {
        byte[] policyKey = hmac(SECRET, "pgwarden-mask/" + policyName);
        return "hmac:" + HexFormat.of().formatHex(hmac(policyKey, value), 0, 12);
    }

    private static byte[] hmac(byte[] key, String message) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    }

    private static MaskingRule rule(MaskStrategy strategy, String... columns) {
        return new MaskingRule(List.of(columns), strategy, null);
    }

    private DatabaseAccessPolicySpec spec(AccessMode mode, MaskingRule... masking) {
        return new DatabaseAccessPolicySpec(
                new DatabaseTarget(postgres.host(), postgres.port(), database, SslMode.DISABLE, null),
                null,
                new Access(mode, List.of("sales"), "1h"),
                List.of(masking),
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    /** The group's default privileges on tables the schema's owner creates in sales. */
    private String defaultTablePrivileges() throws SQLException {
        try (Connection c = postgres.superuser(database)) {
            String held = Queries.one(
                    c,
                    "SELECT string_agg(a.privilege_type, ',' ORDER BY a.privilege_type)"
                            + " FROM pg_default_acl d, aclexplode(d.defaclacl) a WHERE d.defaclobjtype = 'r'"
                            + " AND d.defaclrole = '" + OWNER + "'::regrole AND a.grantee = '" + names.group()
                            + "'::regrole");
            return held == null ? "" : held;
        }
    }

    private Connection admin() throws SQLException {
        return AdminConnection.open(
                new DatabaseTarget(postgres.host(), postgres.port(), database, SslMode.DISABLE, null),
                new AdminCredentials(ADMIN, PASSWORD),
                "pgwarden-test");
    }

    private Connection login(IssuedLogin.Minted login) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", login.name());
        p.setProperty("password", login.password());
        return DriverManager.getConnection(
                "jdbc:postgresql://" + postgres.host() + ":" + postgres.port() + "/" + database, p);
    }

    private void superuser(String... statements) throws SQLException {
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    private static List<List<String>> rows(Connection c, String sql) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                out.add(row);
            }
        }
        return out;
    }
}
