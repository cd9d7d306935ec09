package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When pgwarden cannot read the catalog it masks by, statements over masked tables are refused,
 * never passed unmasked; once the catalog can be read again they run, masked, without a restart.
 * The catalog is made unreadable the way a DBA could: by revoking SELECT on a catalog table that
 * the masking catalog reads (pg_inherits) and that nothing else here does.
 */
@Timeout(120)
class MaskCatalogFailureTest {
    private static final String POLICY = """
      apiVersion: pgwarden.dev/v1alpha1
      kind: DatabaseAccessPolicy
      metadata: {name: catalog-failure}
      spec:
        access: {mode: ReadOnly}
        masking:
          - columns: [catalog_failure.people.email]
            strategy: redact
      """;
    private static final String SECRET = "catalog.secret@example.com";

    @BeforeEach
    void table() throws SQLException {
        try (Connection c = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS catalog_failure CASCADE");
            s.execute("CREATE SCHEMA catalog_failure");
            s.execute("CREATE TABLE catalog_failure.people (id int, email text)");
            s.execute("INSERT INTO catalog_failure.people VALUES (1, '" + SECRET + "')");
            s.execute("GRANT USAGE ON SCHEMA catalog_failure TO PUBLIC");
            s.execute("GRANT SELECT ON catalog_failure.people TO PUBLIC");
        }
    }

    @AfterEach
    void restore() throws SQLException {
        catalogReadable(true);
    }

    private static void catalogReadable(boolean readable) throws SQLException {
        try (Connection c = TestPostgres.shared().superuser(TestPostgres.DATABASE);
                Statement s = c.createStatement()) {
            s.execute(
                    readable
                            ? "GRANT SELECT ON pg_catalog.pg_inherits TO PUBLIC"
                            : "REVOKE SELECT ON pg_catalog.pg_inherits FROM PUBLIC");
        }
    }

    @Test
    void statementsOverMaskedTablesAreRefusedUntilTheCatalogCanBeReadAgain() throws Exception {
        catalogReadable(false);
        try (ProxyFixture f = new ProxyFixture(POLICY, null);
                RawClient c = new RawClient(f.port())) {
            c.authenticate(f.token());
            for (String sql : new String[] {
                "select email from catalog_failure.people", "select upper(email) from catalog_failure.people"
            }) {
                c.query(sql);
                List<RawClient.Message> answer = Attempts.untilReady(c);
                assertThat(Attempts.errors(answer)).as(sql).containsExactly("58000");
                assertThat(Attempts.describe(answer))
                        .as(sql)
                        .contains("cannot read the database catalog to apply the policy's masking")
                        .doesNotContainIgnoringCase(SECRET)
                        .doesNotContain("D[");
            }
            // Statements over masked columns are audited by their fingerprint.
            assertThat(f.statements("from catalog_failure . people")).hasSize(2).allSatisfy(e -> {
                assertThat(e.path("outcome").asText()).isEqualTo("refused");
                assertThat(e.path("sqlstate").asText()).isEqualTo("58000");
                assertThat(e.path("rule").asText()).isEqualTo("pgwarden:catalog");
            });

            catalogReadable(true);
            assertThat(c.queryValue("select email from catalog_failure.people")).isEqualTo("[redacted]");
        }
    }
}
