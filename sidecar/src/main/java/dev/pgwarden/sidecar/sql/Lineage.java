package dev.pgwarden.sidecar.sql;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where the values of a statement come from and where they go, by name only: what masking needs
 * to know about a statement before any catalog is consulted. Names are as PostgreSQL resolves
 * them (unquoted words lower-cased, quoted identifiers as written). Every set over-approximates:
 * a name in it may be a function, a type or a keyword, never the other way round, so a check
 * against these sets can only err towards masking or refusing.
 *
 * @param relations relations the statement names anywhere (FROM, JOIN, targets, subqueries)
 * @param localNames names the statement defines itself (CTEs), which the catalog does not know
 * @param derivations how names defined inside the statement derive from other names
 * @param outputs for each result column, the names it is computed from; null when a star makes
 *     the mapping from columns to expressions unknown
 * @param outputSources every name in the result list
 * @param outputRows row sources a result-list star expands (aliases or relation names)
 * @param predicates names in filtering, joining, grouping and ordering positions
 * @param copied names in values the statement writes into tables (INSERT ... SELECT, UPDATE SET,
 *     MERGE, SELECT INTO, CREATE TABLE AS)
 * @param copiedRows row sources a star in written values expands
 * @param wholeRows names used as values that may denote whole rows: unqualified column references
 *     and the {@code t} of {@code t.*} outside a result list
 * @param computed names in result expressions that are more than a bare column reference, at any depth
 * @param qualifiedRefs qualified column references as {@code qualifier.name}: with a qualifier
 *     naming a row, a name that is no column is PostgreSQL's functional notation
 *     ({@code c.row_to_json} is {@code row_to_json(c)})
 * @param comparesValues the statement compares result values without naming them in a predicate:
 *     DISTINCT, UNION without ALL, INTERSECT, EXCEPT, NATURAL joins, ORDER BY or GROUP BY a position
 * @param identifiers every name in the statement
 * @param opaque the statement holds a construct this reading does not follow (a FROM item of an
 *     unknown kind): its computed results cannot be traced
 */
public record Lineage(
        Set<Relation> relations,
        Set<String> localNames,
        List<Derivation> derivations,
        List<Set<String>> outputs,
        Set<String> outputSources,
        Set<String> outputRows,
        Set<String> predicates,
        Set<String> copied,
        Set<String> copiedRows,
        Set<String> wholeRows,
        Set<String> computed,
        Set<String> qualifiedRefs,
        boolean comparesValues,
        Set<String> identifiers,
        boolean opaque) {

    /** A relation as named: schema may be null; alias is the name it goes by (the name itself without one). */
    public record Relation(String schema, String name, String alias) {}

    /**
     * Names defined from other names: a select item's alias, a subquery's or CTE's alias and its
     * column names.
     *
     * @param rows the outputs name a row source (a subquery or CTE), so they carry whole rows
     * @param fromRows the outputs come out of a row source (its name or its column names): they derive
     *     from relation names in the sources as well as from column names ({@code SELECT *} inside)
     */
    public record Derivation(Set<String> outputs, Set<String> sources, boolean rows, boolean fromRows) {}

    /** The same statement with its results written into a table instead of returned (CREATE TABLE AS). */
    public Lineage copying() {
        Set<String> c = new HashSet<>(copied);
        c.addAll(outputSources);
        Set<String> cr = new HashSet<>(copiedRows);
        cr.addAll(outputRows);
        return new Lineage(
                relations,
                localNames,
                derivations,
                List.of(),
                Set.of(),
                Set.of(),
                predicates,
                Set.copyOf(c),
                Set.copyOf(cr),
                wholeRows,
                computed,
                qualifiedRefs,
                comparesValues,
                identifiers,
                opaque);
    }

    /** The same statement, its results not returned as rows (EXPLAIN prints a plan instead). */
    public Lineage withoutResults() {
        return new Lineage(
                relations,
                localNames,
                derivations,
                List.of(),
                Set.of(),
                Set.of(),
                predicates,
                copied,
                copiedRows,
                wholeRows,
                computed,
                qualifiedRefs,
                comparesValues,
                identifiers,
                opaque);
    }
}
