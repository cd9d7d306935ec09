package dev.pgwarden.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.v1alpha1.Access;
import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicySpec;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.database.masking.MaskKey;
import dev.pgwarden.database.sql.Sql;
import dev.pgwarden.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The entry point the operator and local mode share, against a real PostgreSQL, without
 * Kubernetes: what the roles may do is checked by logging in as them.
 */
class PolicyDatabaseTest {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final String CREATOR = "pgwarden_db_creator";
    private static final String CREATOR_PASSWORD = "cr3ator-Passw0rd";
    private static final MaskKey KEY = MaskKey.derive(
            "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.UTF_8), "policy");
    private static TestPostgres postgres;

    private String database;
    private RoleNames names;

    @BeforeAll
    static void roles() throws SQLException {
        postgres = TestPostgres.shared();
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE sales_owner NOLOGIN");
            s.execute("CREATE ROLE outsider NOLOGIN");
            // What a careful DBA hands pgwarden instead of a superuser: CREATEROLE and the schema owner's rights.
            s.execute("CREATE ROLE " + CREATOR + " LOGIN CREATEROLE PASSWORD '" + CREATOR_PASSWORD + "'");
            s.execute("GRANT sales_owner TO " + CREATOR);
        }
    }

    @BeforeEach
    void database() throws SQLException {
        int n = COUNTER.incrementAndGet();
        database = "policy_database_" + n;
        names = RoleNames.of("local", "policy-" + n);
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA sales AUTHORIZATION sales_owner");
            s.execute("CREATE TABLE sales.orders (id int, total numeric)");
            s.execute("ALTER TABLE sales.orders OWNER TO sales_owner");
            s.execute("INSERT INTO sales.orders VALUES (1, 10)");
            s.execute("CREATE TABLE public.secrets (id int)");
        }
    }

    @Test
    void applyMintsALoginWhoseGroupHoldsExactlyThePolicysPrivileges() throws Exception {
        Instant now = Instant.now();
        Applied applied;
        try (Connection admin = admin("postgres", "")) {
            applied = new PolicyDatabase(admin).apply(names, spec(AccessMode.ReadOnly, "1h", "sales"), KEY, now, null);
        }

        assertThat(applied.drift()).isEmpty();
        IssuedLogin.Minted minted = (IssuedLogin.Minted) applied.login();
        assertThat(minted.name()).startsWith(names.group() + "_");
        assertThat(minted.validUntil())
                .isEqualTo(now.plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        assertThat(applied.recheckAfter()).isBetween(Duration.ofMinutes(39), Duration.ofMinutes(41));
        try (Connection agent = login(minted.name(), minted.password());
                Statement s = agent.createStatement()) {
            assertThat(s.executeQuery("SELECT total FROM sales.orders").next()).isTrue();
            assertThatThrownBy(() -> s.execute("INSERT INTO sales.orders VALUES (2, 20)"))
                    .hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.executeQuery("SELECT * FROM public.secrets"))
                    .hasMessageContaining("permission denied");
        }
        assertThat(canLogin(names.group())).as("the group cannot log in").isFalse();
    }

    @Test
    void theHeldLoginIsKeptUntilAThirdOfItsLifetimeIsLeft() throws Exception {
        Instant now = Instant.now();
        try (Connection admin = admin("postgres", "")) {
            PolicyDatabase db = new PolicyDatabase(admin);
            IssuedLogin first = db.apply(names, spec(AccessMode.ReadOnly, "1h", "sales"), KEY, now, null)
                    .login();

            IssuedLogin later = db.apply(
                            names,
                            spec(AccessMode.ReadOnly, "1h", "sales"),
                            KEY,
                            now.plus(Duration.ofMinutes(30)),
                            first.name())
                    .login();
            assertThat(later).isEqualTo(new IssuedLogin.Kept(first.name(), first.validUntil()));

            IssuedLogin rotated = db.apply(
                            names,
                            spec(AccessMode.ReadOnly, "1h", "sales"),
                            KEY,
                            now.plus(Duration.ofMinutes(45)),
                            first.name())
                    .login();
            assertThat(rotated).isInstanceOf(IssuedLogin.Minted.class);
            assertThat(rotated.name()).isNotEqualTo(first.name());
            assertThat(db.logins(names)).extracting(LoginRole::name).contains(first.name(), rotated.name());
        }
    }

    @Test
    void expiredLoginsAreDroppedAndTheirSessionsEnd() throws Exception {
        Instant now = Instant.now();
        try (Connection admin = admin("postgres", "")) {
            PolicyDatabase db = new PolicyDatabase(admin);
            IssuedLogin.Minted minted =
                    (IssuedLogin.Minted) db.apply(names, spec(AccessMode.ReadOnly, "1m", "sales"), KEY, now, null)
                            .login();
            try (Connection open = login(minted.name(), minted.password())) {
                assertThat(db.endExpiredLogins(names, now).dropped())
                        .as("not expired yet")
                        .isEmpty();

                ExpirySweep swept = db.endExpiredLogins(names, now.plus(Duration.ofMinutes(2)));

                assertThat(swept.dropped()).containsExactly(minted.name());
                assertThat(swept.remaining()).isEmpty();
                assertThat(swept.recheckAfter(now)).isEmpty();
                assertThat(roleExists(minted.name())).isFalse();
                assertThatThrownBy(() -> open.createStatement().executeQuery("SELECT 1"))
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState())
                                        .as(e.getMessage())
                                        .isIn("57P01", "08006", "08003"));
            }
        }
    }

    @Test
    void aGroupNameTakenByAnotherRoleIsARoleConflictAndNothingIsGranted() throws Exception {
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + Sql.ident(names.group()) + " LOGIN PASSWORD 'dba-owned'");
        }
        try (Connection admin = admin("postgres", "")) {
            PolicyDatabase db = new PolicyDatabase(admin);
            assertThatThrownBy(
                            () -> db.apply(names, spec(AccessMode.ReadOnly, "1h", "sales"), KEY, Instant.now(), null))
                    .isInstanceOfSatisfying(DatabaseProblemException.class, e -> {
                        assertThat(e.problem())
                                .isEqualTo(new DatabaseProblem.RoleConflict(names.group(), names.owner()));
                        assertThat(e.getMessage())
                                .contains("role " + names.group() + " already exists")
                                .contains("pgwarden did not create it");
                    });
            assertThat(db.logins(names)).isEmpty();
            assertThat(db.dropGroup(names))
                    .as("a role that is not pgwarden's is left alone")
                    .isFalse();
        }
        assertThat(canLogin(names.group())).as("still the DBA's LOGIN role").isTrue();
    }

    @Test
    void aMissingSchemaIsSchemaNotFoundAndRollsTheGroupBack() throws Exception {
        try (Connection admin = admin("postgres", "")) {
            assertThatThrownBy(() -> new PolicyDatabase(admin)
                            .apply(
                                    names,
                                    spec(AccessMode.ReadOnly, "1h", "sales", "nowhere"),
                                    KEY,
                                    Instant.now(),
                                    null))
                    .isInstanceOfSatisfying(
                            DatabaseProblemException.class,
                            e -> assertThat(e.problem())
                                    .isEqualTo(new DatabaseProblem.SchemaNotFound("nowhere", database)));
        }
        assertThat(roleExists(names.group())).isFalse();
    }

    @Test
    void whatTheAdminCannotGrantOrRevokeIsDriftWithTheStatementAndWhoCanRunIt() throws Exception {
        try (Connection c = postgres.superuser(database);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE sales.theirs (id int)");
            s.execute("ALTER TABLE sales.theirs OWNER TO outsider");
        }
        try (Connection admin = admin(CREATOR, CREATOR_PASSWORD)) {
            PolicyDatabase db = new PolicyDatabase(admin);
            db.apply(names, spec(AccessMode.ReadOnly, "1h", "sales"), KEY, Instant.now(), null);
            try (Connection c = postgres.superuser(database);
                    Statement s = c.createStatement()) {
                s.execute("GRANT TRUNCATE ON sales.theirs TO " + Sql.ident(names.group()));
            }

            List<PrivilegeDrift> drift = db.apply(
                            names, spec(AccessMode.ReadOnly, "1h", "sales"), KEY, Instant.now(), null)
                    .drift();

            String g = Sql.ident(names.group());
            assertThat(drift)
                    .containsExactlyInAnyOrder(
                            new PrivilegeDrift(
                                    PrivilegeDrift.Kind.MISSING_GRANT,
                                    "SELECT on \"sales\".\"theirs\" is not granted: the admin"
                                            + " role does not hold the privileges of its owner outsider",
                                    "outsider",
                                    "GRANT SELECT ON \"sales\".\"theirs\" TO " + g),
                            new PrivilegeDrift(
                                    PrivilegeDrift.Kind.EXCESS_PRIVILEGE,
                                    "TRUNCATE on TABLE \"sales\".\"theirs\" is beyond the" + " policy",
                                    "outsider",
                                    "REVOKE TRUNCATE ON TABLE \"sales\".\"theirs\" FROM " + g));
            assertThat(drift.get(0).toString())
                    .endsWith("; run as " + drift.get(0).whoCanFix() + ": "
                            + drift.get(0).statement());
        }
    }

    @Test
    void dropGroupRemovesTheGroupAndItsLogins() throws Exception {
        try (Connection admin = admin("postgres", "")) {
            PolicyDatabase db = new PolicyDatabase(admin);
            IssuedLogin login = db.apply(names, spec(AccessMode.ReadWrite, "1h", "sales"), KEY, Instant.now(), null)
                    .login();

            assertThat(db.dropGroup(names)).isTrue();

            assertThat(roleExists(login.name())).isFalse();
            assertThat(roleExists(names.group())).isFalse();
        }
    }

    /** The database name goes into the JDBC URL percent-encoded: it reaches the right database and adds no parameter. */
    @ParameterizedTest
    @ValueSource(strings = {"app?ssl=true&socketFactory=x", "a/b", "a#b", "données_データ"})
    void anAdminConnectionReachesADatabaseWhateverItsName(String name) throws Exception {
        try (Connection c = postgres.superuser("postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + Sql.ident(name));
        }
        try {
            DatabaseTarget target = new DatabaseTarget(postgres.host(), postgres.port(), name, SslMode.DISABLE, null);
            try (Connection c = AdminConnection.open(
                            target, new AdminCredentials(CREATOR, CREATOR_PASSWORD), "pgwarden-test");
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT current_database(), current_setting('application_name'),"
                            + " (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(name);
                assertThat(rs.getString(2)).isEqualTo("pgwarden-test");
                assertThat(rs.getBoolean(3))
                        .as("sslmode=disable was not overridden")
                        .isFalse();
            }
        } finally {
            try (Connection c = postgres.superuser("postgres");
                    Statement s = c.createStatement()) {
                s.execute("DROP DATABASE " + Sql.ident(name));
            }
        }
    }

    @Test
    void aHostThatCouldCarryParametersCannotBeConnectedTo() {
        DatabaseTarget target =
                new DatabaseTarget("127.0.0.1/x?ssl=false", postgres.port(), database, SslMode.DISABLE, null);
        assertThatThrownBy(() -> AdminConnection.open(target, new AdminCredentials("postgres", ""), "pgwarden-test"))
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("08001"));
    }

    // --- fixtures

    private DatabaseAccessPolicySpec spec(AccessMode mode, String ttl, String... schemas) {
        return new DatabaseAccessPolicySpec(
                new DatabaseTarget(postgres.host(), postgres.port(), database, SslMode.DISABLE, null),
                null,
                new Access(mode, List.of(schemas), ttl),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    private Connection admin(String user, String password) throws SQLException {
        return AdminConnection.open(
                new DatabaseTarget(postgres.host(), postgres.port(), database, SslMode.DISABLE, null),
                new AdminCredentials(user, password),
                "pgwarden-test");
    }

    private Connection login(String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return DriverManager.getConnection(
                "jdbc:postgresql://" + postgres.host() + ":" + postgres.port() + "/" + database, p);
    }

    private boolean roleExists(String role) throws SQLException {
        try (Connection c = postgres.superuser("postgres");
                java.sql.PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private boolean canLogin(String role) throws SQLException {
        try (Connection c = postgres.superuser("postgres");
                java.sql.PreparedStatement ps =
                        c.prepareStatement("SELECT rolcanlogin FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("role " + role + " exists").isTrue();
                return rs.getBoolean(1);
            }
        }
    }
}
