package dev.pgwarden.sidecar.masking.plan;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.Lineage;
import dev.pgwarden.sidecar.sql.PgFunctions;
import dev.pgwarden.sidecar.sql.PgFunctions.Trait;
import dev.pgwarden.sidecar.sql.Target;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides how a statement's results are masked, from its {@link Lineage} and a catalog snapshot.
 *
 * <p>Here: what the statement's kind and calls decide on their own (EXECUTE and FETCH take their
 * body's or cursor's plan, functions that run SQL text or store values, statistics views, ALTER of
 * masked tables, code, COPY TO). {@link LineageEvaluation} then taints names from the masked
 * columns of the relations the statement names, through every name the statement defines from a
 * tainted one (an alias, a CTE or subquery column), until nothing changes. A computed result column
 * whose expression holds a tainted name is masked whole. What cannot be traced fails closed: a
 * whole-row value of a relation with masked columns, or a write of tainted values into a table, is
 * refused; a statement pgwarden could not read, or one that calls functions it cannot see into or
 * names relations it does not know yet, has every computed column masked.
 */
public final class MaskPlanner {
    /** Kinds whose results are never rows of the database's data. */
    private static final Set<StatementKind> NO_DATA = Set.of(
            StatementKind.SET,
            StatementKind.SHOW,
            StatementKind.TRANSACTION,
            StatementKind.LISTEN,
            StatementKind.NOTIFY,
            StatementKind.VACUUM,
            StatementKind.ANALYZE,
            StatementKind.PREPARE,
            StatementKind.GRANT,
            StatementKind.REVOKE,
            StatementKind.CREATE_ROLE,
            StatementKind.ALTER_ROLE,
            StatementKind.DROP_ROLE,
            StatementKind.TRUNCATE,
            StatementKind.COPY_FROM,
            StatementKind.DROP);

    /** Catalog relations that show sample values of any column (the planner's statistics). */
    /** The catalog's views and tables that show sample values of columns (histograms, common values). */
    public static final Set<String> SAMPLES_VALUES =
            Set.of("pg_stats", "pg_stats_ext", "pg_stats_ext_exprs", "pg_statistic", "pg_statistic_ext_data");

    private final MaskRules rules;
    private final MaskStrategy strictest;

    /**
     * A function whose results come from SQL given as text, a relation given by name or another
     * database: nothing pgwarden can trace to masked columns (and what it sends another database
     * leaves pgwarden's sight).
     */
    public static boolean untraceableFunction(String function) {
        return PgFunctions.has(function, Trait.RUNS_SQL_TEXT) || PgFunctions.has(function, Trait.OTHER_DATABASES);
    }

    /**
     * A function that stores a value where the session can read it back later (a setting, a
     * sequence, a lock, a notification, a large object): fed a masked value, it would return it
     * unmasked by another way.
     */
    /**
     * Why a call to a user function that may return masked values is refused: masking whatever it
     * returns would answer with values that are silently wrong.
     */
    static String returnsMaskedRefusal(String why) {
        return why + ", and pgwarden cannot tell which of its results are masked values. Query the tables it reads"
                + " instead, or ask a DBA for a function that reads no masked column";
    }

    static boolean storesValues(String function) {
        return PgFunctions.has(function, Trait.STORES_VALUES)
                || PgFunctions.has(function, Trait.CHANGES_SETTINGS)
                || PgFunctions.has(function, Trait.WRITES_LARGE_OBJECTS);
    }

    public MaskPlanner(MaskRules rules) {
        this.rules = rules;
        this.strictest = rules.strictestDerived();
    }

