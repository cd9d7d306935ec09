package dev.pgwarden.sidecar.masking.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.sidecar.sql.StatementClassifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The planner on its own, against a hand-made catalog: people(id, name, email masked partial,
 * ssn masked redact strict), orders(id, person_id, total), a view staff over people.
 */
class MaskPlannerTest {
    private static final MaskedColumn EMAIL =
            new MaskedColumn("public", "people", "email", MaskStrategy.PARTIAL, false);
    private static final MaskedColumn SSN = new MaskedColumn("public", "people", "ssn", MaskStrategy.REDACT, true);
    private final MaskPlanner planner = new MaskPlanner(new MaskRules(List.of(EMAIL, SSN)));
    private final CatalogSnapshot catalog = snapshot();

    private static CatalogSnapshot snapshot() {
        Map<String, Map<String, MaskedColumn>> tainted = new HashMap<>();
        Map<String, MaskedColumn> people = Map.of("email", EMAIL, "ssn", SSN);
        tainted.put("people", people);
        tainted.put("public.people", people);
        Set<String> names = Set.of("people", "public.people", "orders", "public.orders");
        Map<String, Set<String>> columns = Map.of(
                "people", Set.of("id", "name", "email", "ssn"), "public.people", Set.of("id", "name", "email", "ssn"));
        return new CatalogSnapshot(
                1,
                Map.of(),
                Set.of(1, 2),
                tainted,
                columns,
                Set.of("public"),
                names,
                Set.of("secret_of", "tidy"),
                Map.of("secret_of", "secret_of() reads public.people"));
    }

    private MaskPlan plan(String sql) {
        return planner.plan(StatementClassifier.classify(sql), sql, catalog, List.of(), Map.of());
    }

