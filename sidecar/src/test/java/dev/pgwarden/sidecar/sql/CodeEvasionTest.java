package dev.pgwarden.sidecar.sql;

import static dev.pgwarden.sidecar.sql.TestPolicies.READ_ONLY;
import static dev.pgwarden.sidecar.sql.TestPolicies.READ_WRITE;
import static dev.pgwarden.sidecar.sql.TestPolicies.decideQuery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.sidecar.policy.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Code whose effects pgwarden cannot see counts as every kind of write; code it can read whole is
 * judged by what it does. Under the sample policy (DROP/TRUNCATE/ALTER and unbounded writes need
 * approval, privileges are denied), none of these may come out milder than what it would do.
 */
class CodeEvasionTest {
    private static Verdict decide(StatementPolicy p, String sql) {
        return decideQuery(p, sql);
    }

    private static void atLeast(String sql, Action action) {
        Verdict v = decide(READ_WRITE, sql);
        assertThat(v.action().ordinal())
                .as("%s: %s (%s)", sql, v.action(), v.reason())
                .isGreaterThanOrEqualTo(action.ordinal());
        assertThat(decide(READ_ONLY, sql).action()).as("ReadOnly: %s", sql).isEqualTo(Action.Deny);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                // Dynamic SQL, in every spelling.
                "DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$",
                "DO $$ BEGIN EXECUTE 'DR' || 'OP TABLE t'; END $$",
                "DO $$ BEGIN EXECUTE format('DROP TABLE %I', 't'); END $$",
                "DO $$ DECLARE q text := 'DELETE FROM t'; BEGIN EXECUTE q; END $$",
                "DO LANGUAGE plpgsql $x$ BEGIN EXECUTE 'GRANT ALL ON t TO PUBLIC'; END $x$",
                "DO $$ BEGIN IF true THEN EXECUTE 'TRUNCATE t'; END IF; END $$",
                "DO $$ BEGIN FOR i IN 1..1 LOOP EXECUTE 'DROP TABLE t'; END LOOP; END $$",
                "DO $$ BEGIN RETURN; EXCEPTION WHEN others THEN EXECUTE 'DROP TABLE t'; END $$",
                "DO $$ DECLARE c refcursor; BEGIN OPEN c FOR EXECUTE 'DELETE FROM t RETURNING 1'; END $$",
                "DO $$ BEGIN FOR r IN EXECUTE 'DELETE FROM t RETURNING id' LOOP NULL; END LOOP; END $$",
                // Calls of code pgwarden cannot see into, or languages it does not read.
                "DO $$ BEGIN PERFORM wipe(); END $$",
                "DO $$ DECLARE n int := wipe(); BEGIN NULL; END $$",
                "DO $$ BEGIN CALL wipe(); END $$",
                "DO LANGUAGE plpython3u $$ plpy.execute('drop table t') $$",
                "SELECT wipe()",
                "SELECT * FROM t WHERE id = wipe()",
                "SELECT public.lower('x')",
                "SELECT \"lower\"('X'), \"Wipe\"()",
                "CALL wipe()",
                "WITH w AS (SELECT wipe()) SELECT 1",
                // Code planted for later statements to run.
                "CREATE TRIGGER t_wipe AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION wipe()",
                "CREATE RULE r AS ON INSERT TO t DO ALSO DELETE FROM t",
                "CREATE OR REPLACE RULE r AS ON SELECT TO v DO INSTEAD SELECT * FROM t",
                "CREATE EVENT TRIGGER e ON ddl_command_end EXECUTE FUNCTION wipe()",
                "CREATE TABLE t2 (id int DEFAULT wipe())",
                "CREATE TABLE t2 (id int CHECK (wipe() > 0))",
                "CREATE TABLE t2 (id int GENERATED ALWAYS AS (wipe()) STORED)",
                "ALTER TABLE t ALTER COLUMN id SET DEFAULT wipe()",
                "CREATE VIEW v AS SELECT wipe()",
                "CREATE MATERIALIZED VIEW mv AS SELECT wipe()",
                "CREATE INDEX i ON t (wipe(id))",
                "CREATE POLICY p ON t USING (wipe() > 0)",
                "CREATE DOMAIN d AS int CHECK (wipe() > 0)",
                "CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = wipe)",
                "CREATE AGGREGATE agg(int) (SFUNC = wipe, STYPE = int)",
                "CREATE CAST (int AS text) WITH FUNCTION wipe(int)",
                "ALTER FUNCTION f() SECURITY DEFINER",
                "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'DROP TABLE t'; RETURN 1; END $$",
                "CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'lib', 'sym'",
            })
    void codeThatMayDoAnythingIsAskedForOrRefused(String sql) {
        atLeast(sql, Action.RequireApproval);
    }

    @Test
    void codeThatMayGrantIsRefusedAsAGrantIs() {
        assertThat(decide(READ_WRITE, "DO $$ BEGIN EXECUTE 'GRANT ALL ON t TO PUBLIC'; END $$")
                        .action())
                .isEqualTo(Action.Deny);
        assertThat(decide(READ_WRITE, "SELECT wipe()").rule()).isEqualTo("privileges");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                // Statements in readable bodies count as what they are, wherever they hide.
                "DO $$ BEGIN DELETE FROM t; END $$",
                "DO $$ BEGIN IF now() > '2000-01-01' THEN DELETE FROM t; END IF; END $$",
                "DO $$ BEGIN FOR r IN SELECT id FROM t LOOP DELETE FROM t; END LOOP; END $$",
                "DO $$ BEGIN LOOP DELETE FROM t; EXIT; END LOOP; END $$",
                "DO $$ BEGIN WHILE true LOOP UPDATE t SET v = 1; EXIT; END LOOP; END $$",
                "DO $$ BEGIN BEGIN NULL; EXCEPTION WHEN others THEN DELETE FROM t; END; END $$",
                "DO $$ <<outer>> BEGIN DELETE FROM t; END outer $$",
                "DO $$ BEGIN CASE 1 WHEN 1 THEN DELETE FROM t; ELSE NULL; END CASE; END $$",
                "DO $$ DECLARE n int; BEGIN DELETE FROM t WHERE true RETURNING id INTO n; END $$",
                "DO $$ BEGIN DROP TABLE t; END $$",
                "DO $$ BEGIN TRUNCATE t; END $$",
                "DO 'BEGIN DELETE FROM t; END'",
                "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'DELETE FROM t'",
                "CREATE FUNCTION f() RETURNS void LANGUAGE sql BEGIN ATOMIC DELETE FROM t; END",
                "CREATE FUNCTION f() RETURNS SETOF int LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY DELETE FROM t RETURNING id; END $$",
                "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; UPDATE t SET v = 2; END $$",
                // A function of a row runs as o.f, which reads like a column: judged as the code it plants,
                // even with a bounded body (SELECT o.f FROM t o would run it for every row).
                "CREATE FUNCTION f(t) RETURNS int LANGUAGE sql AS 'DELETE FROM t WHERE id = $1.id RETURNING 1'",
                "CREATE OR REPLACE FUNCTION f(r t) RETURNS int LANGUAGE sql AS 'SELECT 1'",
                "CREATE FUNCTION f(IN r public.t, x int DEFAULT 1) RETURNS int LANGUAGE sql AS 'SELECT 1'",
                "CREATE FUNCTION f(r anyelement) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$",
                "CREATE FUNCTION f(r record) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$",
                "CREATE FUNCTION f(\"T\") RETURNS int LANGUAGE sql AS 'SELECT 1'",
            })
    void readableCodeIsJudgedByWhatItDoes(String sql) {
        atLeast(sql, Action.RequireApproval);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "DO $$ BEGIN RAISE NOTICE 'hello'; END $$",
                "DO $$ DECLARE n int; BEGIN SELECT count(*) INTO n FROM t; RAISE NOTICE '%', n; END $$",
                "DO $$ BEGIN PERFORM pg_sleep(0); END $$",
                "DO $$ BEGIN UPDATE t SET v = 1 WHERE id = 3; END $$",
                "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE AS 'select a + b'",
                "CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql RETURN a + 1",
                "CREATE FUNCTION g(a double precision, b timestamp with time zone, c varchar(20)[], OUT d t) LANGUAGE sql"
                        + " AS 'SELECT NULL::t'",
                "CREATE FUNCTION g(VARIADIC a numeric(10, 2)[]) RETURNS int LANGUAGE sql AS 'SELECT 1'",
                "SELECT lower(name), coalesce(x, 1), now(), count(*) FROM t GROUP BY 1, 2, 3",
                "SELECT pg_catalog.lower('X')",
                "CREATE TABLE t3 (id int DEFAULT nextval('s'), ts timestamptz DEFAULT now(), CHECK (id > 0))",
                "CREATE INDEX i3 ON t (lower(name))",
                "INSERT INTO t (id, v) VALUES (1, 'x')",
                "WITH c(a, b) AS (SELECT 1, 2) SELECT * FROM c",
                "SELECT * FROM t AS x(a, b)",
            })
    void readableHarmlessCodeAndShippedFunctionsPass(String sql) {
        Verdict v = decide(READ_WRITE, sql);
        assertThat(v.action()).as("%s (%s)", sql, v.reason()).isEqualTo(Action.Allow);
    }

    @Test
    void anAllowRuleNamingTheKindTrustsTheCode() {
        StatementPolicy trusting = TestPolicies.fromYaml("""
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: trusting}
        spec:
          access: {mode: ReadWrite}
          rules:
            - name: our-procedures
              statements: [CALL]
              action: Allow
            - name: privileges
              statements: [GRANT]
              action: Deny
        """, "test");
        assertThat(decide(trusting, "SELECT wipe()").action()).isEqualTo(Action.Allow);
        assertThat(decide(trusting, "CALL rebuild()").action()).isEqualTo(Action.Allow);
        assertThat(decide(trusting, "DO $$ BEGIN EXECUTE 'x'; END $$").action()).isEqualTo(Action.Deny);
    }
}