    /**
     * @param preparedBodies the bodies an EXECUTE may run (from PREPAREs seen in the session)
     * @param cursors plans of the cursors declared in the session, by name
     */
    public MaskPlan plan(
            Classification c,
            String sql,
            CatalogSnapshot catalog,
            Collection<Classification> preparedBodies,
            Map<String, MaskPlan> cursors) {
        if (c.kind() == StatementKind.EXECUTE) {
            return preparedBodies.size() == 1
                    ? plan(preparedBodies.iterator().next(), null, catalog, List.of(), cursors)
                    : unknown(null);
        }
        if (c.kind() == StatementKind.FETCH) {
            if (c.target() instanceof Target.CloseCursor) {
                return MaskPlan.NONE;
            }
            MaskPlan p = c.target() instanceof Target.Cursor cursor ? cursors.get(cursor.name()) : null;
            return p != null ? p : unknown(null);
        }
        for (String f : c.functions()) {
            if (PgFunctions.has(f, Trait.RUNS_SQL_TEXT)) {
                return MaskPlan.refuse(
                        f + "() runs SQL or reads a table given as text, which pgwarden cannot trace to"
                                + " masked columns. Write the query itself instead",
                        List.of());
            }
            if (untraceableFunction(f)) {
                return MaskPlan.refuse(
                        f + "() talks to another database, where pgwarden cannot follow values to or from"
                                + " masked columns. Use that database directly instead",
                        List.of());
            }
        }
        for (String f : c.functions()) {
            // Refused by name wherever it is called: a DEFAULT or GENERATED expression of a table the
            // statement creates, an index expression, a trigger's arguments run it later.
            String why = catalog == null ? null : catalog.returnsMasked().get(f);
            if (why != null) {
                return MaskPlan.refuse(returnsMaskedRefusal(why), List.of());
            }
        }
        Lineage l = c.lineage();
        Set<String> named = new java.util.HashSet<>(c.reads());
        if (l != null) {
            l.relations().forEach(r -> named.add(r.name()));
        }
        if (c.names() != null) {
            // CREATE VIEW ... AS SELECT ... FROM pg_stats reads it later: the text's names count too
            // (looked up one by one: copying them into the set cost every statement an allocation).
            for (String statistics : SAMPLES_VALUES) {
                if (c.names().contains(statistics)) {
                    named.add(statistics);
                }
            }
        }
        for (String r : named) {
            String bare = r.startsWith("pg_catalog.") ? r.substring("pg_catalog.".length()) : r;
            if (SAMPLES_VALUES.contains(bare)) {
                return MaskPlan.refuse(
                        bare + " shows sample values of columns, masked ones included. Ask a DBA for the"
                                + " statistics you need",
                        List.of());
            }
        }
        if (c.kind() == StatementKind.ALTER && sql != null) {
            // Any ALTER that names a relation with masked columns (ALTER INDEX and ALTER VIEW rename
            // tables too), and ALTER SCHEMA of a schema holding one.
            boolean schema = alterSchema(sql);
            for (String n : dev.pgwarden.sidecar.sql.SqlNames.of(sql)) {
                if (schema
                        ? catalog.maskedSchemas().contains(n)
                        : catalog.tainted().containsKey(n)) {
                    return MaskPlan.refuse(
                            "ALTER naming " + n + ", which holds masked columns: renaming or retyping would"
                                    + " take them out of the policy's reach. Ask a DBA to change it together with the policy",
                            List.of());
                }
            }
        }
        if (c.kind() == StatementKind.DO || c.hasHazard(Classification.Hazard.DECLARES_CODE)) {
            return MaskPlan.refuse(
                    "the policy masks columns, and code in DO blocks, functions, procedures, rules and"
                            + " triggers can read them where pgwarden cannot mask what it returns. Write the statements as plain"
                            + " SQL, or ask a DBA to create the code",
                    List.of());
        }
        if (c.kind() == StatementKind.ALTER) {
            for (String w : c.writes()) {
                if (taintedColumns(catalog, w) != null) {
                    return MaskPlan.refuse(
                            "ALTER of " + w + ", which holds masked columns: renaming or retyping a masked"
                                    + " column would take it out of the policy's reach. Ask a DBA to change it with the policy",
                            List.of());
                }
            }
        }
        if (c.kind() == StatementKind.COPY_TO) {
            for (String f : c.functions()) {
                String why = catalog.returnsMasked().get(f);
                if (why != null) {
                    return MaskPlan.refuse(returnsMaskedRefusal(why), List.of());
                }
            }
            // What a write returns (COPY (UPDATE ... RETURNING email) TO STDOUT) is read from its target.
            Set<String> copied = new java.util.LinkedHashSet<>(c.reads());
            copied.addAll(c.writes());
            for (String r : copied) {
                if (taintedColumns(catalog, r) != null || !knownRelation(catalog, r, l)) {
                    return MaskPlan.refuse(
                            "COPY ... TO would send the masked columns of " + r + " in clear; pgwarden masks"
                                    + " query results only. Use SELECT instead, or COPY the columns that are not masked",
                            List.of());
                }
            }
            return MaskPlan.NONE;
        }
        // The names of the statement's own text (a prepared body's too, which arrives here with no text).
        Set<String> written = catalog.tainted().isEmpty() ? Set.of() : c.names();
        if (c.kind() == StatementKind.CREATE && c.target() instanceof Target.Execute) {
            // CREATE TABLE ... AS EXECUTE: the prepared body's values go into the table.
            MaskPlan body = preparedBodies.size() == 1
                    ? plan(preparedBodies.iterator().next(), null, catalog, List.of(), cursors)
                    : unknown(null);
            if (body.refusal() != null || body.sensitive() || !body.touched().isEmpty()) {
                return MaskPlan.refuse(
                        "CREATE TABLE ... AS EXECUTE would write what the prepared statement reads from masked"
                                + " columns into a table, where it would no longer be masked. Copy only columns that are not"
                                + " masked",
                        body.touched());
            }
        }
        if (storesRows(c) && (l == null || copiesARelation(l, catalog))) {
            // A write pgwarden cannot read (SELECT ... INTO TEMPORARY, EXPLAIN ANALYZE SELECT ... INTO), or one
            // copying a relation whole (CREATE TABLE ... AS TABLE customers): refused when it names masked data.
            String masked = TextNames.maskedRelationNamed(written, catalog);
            if (masked != null) {
                return MaskPlan.refuse(
                        "it may write the masked columns of " + masked + " into a table, where they would no"
                                + " longer be masked, and pgwarden cannot read which columns it copies. Copy only"
                                + " columns that are not masked, naming them",
                        List.of());
            }
        }
        if (l == null) {
            String strict = TextNames.strictColumnsNamed(written, catalog);
            if (strict != null) {
                return MaskPlan.refuse(
                        "pgwarden cannot read this statement, so it cannot tell whether it filters, joins,"
                                + " sorts, groups or computes on " + strict
                                + " (or on a whole row holding it), which the policy does"
                                + " not allow. Write it without casts to row types or other constructs pgwarden cannot read, and"
                                + " select the column as it is",
                        List.of());
            }
            return NO_DATA.contains(c.kind()) || c.kind() == StatementKind.EXPLAIN ? MaskPlan.NONE : unknown(null);
        }
        if (TextNames.unseenMaskedRelation(written, l, catalog)) {
            // The text names a relation with masked columns that the parser's reading does not hold (a
            // construct it renders without its arguments, such as XMLTABLE): nothing of it can be traced.
            return unknown(null);
        }
        return new LineageEvaluation(rules, l, c, catalog).plan();
    }

