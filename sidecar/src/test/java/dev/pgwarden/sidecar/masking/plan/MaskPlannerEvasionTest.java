package dev.pgwarden.sidecar.masking.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.StatementClassifier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Shapes an attacker writes to carry a masked value out under another name: every result column
 * that may hold one must be masked, or the statement refused. The catalog is the planner test's:
 * people(id, name, email masked partial, ssn masked redact strict), orders(id, person_id, total).
 */
class MaskPlannerEvasionTest {
    private static final MaskedColumn EMAIL =
            new MaskedColumn("public", "people", "email", MaskStrategy.PARTIAL, false);
    private static final MaskedColumn SSN = new MaskedColumn("public", "people", "ssn", MaskStrategy.REDACT, false);
    private static final String LONG = "a_name_that_is_longer_than_sixty_three_bytes_so_postgres_cuts_it_short_xyz";
    /** LONG as PostgreSQL keeps it: its first 63 bytes. */
    private static final String SHORT = "a_name_that_is_longer_than_sixty_three_bytes_so_postgres_cuts_i";

    private final MaskPlanner planner = new MaskPlanner(new MaskRules(List.of(EMAIL, SSN)));

    private static CatalogSnapshot snapshot() {
        Map<String, Map<String, MaskedColumn>> tainted = new HashMap<>();
        Map<String, MaskedColumn> people = Map.of("email", EMAIL, "ssn", SSN);
        tainted.put("people", people);
        tainted.put("public.people", people);
        Set<String> names = Set.of("people", "public.people", "orders", "public.orders");
        Map<String, Set<String>> columns = Map.of(
                "people", Set.of("id", "name", "email", "ssn"), "public.people", Set.of("id", "name", "email", "ssn"));
        return new CatalogSnapshot(
                1, Map.of(), Set.of(1, 2), tainted, columns, Set.of("public"), names, Set.of(), Map.of());
    }

