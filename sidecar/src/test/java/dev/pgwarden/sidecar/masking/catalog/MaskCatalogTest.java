package dev.pgwarden.sidecar.masking.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.sidecar.masking.plan.CatalogSnapshot;
import dev.pgwarden.sidecar.masking.plan.MaskRules;
import dev.pgwarden.sidecar.masking.plan.MaskedColumn;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import dev.pgwarden.testkit.TestPostgres;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The catalog snapshot read from a real database, and what happens when it cannot be read. */
class MaskCatalogTest {
    private static final MaskRules RULES =
            new MaskRules(List.of(new MaskedColumn("catalog_t", "accounts", "iban", MaskStrategy.PARTIAL, false)));

    @Test
    void aSnapshotCoversTablesChildrenAndViews() throws Exception {
        TestPostgres pg = TestPostgres.shared();
        try (Connection c = pg.superuser("app");
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS catalog_t CASCADE");
            s.execute("CREATE SCHEMA catalog_t");
            s.execute("CREATE TABLE catalog_t.accounts (id int, iban text, owner text)");
            s.execute("CREATE TABLE catalog_t.accounts_old () INHERITS (catalog_t.accounts)");
            s.execute("CREATE VIEW catalog_t.v AS SELECT owner, lower(iban) AS li FROM catalog_t.accounts");
            s.execute("CREATE VIEW catalog_t.vv AS SELECT li FROM catalog_t.v");
            s.execute("GRANT USAGE ON SCHEMA catalog_t TO " + TestPostgres.SCRAM_USER);
        }
        UpstreamConfig upstream = new UpstreamConfig(
                pg.host(),
                pg.port(),
                TestPostgres.DATABASE,
                TestPostgres.SCRAM_USER,
                TestPostgres.PASSWORD,
                SslMode.DISABLE,
                null);
        try (MaskCatalog catalog = new MaskCatalog(upstream, RULES)) {
            CatalogSnapshot snap = catalog.refresh().get(30, TimeUnit.SECONDS);
            assertThat(catalog.current()).isSameAs(snap);
            assertThat(snap.tainted())
                    .containsKeys(
                            "accounts", "catalog_t.accounts", "catalog_t.accounts_old", "catalog_t.v", "catalog_t.vv");
            assertThat(snap.tainted().get("catalog_t.v")).containsOnlyKeys("li");
            assertThat(snap.tainted().get("catalog_t.vv")).containsOnlyKeys("li");
            try (Connection c = pg.superuser("app");
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(
                            "SELECT 'catalog_t.accounts_old'::regclass::oid, 'catalog_t.v'::regclass::oid")) {
                rs.next();
                assertThat(snap.attribute((int) rs.getLong(1), 2).strategy()).isEqualTo(MaskStrategy.PARTIAL);
                assertThat(snap.attribute((int) rs.getLong(2), 2).strategy()).isEqualTo(MaskStrategy.REDACT);
                assertThat(snap.attribute((int) rs.getLong(2), 1))
                        .as("the view's owner column is not derived")
                        .isNull();
            }
            catalog.invalidate();
            assertThat(catalog.current())
                    .as("after DDL the snapshot is stale until reread")
                    .isNull();
            assertThat(catalog.refresh().get(30, TimeUnit.SECONDS).generation()).isGreaterThan(snap.generation());
        }
    }

    @Test
    void anUnreachableDatabaseFailsTheRefresh() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        UpstreamConfig nowhere = new UpstreamConfig("127.0.0.1", closedPort, "app", "x", "y", SslMode.DISABLE, null);
        try (MaskCatalog catalog = new MaskCatalog(nowhere, RULES)) {
            assertThatThrownBy(() -> catalog.refresh().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
            assertThat(catalog.current()).isNull();
            assertThat(catalog.latest()).isNull();
        }
    }
}