    /**
     * A statement that puts rows into a table: a write, SELECT ... INTO (also under EXPLAIN ANALYZE
     * or WITH), or CREATE TABLE ... AS (its words hold TABLE and AS; a view stores no rows).
     */
    private static boolean storesRows(Classification c) {
        Set<StatementKind> e = c.effects();
        if (e.contains(StatementKind.INSERT)
                || e.contains(StatementKind.UPDATE)
                || e.contains(StatementKind.MERGE)
                || e.contains(StatementKind.COPY_FROM)) {
            return true;
        }
        if (!e.contains(StatementKind.CREATE)) {
            return false;
        }
        return c.kind() != StatementKind.CREATE
                || c.names() == null
                || c.names().contains("table") && c.names().contains("as");
    }

    /** A "column" copied that is a relation with masked columns: the TABLE form of a query copies it whole. */
    private static boolean copiesARelation(Lineage l, CatalogSnapshot catalog) {
        return l.copied().stream().anyMatch(catalog.tainted()::containsKey);
    }

    /** A plan for results nothing is known of: every computed column masked with the strictest strategy. */
    public MaskPlan untraceable() {
        return unknown(null);
    }

    private static boolean alterSchema(String sql) {
        try {
            List<dev.pgwarden.sidecar.sql.SqlToken> t = dev.pgwarden.sidecar.sql.SqlLexer.tokenize(sql);
            return t.size() > 1 && t.get(0).isWord("alter") && t.get(1).isWord("schema");
        } catch (dev.pgwarden.sidecar.sql.SqlLexer.LexException e) {
            return true;
        }
    }

    /** Every computed column masked with the strictest strategy: nothing is known of where it comes from. */
    private MaskPlan unknown(List<String> touched) {
        return new MaskPlan(null, null, strictest, strictest, touched == null ? List.of() : touched, true, true);
    }

    private static boolean knownRelation(CatalogSnapshot catalog, String name, Lineage l) {
        return catalog.relationNames().contains(name)
                || l != null && l.localNames().contains(name);
    }

    private static Map<String, MaskedColumn> taintedColumns(CatalogSnapshot catalog, String name) {
        return catalog.tainted().get(name);
    }

    /** A part of a value computed from a masked one is not a documented part: partial becomes redact. */
    static MaskStrategy derivedForm(MaskStrategy s) {
        return s == MaskStrategy.PARTIAL ? MaskStrategy.REDACT : s;
    }
}