    /** Every computed column of these carries a masked value: each must be masked or refused. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT x FROM (SELECT email AS " + LONG + " FROM people) s(x)",
                "SELECT " + SHORT + " FROM (SELECT email AS " + LONG + " FROM people) s",
                "SELECT \"" + LONG + "\" || '' FROM (SELECT email AS \"" + LONG + "\" FROM people) s",
                "SELECT upper(e) FROM (SELECT email FROM people) s(e)",
                "SELECT v || '' FROM (VALUES (1)) t(v), LATERAL (SELECT email FROM people) p(v2) WHERE false UNION ALL SELECT email FROM people",
                "SELECT (SELECT string_agg(e, ',') FROM (SELECT email AS e FROM people) q) || ''",
                "SELECT array_to_string(ARRAY(SELECT email FROM people), ',')",
                "SELECT (SELECT p.email FROM people p LIMIT 1) || ''",
                "SELECT coalesce(NULL, email) FROM people",
                "SELECT greatest(email, '') FROM people",
                "SELECT nullif(ssn, 'x') FROM people",
                "SELECT CAST(email AS varchar) || '' FROM people",
                "SELECT email::text || '' FROM people",
                "SELECT (email) || '' FROM people",
                "SELECT ((people.email)) || '' FROM people",
                "SELECT public.people.email || '' FROM public.people",
                "SELECT P.EMAIL || '' FROM PEOPLE P",
                "SELECT \"email\" || '' FROM \"people\"",
                "SELECT x.y || '' FROM (SELECT email y FROM people) x",
                "SELECT y FROM (SELECT email y FROM people) x ORDER BY 1",
                "WITH a(e) AS (SELECT email FROM people), b AS (SELECT e || '' AS f FROM a) SELECT f FROM b",
                "WITH RECURSIVE r(e, n) AS (SELECT email, 1 FROM people UNION ALL SELECT e, n + 1 FROM r WHERE n < 2) SELECT e || '' FROM r",
                "SELECT jsonb_agg(email)::text FROM people",
                "SELECT xmlagg(xmlelement(name e, email))::text FROM people",
                "SELECT format('%s', (SELECT email FROM people LIMIT 1))",
                "SELECT string_agg(substr(email, g, 1), '') FROM people, generate_series(1, 40) g",
                "SELECT t.* FROM (SELECT email || '' AS e FROM people) t",
                "SELECT (t).e FROM (SELECT email || '' AS e FROM people) t",
                "SELECT e FROM people, LATERAL (SELECT people.email || '' AS e) l",
                "SELECT e FROM people CROSS JOIN LATERAL (VALUES (email)) v(e)",
                "SELECT v.column1 FROM people, LATERAL (VALUES (email)) v",
                "SELECT e FROM people, unnest(ARRAY[email]) WITH ORDINALITY AS u(e, n)",
                "SELECT * FROM people p, LATERAL unnest(ARRAY[p.ssn]) u",
                "SELECT max(e) FROM (SELECT email AS e FROM people) s GROUP BY id",
                "SELECT email FROM people WHERE false UNION SELECT email || '' FROM people",
                "SELECT CASE WHEN true THEN email END FROM people",
                "SELECT (ARRAY[email])[1] FROM people",
                "SELECT (ROW(email, 1)).f1 FROM people",
                "SELECT to_char(1, '9') || email FROM people",
                "SELECT column1 FROM (VALUES ((SELECT email FROM people WHERE id = 1))) v",
                "SELECT v.column1 FROM (VALUES (1), ((SELECT email FROM people WHERE id = 1))) v",
                "SELECT name FROM json_populate_record(NULL::orders, (SELECT json_build_object('name', email) FROM people))",
                "SELECT r.name FROM jsonb_populate_recordset(NULL::orders, (SELECT jsonb_agg(jsonb_build_object('name', email))"
                        + " FROM people)) r",
                "SELECT * FROM XMLTABLE('/r' PASSING xmlelement(name r, (SELECT email FROM people WHERE id = 1))"
                        + " COLUMNS v text PATH '.')",
                "SELECT v FROM XMLTABLE('/r' PASSING xmlelement(name r, (SELECT email FROM people WHERE id = 1))"
                        + " COLUMNS v text PATH '.')",
                "SELECT key, value FROM json_each_text((SELECT json_build_object('e', email) FROM people LIMIT 1))",
                "SELECT value FROM people p, jsonb_each_text(jsonb_build_object('e', p.email))",
            })
    void aMaskedValueUnderAnotherNameIsMasked(String sql) {
        MaskPlan p = planner.plan(StatementClassifier.classify(sql), sql, snapshot(), List.of(), Map.of());
        boolean safe = p.refusal() != null
                || p.allDerived() != null
                || p.derived() != null
                        && !p.derived().isEmpty()
                        && p.derived().stream().allMatch(d -> d != null);
        assertThat(safe).as(sql + " -> " + p).isTrue();
    }

    /**
     * Strict-column checks read the names of a statement's text when the parser cannot read it; a
     * prepared body arrives with no text of its own, and text that cannot even be lexed names every
     * relation as far as pgwarden can tell.
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT id FROM vault WHERE code OPERATOR(pg_catalog.=) 'TOPSECRET'",
                "SELECT id FROM vault WHERE code = 'unterminated",
            })
    void anUnreadablePreparedBodyNamingAStrictColumnIsRefused(String body) {
        MaskedColumn code = new MaskedColumn("public", "vault", "code", MaskStrategy.REDACT, true);
        MaskPlanner strict = new MaskPlanner(new MaskRules(List.of(code)));
        Map<String, MaskedColumn> vault = Map.of("code", code);
        CatalogSnapshot catalog = new CatalogSnapshot(
                1,
                Map.of(),
                Set.of(1),
                Map.of("vault", vault, "public.vault", vault),
                Map.of("vault", Set.of("id", "code"), "public.vault", Set.of("id", "code")),
                Set.of("public"),
                Set.of("vault", "public.vault"),
                Set.of(),
                Map.of());
        Classification prepared = StatementClassifier.classify(body);
        assertThat(prepared.lineage()).as("the parser cannot read " + body).isNull();
        MaskPlan direct = strict.plan(prepared, body, catalog, List.of(), Map.of());
        MaskPlan executed = strict.plan(
                StatementClassifier.classify("EXECUTE p"), "EXECUTE p", catalog, List.of(prepared), Map.of());
        assertThat(direct.refusal()).as(body).contains("public.vault.code");
        assertThat(executed.refusal()).as("EXECUTE of " + body).contains("public.vault.code");
    }
}