    /** The strategy of every computed column of a result of {@code n} columns. */
    private List<MaskStrategy> derived(String sql, int n) {
        MaskPlan p = plan(sql);
        assertThat(p.refusal()).as(sql).isNull();
        List<MaskStrategy> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(p.derivedStrategy(i, n));
        }
        return out;
    }

    @Test
    void statementsOnOtherTablesAreNotTouched() {
        assertThat(plan("SELECT id, total * 2 FROM orders WHERE person_id = 3")).isSameAs(MaskPlan.NONE);
        assertThat(plan("SET search_path = public")).isSameAs(MaskPlan.NONE);
    }

    @Test
    void onlyColumnsComputedFromMaskedOnesAreMasked() {
        assertThat(derived("SELECT upper(name), lower(email), id + 1 FROM people", 3))
                .isEqualTo(Arrays.asList(null, MaskStrategy.REDACT, null));
        assertThat(derived("SELECT count(*), count(DISTINCT email) FROM people", 2))
                .isEqualTo(Arrays.asList(null, MaskStrategy.REDACT));
    }

    @Test
    void taintFollowsAliasesSubqueriesCtesAndUnions() {
        assertThat(derived("SELECT upper(e) FROM (SELECT email AS e FROM people) s", 1))
                .containsOnly(MaskStrategy.REDACT);
        assertThat(derived("WITH w AS (SELECT email AS x FROM people) SELECT x || '' FROM w", 1))
                .containsOnly(MaskStrategy.REDACT);
        assertThat(derived(
                        "SELECT name FROM orders o JOIN LATERAL (SELECT lower(p.email) AS name FROM people p) q ON true",
                        1))
                .containsOnly(MaskStrategy.REDACT);
        assertThat(derived("SELECT total::text FROM orders UNION ALL SELECT email FROM people", 1))
                .containsOnly(MaskStrategy.REDACT);
        assertThat(derived("SELECT s.count FROM (SELECT count(email) FROM people) s", 1))
                .containsOnly(MaskStrategy.REDACT);
    }

    @Test
    void derivedValuesTakeTheStrictestStrategyOfTheColumnsNamed() {
        assertThat(derived("SELECT email || name FROM people", 1)).containsOnly(MaskStrategy.REDACT);
        assertThat(plan("SELECT email FROM people").touched()).containsExactly("public.people.email");
    }

    @Test
    void aUserFunctionThatMayReturnMaskedValuesIsRefusedByName() {
        for (String sql : List.of(
                "SELECT secret_of(1)",
                "SELECT id FROM people WHERE secret_of(id) IS NOT NULL",
                "SELECT * FROM secret_of(2)",
                "INSERT INTO orders SELECT 1, 1, secret_of(3)",
                "COPY (SELECT secret_of(1)) TO STDOUT")) {
            assertThat(plan(sql).refusal()).as(sql).startsWith("secret_of() reads public.people");
        }
    }

    @Test
    void aUserFunctionThatReadsNoMaskedColumnReturnsItsRealResult() {
        assertThat(plan("SELECT tidy(1)")).isEqualTo(MaskPlan.NONE);
        // Given a masked value it returns a value derived from it, masked as any function's would be.
        MaskPlan p = plan("SELECT tidy(email) FROM people");
        assertThat(p.refusal()).isNull();
        assertThat(p.derived()).containsExactly(MaskStrategy.REDACT);
        assertThat(p.opaqueCode()).as("its notices are its own text").isTrue();
        assertThat(derived("SELECT tidy(id), tidy(name) || email FROM people WHERE id = 1", 2))
                .isEqualTo(Arrays.asList(null, MaskStrategy.REDACT));
        // The schema that qualifies a call is not a value: public.tidy(name) || email taints no other column.
        assertThat(derived("SELECT public.tidy(id), public.tidy(name) || email FROM people", 2))
                .isEqualTo(Arrays.asList(null, MaskStrategy.REDACT));
        assertThat(derived("SELECT public.tidy(id), \"tidy\"(email) FROM people", 2))
                .isEqualTo(Arrays.asList(null, MaskStrategy.REDACT));
    }

    /** A star over a FROM item that is computed from masked values expands masked values. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT * FROM unnest((SELECT array_agg(email) FROM people))",
                "SELECT * FROM pg_catalog.unnest(ARRAY(SELECT email FROM people))",
                "SELECT * FROM unnest(ARRAY(SELECT email FROM people)) WITH ORDINALITY",
                "SELECT * FROM json_each_text((SELECT json_object_agg(id, email) FROM people))",
                "SELECT * FROM lower((SELECT email FROM people LIMIT 1))",
                "SELECT * FROM ROWS FROM (lower((SELECT email FROM people LIMIT 1)))",
                "SELECT * FROM regexp_split_to_table((SELECT email FROM people LIMIT 1), '')",
                "SELECT * FROM generate_series(1, 1) g, unnest(ARRAY(SELECT email FROM people))",
                "SELECT * FROM unnest(ARRAY(SELECT email FROM people)) u",
                "SELECT * FROM jsonb_to_recordset((SELECT jsonb_agg(jsonb_build_object('e', email)) FROM people)) AS t(e text)",
                "SELECT * FROM (people p JOIN orders o ON o.id = p.id)",
                "SELECT * FROM ((people p JOIN orders o ON o.id = p.id) JOIN orders o2 ON o2.id = o.id)",
            })
    void aStarOverValuesComputedFromMaskedColumnsIsMasked(String sql) {
        MaskPlan p = plan(sql);
        assertThat(p.refusal() != null || p.allDerived() != null)
                .as(sql + ": " + p)
                .isTrue();
    }

    @Test
    void aStarOverUnmaskedFunctionsStaysInClear() {
        assertThat(plan("SELECT * FROM generate_series(1, 3)")).isEqualTo(MaskPlan.NONE);
    }

    /** A strict column's value cannot be guessed by comparing the whole row it is in. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT id FROM people p WHERE p.* = ROW(1, 'a', 'b', 'c')::people",
                "SELECT id FROM people p WHERE p = ROW(1, 'a', 'b', 'c')::people",
                "SELECT id FROM people WHERE people = ROW(1, 'a', 'b', 'c')::people",
                "SELECT id FROM people p WHERE (p.*)::text LIKE '%123%'",
                "SELECT id FROM people p ORDER BY p",
                "SELECT count(*) FROM people p GROUP BY p",
            })
    void comparingARowWithAStrictColumnIsRefused(String sql) {
        assertThat(plan(sql).refusal()).as(sql + " -> " + plan(sql)).isNotNull();
    }

    @Test
    void copyOfWhatAWriteReturnsFromAMaskedTableIsRefused() {
        for (String sql : List.of(
                "COPY (UPDATE people SET name = name WHERE id = 1 RETURNING email) TO STDOUT",
                "COPY (DELETE FROM people WHERE id = 1 RETURNING *) TO STDOUT",
                "COPY (INSERT INTO people (id) VALUES (9) RETURNING upper(email)) TO STDOUT")) {
            assertThat(plan(sql).refusal()).as(sql).startsWith("COPY ... TO would send the masked columns of");
        }
    }

    @Test
    void unknownRelationsMaskEveryComputedColumn() {
        assertThat(plan("SELECT upper(x) FROM brand_new_view").allDerived()).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT p FROM people p",
                "SELECT row_to_json(p) FROM people p",
                "SELECT to_jsonb(people) FROM people",
                "SELECT q FROM (SELECT email FROM people) q",
                "SELECT array_agg(t) FROM (SELECT * FROM people) t",
                "INSERT INTO orders SELECT id, id, length(email) FROM people",
                "UPDATE orders o SET total = length(p.email) FROM people p WHERE p.id = o.person_id",
                "CREATE TABLE copy AS SELECT * FROM people",
                "INSERT INTO orders SELECT * FROM people",
                "MERGE INTO orders o USING people p ON o.id = p.id WHEN MATCHED THEN UPDATE SET total = length(p.email)",
                "SELECT id FROM people WHERE ssn LIKE '1%'",
                "SELECT id FROM people ORDER BY ssn",
                "SELECT length(ssn) FROM people",
                "SELECT email || ssn FROM people",
                // A renamed column list over a table with a strict column counts as the strict column.
                "WITH w(x) AS (SELECT email FROM people) SELECT x || '' FROM w",
                "COPY people TO STDOUT",
                "COPY (SELECT id FROM people) TO STDOUT",
                "DO $$ BEGIN PERFORM 1; END $$",
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
                "ALTER TABLE people RENAME COLUMN email TO contact",
            })
    void untraceableOrLeakingStatementsAreRefused(String sql) {
        assertThat(plan(sql).refusal()).as(sql + " -> " + plan(sql)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT id FROM people WHERE email = 'a@b.example'",
                "SELECT p.id, o.total FROM people p JOIN orders o ON o.person_id = p.id AND p.email LIKE '%@corp.example'",
                "SELECT ssn, email FROM people",
                "UPDATE people SET name = 'x' WHERE email = 'a@b.example'",
                "INSERT INTO orders SELECT id, id, 1 FROM people WHERE email IS NOT NULL",
                "SELECT p.* FROM people p",
                "COPY orders TO STDOUT",
            })
    void ordinaryWorkIsAllowed(String sql) {
        assertThat(plan(sql).refusal()).as(sql).isNull();
    }
}
