package dev.pgwarden.database.masking;

import static dev.pgwarden.database.masking.MaskingFixture.mask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.testkit.Queries;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** apply() keeps masking in step with the tables and the policy, and writes nothing when they match. */
class MaskingConvergenceTest {
    private static final ColumnMask EMAIL = mask("customers", "email", MaskStrategy.PARTIAL);
    private static final ColumnMask SSN = mask("customers", "ssn", MaskStrategy.HASH);

    /** A fixture with customers (two masked columns) and the grants the schema-wide code makes. */
    private static MaskingFixture customers(String name, String... more) throws SQLException {
        MaskingFixture f = new MaskingFixture(name);
        f.admin(
                "CREATE TABLE customers (id int PRIMARY KEY, name text, email text, ssn text)",
                "INSERT INTO customers VALUES (1, 'Alice', 'alice.secret@example.com', '123-45-6789')",
                "GRANT USAGE ON SCHEMA public TO " + f.group);
        f.admin(more);
        f.admin("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + f.group);
        return f;
    }

    @Test
    void aSecondApplyWritesNothing() throws SQLException {
        MaskingFixture f = customers(
                "mask_steady",
                "CREATE TABLE events (id int, email text, at date) PARTITION BY RANGE (at)",
                "CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
                "CREATE VIEW customer_emails AS SELECT email FROM customers");
        MaskingPolicy policy = f.policy(
                AccessMode.ReadWrite,
                EMAIL,
                SSN,
                mask("events", "email", MaskStrategy.REDACT),
                mask("customers", "missing", MaskStrategy.NULL));
        MaskingReport first = f.apply(policy);
        assertThat(first.changes()).isNotEmpty();
        try (Connection admin = f.admin()) {
            admin.setAutoCommit(false);
            MaskingReport second = MaskingViews.apply(admin, policy);
            assertThat(second.changes()).isEmpty();
            assertThat(Queries.one(admin, "SELECT pg_current_xact_id_if_assigned()"))
                    .as("no transaction id: nothing at all was written")
                    .isNull();
            assertThat(second.problems()).isEqualTo(first.problems()).hasSize(1);
            assertThat(second.searchPath()).isEqualTo(first.searchPath());
            assertThat(second.governed())
                    .isEqualTo(first.governed())
                    .containsExactlyInAnyOrder(
                            "\"public\".\"customers\"",
                            "\"public\".\"events\"",
                            "\"public\".\"events_1\"",
                            "\"public\".\"customer_emails\"");
            assertThat(second.withheld()).containsExactly("\"public\".\"customer_emails\"");
            admin.commit();
        }
    }

    @Test
    void aColumnAddedByAMigrationAppearsOnTheNextApply() throws SQLException {
        MaskingFixture f = customers("mask_added");
        MaskingReport report = f.apply(f.policy(AccessMode.ReadOnly, EMAIL, SSN));
        try (Connection agent = f.agent(report)) {
            AgentProbe.run(agent, List.of("CREATE VIEW scratch.mine AS SELECT id, email FROM customers"));
        }
        f.admin(
                "ALTER TABLE customers ADD COLUMN tier text DEFAULT 'gold', ADD COLUMN card text DEFAULT '4111-1111-1111-1111'");
        try (Connection agent = f.agent(report)) {
            assertThat(state(agent, "SELECT tier FROM customers"))
                    .as("not in the view yet")
                    .isEqualTo("42703");
            assertThat(state(agent, "SELECT tier FROM public.customers"))
                    .as("no privilege yet")
                    .isEqualTo("42501");
        }
        report = f.apply(f.policy(AccessMode.ReadOnly, EMAIL, SSN, mask("customers", "card", MaskStrategy.PARTIAL)));
        assertThat(report.problems()).isEmpty();
        try (Connection agent = f.agent(report)) {
            assertThat(row(agent, "SELECT id, name, email, tier, card FROM customers"))
                    .containsExactly("1", "Alice", "****@example.com", "gold", "****1111");
            assertThat(row(agent, "SELECT tier FROM public.customers")).containsExactly("gold");
            assertThat(state(agent, "SELECT card FROM public.customers")).isEqualTo("42501");
            assertThat(row(agent, "SELECT email FROM scratch.mine"))
                    .as("what the agent built on the view survives")
                    .containsExactly("****@example.com");
        }
    }

    @Test
    void aTableCreatedLaterGetsItsView() throws SQLException {
        MaskingFixture f = customers("mask_later");
        MaskingPolicy policy = f.policy(AccessMode.ReadOnly, EMAIL, mask("invoices", "card", MaskStrategy.REDACT));
        assertThat(f.apply(policy).problems())
                .as("a rule may name a table a migration creates later")
                .isEmpty();
        f.admin(
                "CREATE TABLE invoices (id int, card text)",
                "INSERT INTO invoices VALUES (1, '4111-1111-1111-1111')",
                "GRANT SELECT ON invoices TO " + f.group);
        MaskingReport report = f.apply(policy);
        assertThat(report.governed()).contains("\"public\".\"invoices\"");
        try (Connection agent = f.agent(report)) {
            assertThat(row(agent, "SELECT * FROM invoices")).containsExactly("1", "[redacted]");
            assertThat(state(agent, "SELECT card FROM public.invoices")).isEqualTo("42501");
        }
    }

    @Test
    void removingARuleDropsTheViewAndGivesTheTableBack() throws SQLException {
        MaskingFixture f = customers(
                "mask_removed",
                "CREATE TABLE notes (id int, body text)",
                "INSERT INTO notes VALUES (1, 'secret body')");
        MaskingReport both = f.apply(f.policy(AccessMode.ReadWrite, EMAIL, mask("notes", "body", MaskStrategy.NULL)));
        MaskingReport one = f.apply(f.policy(AccessMode.ReadWrite, EMAIL));
        assertThat(one.problems()).isEmpty();
        assertThat(one.governed()).containsExactly("\"public\".\"customers\"");
        try (Connection agent = f.agent(one)) {
            assertThat(row(agent, "SELECT * FROM notes")).containsExactly("1", "secret body");
            assertThat(row(agent, "SELECT email FROM customers")).containsExactly("****@example.com");
        }
        MaskingReport none = f.apply(f.policy(AccessMode.ReadWrite));
        assertThat(none.searchPath()).containsExactly("public");
        assertThat(none.governed()).isEmpty();
        try (Connection agent = f.agent(none)) {
            assertThat(row(agent, "SELECT * FROM customers"))
                    .containsExactly("1", "Alice", "alice.secret@example.com", "123-45-6789");
        }
        try (Connection admin = f.admin()) {
            assertThat(row(admin, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE '" + f.group + "%'"))
                    .as("no masking schema, no function schema")
                    .containsExactly("0");
            assertThat(row(
                            admin,
                            "SELECT string_agg(privilege_type, ',' ORDER BY privilege_type)"
                                    + " FROM information_schema.role_table_grants WHERE grantee = '" + f.group
                                    + "' AND table_name = 'customers'"))
                    .containsExactly("DELETE,INSERT,SELECT,UPDATE");
            assertThat(
                            row(
                                    admin,
                                    "SELECT count(*) FROM information_schema.column_privileges WHERE grantee = '"
                                            + f.group
                                            + "' AND table_name = 'customers' AND privilege_type = 'SELECT' AND column_name IN ('email', 'ssn')"))
                    .as("table-level SELECT again")
                    .containsExactly("2");
            assertThat(row(
                            admin,
                            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'customers'::regclass"
                                    + " AND attacl IS NOT NULL AND cardinality(attacl) > 0"))
                    .as("no column privileges left")
                    .containsExactly("0");
        }
        assertThat(both.searchPath()).hasSize(2);
    }

    @Test
    void aTableTheAdminDoesNotOwnIsReportedNotApplied() throws SQLException {
        MaskingFixture f = customers("mask_foreign");
        try (Connection su = f.superuser()) {
            MaskingFixture.sql(
                    su,
                    "CREATE TABLE public.ledger (id int, iban text)",
                    "INSERT INTO public.ledger VALUES (1, 'DE89370400440532013000')",
                    "GRANT SELECT ON public.ledger TO " + f.group + ", " + f.admin,
                    "CREATE TABLE public.vault (id int, code text)",
                    "GRANT SELECT ON public.vault TO " + f.group);
        }
        MaskingReport report = f.apply(f.policy(
                AccessMode.ReadOnly,
                EMAIL,
                mask("ledger", "iban", MaskStrategy.HASH),
                mask("vault", "code", MaskStrategy.REDACT)));
        assertThat(report.problems())
                .extracting(MaskingProblem::relation)
                .containsExactlyInAnyOrder("\"public\".\"ledger\"", "\"public\".\"vault\"", "\"public\".\"vault\"");
        assertThat(report.problems())
                .filteredOn(p -> p.relation().equals("\"public\".\"ledger\""))
                .singleElement()
                .satisfies(p -> assertThat(p.statement())
                        .contains("run as \"postgres\": REVOKE ALL ON TABLE"
                                + " \"public\".\"ledger\" FROM \"" + f.group
                                + "\"; GRANT SELECT (\"id\") ON TABLE \"public\".\"ledger\" TO \""
                                + f.group + "\""));
        assertThat(report.problems())
                .filteredOn(p -> p.statement().orElse("").contains("GRANT SELECT ON TABLE"))
                .singleElement()
                .satisfies(p -> assertThat(p.statement())
                        .contains("run as \"postgres\": GRANT SELECT ON TABLE" + " \"public\".\"vault\" TO \"" + f.admin
                                + "\""));
        try (Connection agent = f.agent(report)) {
            assertThat(row(agent, "SELECT iban FROM ledger"))
                    .as("the view exists: the admin can read the table")
                    .singleElement()
                    .asString()
                    .startsWith("hmac:");
            assertThat(row(agent, "SELECT email FROM customers")).containsExactly("****@example.com");
        }
        try (Connection su = f.superuser()) {
            MaskingFixture.sql(
                    su,
                    "REVOKE ALL ON TABLE public.ledger FROM " + f.group,
                    "GRANT SELECT (id) ON TABLE public.ledger TO " + f.group);
        }
        MaskingReport fixed = f.apply(f.policy(AccessMode.ReadOnly, EMAIL, mask("ledger", "iban", MaskStrategy.HASH)));
        assertThat(fixed.problems()).as("the owner ran the statement").isEmpty();
    }

    @Test
    void aRuleNamingAMissingColumnIsReported() throws SQLException {
        MaskingFixture f = customers("mask_missing");
        MaskingReport report =
                f.apply(f.policy(AccessMode.ReadOnly, EMAIL, mask("customers", "emial", MaskStrategy.NULL)));
        assertThat(report.problems()).singleElement().satisfies(p -> {
            assertThat(p.relation()).isEqualTo("\"public\".\"customers\"");
            assertThat(p.message()).contains("emial");
            assertThat(p.statement()).isEmpty();
        });
        try (Connection agent = f.agent(report)) {
            assertThat(row(agent, "SELECT email, ssn FROM customers"))
                    .containsExactly("****@example.com", "123-45-6789");
        }
    }

    @Test
    void aMaskedColumnRenamedByAMigrationStaysMasked() throws SQLException {
        MaskingFixture f = customers("mask_renamed");
        f.apply(f.policy(AccessMode.ReadOnly, EMAIL, SSN));
        f.admin("ALTER TABLE customers RENAME COLUMN email TO contact");
        MaskingReport report = f.apply(f.policy(AccessMode.ReadOnly, EMAIL, SSN));
        assertThat(report.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("email", "contact"));
        try (Connection agent = f.agent(report)) {
            assertThat(row(agent, "SELECT name, contact FROM customers")).containsExactly("Alice", null);
            assertThat(state(agent, "SELECT contact FROM public.customers")).isEqualTo("42501");
        }
        MaskingReport fixed =
                f.apply(f.policy(AccessMode.ReadOnly, mask("customers", "contact", MaskStrategy.PARTIAL), SSN));
        assertThat(fixed.problems()).isEmpty();
        try (Connection agent = f.agent(fixed)) {
            assertThat(row(agent, "SELECT contact FROM customers")).containsExactly("****@example.com");
        }
    }

    @Test
    void anUnmaskedColumnRenamedIsRenamedInTheView() throws SQLException {
        MaskingFixture f = customers("mask_renamed_plain");
        f.apply(f.policy(AccessMode.ReadOnly, EMAIL));
        f.admin("ALTER TABLE customers RENAME COLUMN name TO full_name");
        MaskingReport report = f.apply(f.policy(AccessMode.ReadOnly, EMAIL));
        assertThat(report.problems()).isEmpty();
        try (Connection agent = f.agent(report)) {
            assertThat(row(agent, "SELECT full_name FROM customers")).containsExactly("Alice");
        }
    }

    @Test
    void aViewThatMustBeMadeAgainButHasDependentsIsReported() throws SQLException {
        MaskingFixture f = customers("mask_dependents");
        MaskingReport report = f.apply(f.policy(AccessMode.ReadOnly, EMAIL));
        try (Connection agent = f.agent(report)) {
            assertThat(state(agent, "CREATE VIEW scratch.names AS SELECT name FROM customers"))
                    .isNull();
        }
        f.admin("ALTER TABLE customers RENAME COLUMN name TO full_name");
        MaskingReport after = f.apply(f.policy(AccessMode.ReadOnly, EMAIL));
        assertThat(after.problems()).singleElement().satisfies(p -> {
            assertThat(p.message()).contains("could not be replaced");
            assertThat(p.statement())
                    .get()
                    .asString()
                    .startsWith("DROP VIEW \"" + report.searchPath().get(0) + "\".\"customers\" CASCADE");
        });
        try (Connection agent = f.agent(after)) {
            assertThat(row(agent, "SELECT email FROM customers"))
                    .as("the old view still masks")
                    .containsExactly("****@example.com");
        }
    }

    @Test
    void aNewKeyRewritesTheKeyRowOnly() throws SQLException {
        MaskingFixture f = customers("mask_rekey");
        MaskingPolicy policy = f.policy(AccessMode.ReadOnly, SSN);
        MaskingReport report = f.apply(policy);
        byte[] otherSecret = "another-secret-of-at-least-32-bytes!!".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        MaskingPolicy rekeyed = new MaskingPolicy(
                policy.group(),
                policy.mode(),
                policy.schemas(),
                policy.columns(),
                Optional.of(MaskKey.derive(otherSecret, MaskingFixture.POLICY)));
        MaskingReport after = f.apply(rekeyed);
        assertThat(after.changes()).singleElement().asString().startsWith("write the key");
        try (Connection agent = f.agent(report)) {
            assertThat(row(agent, "SELECT ssn FROM customers"))
                    .containsExactly(new ProxyMasking(otherSecret, MaskingFixture.POLICY)
                            .mask(MaskStrategy.HASH, "text", "123-45-6789"));
        }
        MaskingReport keyless = f.apply(
                new MaskingPolicy(policy.group(), policy.mode(), policy.schemas(), policy.columns(), Optional.empty()));
        assertThat(keyless.changes()).singleElement().asString().startsWith("DELETE FROM");
        try (Connection agent = f.agent(report)) {
            assertThat(row(agent, "SELECT ssn FROM customers"))
                    .as("without a key, hash fails closed")
                    .containsExactly((String) null);
        }
    }

    @Test
    void aTableWithRowLevelSecurityGetsNoView() throws SQLException {
        MaskingFixture f = customers(
                "mask_rls",
                "CREATE TABLE tenants (id int, owner name, secret text)",
                "ALTER TABLE tenants ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY mine ON tenants USING (owner = current_user)",
                "INSERT INTO tenants VALUES (1, 'someone_else', 'theirs')");
        MaskingReport report = f.apply(f.policy(AccessMode.ReadOnly, mask("tenants", "secret", MaskStrategy.REDACT)));
        assertThat(report.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("row-level security"));
        try (Connection agent = f.agent(report)) {
            assertThat(state(agent, "SELECT secret FROM tenants")).isEqualTo("42501");
            assertThat(state(agent, "SELECT id FROM tenants"))
                    .as("row security still applies to the table")
                    .isNull();
        }
    }

    @Test
    void aPartitionCreatedLaterIsRestrictedOnTheNextApply() throws SQLException {
        MaskingFixture f = customers(
                "mask_partition",
                "CREATE TABLE events (id int, email text, at date) PARTITION BY RANGE (at)",
                "CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
        f.admin("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO " + f.group);
        MaskingPolicy policy = f.policy(AccessMode.ReadOnly, mask("events", "email", MaskStrategy.REDACT));
        MaskingReport report = f.apply(policy);
        f.admin(
                "CREATE TABLE events_2 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "INSERT INTO events VALUES (2, 'eve.secret@example.org', '2025-03-01')");
        try (Connection agent = f.agent(report)) {
            // The window until the next apply: default privileges gave the new partition SELECT whole.
            assertThat(state(agent, "SELECT email FROM public.events_2"))
                    .as("known window before the next apply")
                    .isNull();
        }
        report = f.apply(policy);
        try (Connection agent = f.agent(report)) {
            assertThat(state(agent, "SELECT email FROM public.events_2")).isEqualTo("42501");
            assertThat(row(agent, "SELECT id, email FROM events")).containsExactly("2", "[redacted]");
        }
    }

    @Test
    void whatElseLetsTheGroupReadAMaskedColumnIsReported() throws SQLException {
        MaskingFixture f = customers("mask_leaks", "GRANT SELECT ON customers TO PUBLIC");
        MaskingPolicy policy = f.policy(AccessMode.ReadOnly, EMAIL);
        assertThat(f.apply(policy).problems()).singleElement().satisfies(p -> {
            assertThat(p.message()).contains("email", "PUBLIC");
            assertThat(p.statement())
                    .contains("run as \"" + f.admin + "\": REVOKE SELECT ON TABLE \"public\".\"customers\""
                            + " FROM PUBLIC");
        });
        f.admin("REVOKE SELECT ON customers FROM PUBLIC");
        try (Connection su = f.superuser()) {
            MaskingFixture.sql(su, "GRANT pg_read_all_data TO " + f.group);
        }
        assertThat(f.apply(policy).problems()).singleElement().satisfies(p -> {
            assertThat(p.message()).contains("pg_read_all_data");
            assertThat(p.statement()).contains("REVOKE pg_read_all_data FROM \"" + f.group + "\"");
        });
    }

    @Test
    void aColumnGeneratedFromAMaskedColumnIsMaskedUntilARuleNamesIt() throws SQLException {
        MaskingFixture f = customers(
                "mask_generated",
                "ALTER TABLE customers ADD COLUMN domain text GENERATED ALWAYS AS (lower(email)) STORED");
        MaskingReport report = f.apply(f.policy(AccessMode.ReadOnly, EMAIL));
        assertThat(report.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("domain", "email"));
        try (Connection agent = f.agent(report)) {
            assertThat(row(agent, "SELECT email, domain FROM customers")).containsExactly("****@example.com", null);
            assertThat(state(agent, "SELECT domain FROM public.customers")).isEqualTo("42501");
        }
        report = f.apply(f.policy(AccessMode.ReadOnly, EMAIL, mask("customers", "domain", MaskStrategy.PARTIAL)));
        assertThat(report.problems()).isEmpty();
        try (Connection agent = f.agent(report)) {
            assertThat(row(agent, "SELECT domain FROM customers")).containsExactly("****@example.com");
        }
    }

    @Test
    void aSecurityDefinerFunctionThatReadsMaskedColumnsIsReported() throws SQLException {
        MaskingFixture f = customers(
                "mask_definer",
                "CREATE FUNCTION public.email_of(int) RETURNS text LANGUAGE sql"
                        + " SECURITY DEFINER AS $$ SELECT email FROM public.customers WHERE id = $1 $$");
        MaskingReport report = f.apply(f.policy(AccessMode.ReadOnly, EMAIL));
        assertThat(report.problems()).singleElement().satisfies(p -> {
            assertThat(p.relation()).isEqualTo("public.email_of(integer)");
            assertThat(p.statement())
                    .contains("run as " + f.admin + ": REVOKE EXECUTE ON FUNCTION public.email_of(integer)"
                            + " FROM PUBLIC");
        });
        try (Connection agent = f.agent(report)) {
            assertThat(row(agent, "SELECT email_of(1)"))
                    .as("the first wall cannot see into it: reported, and still a way" + " round it")
                    .containsExactly("alice.secret@example.com");
        }
        f.admin("REVOKE EXECUTE ON FUNCTION public.email_of(int) FROM PUBLIC");
        assertThat(f.apply(f.policy(AccessMode.ReadOnly, EMAIL)).problems()).isEmpty();
    }

    @Test
    void twoPoliciesMaskTheSameTableEachTheirOwnWay() throws SQLException {
        MaskingFixture f = customers("mask_two");
        String other = "pgw_mask_two_other";
        try (Connection su = f.superuser()) {
            MaskingFixture.sql(
                    su,
                    "DROP ROLE IF EXISTS " + other + "_login",
                    "DROP ROLE IF EXISTS " + other,
                    "CREATE ROLE " + other + " NOLOGIN",
                    "CREATE ROLE " + other + "_login LOGIN PASSWORD '" + MaskingFixture.PASSWORD + "' IN ROLE " + other,
                    "GRANT USAGE ON SCHEMA public TO " + other,
                    "GRANT SELECT ON customers TO " + other);
        }
        MaskingReport mine = f.apply(f.policy(AccessMode.ReadOnly, EMAIL));
        MaskingReport theirs = f.apply(new MaskingPolicy(
                other,
                AccessMode.ReadOnly,
                List.of("public"),
                List.of(mask("customers", "email", MaskStrategy.REDACT), SSN),
                Optional.of(MaskKey.derive(MaskingFixture.SECRET, "agents/other"))));
        assertThat(theirs.searchPath().get(0)).isNotEqualTo(mine.searchPath().get(0));
        try (Connection agent = f.agent(mine)) {
            assertThat(row(agent, "SELECT email, ssn FROM customers"))
                    .containsExactly("****@example.com", "123-45-6789");
        }
        try (Connection agent = f.connect(other + "_login")) {
            MaskingFixture.sql(agent, "SET search_path TO " + theirs.searchPathSetting());
            assertThat(row(agent, "SELECT email, ssn FROM customers"))
                    .containsExactly(
                            "[redacted]",
                            new ProxyMasking(MaskingFixture.SECRET, "agents/other")
                                    .mask(MaskStrategy.HASH, "text", "123-45-6789"));
        }
        assertThat(f.apply(f.policy(AccessMode.ReadOnly, EMAIL)).changes())
                .as("one policy's apply leaves the other's alone")
                .isEmpty();
    }

    @Test
    void anApplyRolledBackLeavesNothing() throws SQLException {
        MaskingFixture f = customers("mask_rollback");
        try (Connection admin = f.admin()) {
            admin.setAutoCommit(false);
            assertThat(MaskingViews.apply(admin, f.policy(AccessMode.ReadOnly, EMAIL))
                            .changes())
                    .isNotEmpty();
            admin.rollback();
            assertThat(Queries.one(admin, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE '" + f.group + "%'"))
                    .isEqualTo("0");
            assertThat(Queries.one(
                            admin, "SELECT has_table_privilege('" + f.group + "', 'public.customers', 'SELECT')"))
                    .isEqualTo("t");
            assertThat(Queries.one(admin, "SHOW search_path"))
                    .as("the admin's session is as it was")
                    .isEqualTo("\"$user\", public");
        }
    }

    @Test
    void aRuleMayNameAView() throws SQLException {
        MaskingFixture f = customers("mask_on_view", "CREATE VIEW contacts AS SELECT id, email FROM customers");
        MaskingReport report = f.apply(f.policy(AccessMode.ReadOnly, mask("contacts", "email", MaskStrategy.REDACT)));
        assertThat(report.problems()).isEmpty();
        assertThat(report.withheld()).isEmpty();
        try (Connection agent = f.agent(report)) {
            assertThat(row(agent, "SELECT * FROM contacts")).containsExactly("1", "[redacted]");
            assertThat(state(agent, "SELECT email FROM public.contacts")).isEqualTo("42501");
            assertThat(row(agent, "SELECT email FROM customers"))
                    .as("the table itself is not masked")
                    .containsExactly("alice.secret@example.com");
        }
    }

    private static String state(Connection c, String sql) {
        return AgentProbe.run(c, List.of(sql)).sqlState();
    }

    private static List<String> row(Connection c, String sql) throws SQLException {
        AgentProbe.Outcome outcome = AgentProbe.run(c, List.of(sql));
        assertThat(outcome.sqlState()).as("%s: %s", sql, outcome.seen()).isNull();
        return outcome.seen();
    }
}
