package dev.pgwarden.sidecar.sql;

import static dev.pgwarden.sidecar.sql.TestPolicies.READ_WRITE;
import static dev.pgwarden.sidecar.sql.TestPolicies.decideQuery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.sidecar.policy.Verdict;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WHERE clauses that select every row whatever they look like are unbounded; conditions no syntax
 * check can decide ({@code id > 0}) are left to trial runs under changesMoreThan.
 */
class UnboundedWhereTest {
    @ParameterizedTest
    @ValueSource(
            strings = {
                "DELETE FROM t WHERE id NOTNULL",
                "DELETE FROM t WHERE id IS NOT NULL",
                "DELETE FROM t WHERE NOT (id IS NULL)",
                "DELETE FROM t WHERE NOT id IS NULL",
                "DELETE FROM t WHERE id IN (id)",
                "DELETE FROM t WHERE id IN (1, id)",
                "DELETE FROM t WHERE id = id + 0",
                "DELETE FROM t WHERE id = id * 1",
                "DELETE FROM t WHERE id >= id",
                "DELETE FROM t WHERE id = coalesce(id, 0)",
                "DELETE FROM t WHERE id::text = id::text",
                "DELETE FROM t WHERE id IS NOT DISTINCT FROM id",
                "DELETE FROM t WHERE NOT (id <> id)",
                "DELETE FROM t WHERE NOT (id IS DISTINCT FROM id)",
                "DELETE FROM t WHERE id BETWEEN id AND 100",
                "UPDATE t SET v = 1 WHERE (id = id) OR (id = 5)",
                "UPDATE t SET v = 1 WHERE id = id AND true",
                "UPDATE t SET v = 1 WHERE v IS NOT NULL OR v IS NULL",
                "DELETE FROM t WHERE t.id = t.id",
                "DELETE FROM t WHERE (id = id) IS TRUE",
                "DELETE FROM t WHERE (id = id) IS NOT FALSE",
                "DELETE FROM t WHERE (id IS NULL) IS FALSE",
                "DELETE FROM t WHERE (id IS NULL) IS NOT TRUE",
                "DELETE FROM t WHERE (id = id) = true",
                "DELETE FROM t WHERE true = (id = id)",
                "DELETE FROM t WHERE (id = id) <> false",
                "DELETE FROM t WHERE (id IS NULL) = false",
                "DELETE FROM t WHERE ((id = id) IS TRUE) IS TRUE",
                "DELETE FROM t WHERE NOT ((id <> id) IS TRUE)",
                "DELETE FROM t WHERE CASE WHEN id = id THEN true END",
                "DELETE FROM t WHERE CASE WHEN id = 5 THEN true ELSE false END",
                "UPDATE t SET v = 1 WHERE (v IS NOT NULL) IS TRUE OR v IS NULL",
                "UPDATE t SET v = 1 FROM s WHERE s.id = 1 AND t.id IS NOT NULL",
                "UPDATE t SET v = 1 FROM s WHERE s.id = 1",
                "UPDATE t x SET v = 1 FROM s t WHERE t.id = 1",
                "DELETE FROM t USING s WHERE id = 5",
                "DELETE FROM t USING s WHERE s.k = 2",
                "DELETE FROM t x USING s WHERE t.id = 5",
                "MERGE INTO t USING s ON s.id = 1 WHEN MATCHED THEN DELETE",
                "DELETE FROM t WHERE id = 5 -- x\rOR true",
                "DELETE FROM t WHERE id = 5 --\r OR id IS NOT NULL",
                "UPDATE t SET v = 1 WHERE id = 5 -- \r\nOR true",
                // The row compared only with itself: no outside value selects anything.
                "DELETE FROM t WHERE v LIKE v",
                "DELETE FROM t WHERE v ~ v",
                "DELETE FROM t WHERE int4eq(id, id)",
                "DELETE FROM t WHERE pg_catalog.int4ge(id, id)",
                "DELETE FROM t WHERE coalesce(id = id, true)",
                "DELETE FROM t WHERE (id = id) IS NOT UNKNOWN",
                "DELETE FROM t WHERE id IS DISTINCT FROM NULL",
                "DELETE FROM t WHERE NOT (id IS NOT DISTINCT FROM NULL)",
                "DELETE FROM t WHERE id = (SELECT id)",
                "DELETE FROM t WHERE id IN (SELECT id)",
                "DELETE FROM t WHERE EXISTS (SELECT 1 WHERE t.id = t.id)",
                "DELETE FROM t WHERE a = b",
                "DELETE FROM t WHERE id = id + 0 * length(v)",
                "UPDATE t SET v = 1 FROM s WHERE t.v = t.v",
            })
    void selectEveryRow(String sql) {
        Verdict v = decideQuery(READ_WRITE, sql);
        assertThat(v.action()).as("%s (%s)", sql, v.reason()).isEqualTo(Action.RequireApproval);
        assertThat(v.rule()).isEqualTo("unbounded-writes");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "DELETE FROM t WHERE id = 5",
                "DELETE FROM t WHERE id IN (1, 2)",
                "DELETE FROM t WHERE id IS NULL",
                "DELETE FROM t WHERE v LIKE 'a%'",
                "DELETE FROM t WHERE id = $1",
                "UPDATE t SET v = 1 WHERE id = 3 AND v IS NOT NULL",
                "DELETE FROM t USING s WHERE t.id = s.id",
                "DELETE FROM t WHERE NOT (id = 5)",
                "DELETE FROM t WHERE (id = 5) IS TRUE",
                "DELETE FROM t WHERE (id = 5) = true",
                "DELETE FROM t WHERE (id IS NULL) IS TRUE",
                "DELETE FROM t WHERE archived",
                "DELETE FROM t WHERE archived = false",
                "DELETE FROM t WHERE owner = current_user",
                "DELETE FROM t WHERE 5 = id",
                "DELETE FROM t WHERE created < now() - interval '1 day'",
                "DELETE FROM t WHERE lower(v) = $1",
                "DELETE FROM t WHERE EXISTS (SELECT 1 WHERE t.id = 5)",
                "UPDATE t SET v = 1 FROM s WHERE t.id = sid",
                "UPDATE t SET a = 1 WHERE CURRENT OF c",
                "UPDATE t SET v = 1 FROM s WHERE t.id = s.id AND s.k = 2",
                "DELETE FROM t x USING s WHERE x.id = s.id",
                "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
            })
    void selectSomeRows(String sql) {
        Verdict v = decideQuery(READ_WRITE, sql);
        assertThat(v.action()).as("%s (%s)", sql, v.reason()).isEqualTo(Action.Allow);
    }
}
