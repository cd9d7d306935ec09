package dev.pgwarden.sidecar.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.sidecar.sql.DropTargets.Kind;
import dev.pgwarden.sidecar.sql.DropTargets.Target;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What an approval request of a DROP or TRUNCATE names: as PostgreSQL resolves the names. */
class DropTargetsTest {
    private static Target rel(String schema, String name) {
        return new Target(Kind.RELATION, schema, name, false);
    }

    @Test
    void everyNameOfAListIsATargetQualifiedOrNot() {
        assertThat(DropTargets.of("DROP TABLE a, s.b, db.s2.c CASCADE"))
                .containsExactly(rel(null, "a"), rel("s", "b"), rel("s2", "c"));
        assertThat(DropTargets.of("drop table if exists Orders restrict")).containsExactly(rel(null, "orders"));
        assertThat(DropTargets.of("DROP MATERIALIZED VIEW mv; DROP FOREIGN TABLE ft; DROP INDEX CONCURRENTLY i"))
                .containsExactly(rel(null, "mv"), rel(null, "ft"), rel(null, "i"));
        assertThat(DropTargets.of("DROP SEQUENCE q, r")).containsExactly(rel(null, "q"), rel(null, "r"));
    }

    @Test
    void quotedAndEscapedNamesAreResolvedAndLongNamesCutAsPostgresqlCutsThem() {
        String longName = "a_table_name_well_beyond_the_sixty_three_bytes_postgresql_keeps_xyz";
        assertThat(DropTargets.of("DROP TABLE \"Big\".\"My \"\"T\"\"\", U&\"d\\0061ta\", " + longName))
                .containsExactly(rel("Big", "My \"T\""), rel(null, "data"), rel(null, longName.substring(0, 63)));
    }

    @Test
    void truncateKeepsOnlyAndStopsAtItsOptions() {
        assertThat(DropTargets.of("TRUNCATE ONLY p, TABLE_x *, s.q RESTART IDENTITY CASCADE"))
                .containsExactly(new Target(Kind.RELATION, null, "p", true), rel(null, "table_x"), rel("s", "q"));
        assertThat(DropTargets.of("truncate table t")).containsExactly(rel(null, "t"));
        // A table named "only" is a name, not the keyword.
        assertThat(DropTargets.of("TRUNCATE only")).containsExactly(rel(null, "only"));
    }

    @Test
    void schemasRolesAndDatabases() {
        assertThat(DropTargets.of("DROP SCHEMA IF EXISTS sales, \"Ops\" CASCADE"))
                .containsExactly(
                        new Target(Kind.SCHEMA, null, "sales", false), new Target(Kind.SCHEMA, null, "Ops", false));
        assertThat(DropTargets.of("DROP OWNED BY app_rw, CURRENT_USER CASCADE"))
                .containsExactly(
                        new Target(Kind.OWNED, null, "app_rw", false), new Target(Kind.OWNED, null, null, false));
        assertThat(DropTargets.of("DROP DATABASE shop"))
                .containsExactly(new Target(Kind.DATABASE, null, "shop", false));
    }

    @Test
    void otherStatementsAndUnreadableTextNameNothing() {
        for (String sql : List.of(
                "DROP FUNCTION f(int)",
                "DROP ROLE r",
                "DROP TRIGGER t ON x",
                "DELETE FROM t",
                "SELECT 'DROP TABLE t'",
                "DROP TABLE 'unterminated",
                "DROP",
                "")) {
            assertThat(DropTargets.of(sql)).as(sql).isEmpty();
        }
    }

    @Test
    void everyStatementOfAQueryCounts() {
        assertThat(DropTargets.of("SELECT 1; TRUNCATE a;\nDROP TABLE b"))
                .containsExactly(rel(null, "a"), rel(null, "b"));
    }
}
