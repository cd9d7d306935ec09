package dev.pgwarden.sidecar.sql;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.select.AllTableColumns;

/**
 * What {@link LineageReader} and its helpers learn while they walk one statement; becomes its
 * {@link Lineage}. The fields are the record's components, gathered from every query block.
 */
final class LineageFacts {
    final Set<Lineage.Relation> relations = new LinkedHashSet<>();
    final Set<String> localNames = new HashSet<>();
    final List<Lineage.Derivation> derivations = new ArrayList<>();
    final Set<String> predicates = new HashSet<>();
    final Set<String> copied = new HashSet<>();
    final Set<String> copiedRows = new HashSet<>();
    final Set<String> wholeRows = new HashSet<>();
    final Set<String> identifiers = new HashSet<>();
    final Set<String> computed = new HashSet<>();
    final Set<String> qualifiedRefs = new HashSet<>();
    boolean comparesValues;
    /** Stars that are result-list items: a {@code t.*} anywhere else is a whole-row value. */
    final Set<Object> resultStars = Collections.newSetFromMap(new IdentityHashMap<>());

    final List<AllTableColumns> allStars = new ArrayList<>();
    boolean opaque;
    /** Sources of FROM items whose columns may go by any name of the statement. */
    final List<Set<String>> anyColumnFrom = new ArrayList<>();

    List<Set<String>> outputs = List.of();
    Set<String> outputSources = Set.of();
    Set<String> outputRows = Set.of();

    /** A row source defined from {@code sources}: its name carries rows, its column names values. */
    void derive(Set<String> rowNames, Set<String> columnNames, Set<String> sources) {
        if (!rowNames.isEmpty()) {
            derivations.add(new Lineage.Derivation(Set.copyOf(rowNames), sources, true, true));
        }
        if (!columnNames.isEmpty()) {
            derivations.add(new Lineage.Derivation(Set.copyOf(columnNames), sources, false, true));
        }
    }

    void relation(Table t) {
        String n = name(t.getName());
        String alias = t.getAlias() == null ? n : name(t.getAlias().getName());
        relations.add(new Lineage.Relation(t.getSchemaName() == null ? null : name(t.getSchemaName()), n, alias));
        if (t.getAlias() != null && t.getAlias().getAliasColumns() != null) {
            // customers c(i, n, e) renames the table's columns: each new name may be any of them.
            Set<String> columnNames = new HashSet<>();
            t.getAlias().getAliasColumns().forEach(c -> columnNames.add(name(c.name)));
            derive(Set.of(), columnNames, Set.of(n, alias));
        }
    }

    Lineage build() {
        for (Set<String> sources : anyColumnFrom) {
            derivations.add(new Lineage.Derivation(Set.copyOf(identifiers), sources, false, true));
        }
        for (AllTableColumns star : allStars) {
            if (!resultStars.contains(star)) {
                wholeRows.add(name(star.getTable().getName()));
            }
        }
        return new Lineage(
                Set.copyOf(relations),
                Set.copyOf(localNames),
                List.copyOf(derivations),
                outputs == null ? null : List.copyOf(outputs),
                Set.copyOf(outputSources),
                Set.copyOf(outputRows),
                Set.copyOf(predicates),
                Set.copyOf(copied),
                Set.copyOf(copiedRows),
                Set.copyOf(wholeRows),
                Set.copyOf(computed),
                Set.copyOf(qualifiedRefs),
                comparesValues,
                Set.copyOf(identifiers),
                opaque);
    }

    static Set<String> names(Expression e) {
        return e == null ? Set.of() : names(e.toString());
    }

    static Set<String> names(String text) {
        return SqlNames.of(text);
    }

    /** A name as written in JSqlParser's tree. */
    static String name(String raw) {
        return raw == null ? "?" : Identifiers.fold(raw);
    }
}
