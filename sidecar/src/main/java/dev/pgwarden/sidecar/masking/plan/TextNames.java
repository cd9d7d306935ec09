package dev.pgwarden.sidecar.masking.plan;

import dev.pgwarden.sidecar.sql.Lineage;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks on the names a statement's text holds ({@link
 * dev.pgwarden.sidecar.sql.Classification#names}), read by pgwarden's own lexer rather than from the
 * parser's tree: the check that the tree left nothing out. A parser that reads a construct without
 * its arguments (or cannot read the statement at all) must not make a masked relation or a strict
 * column vanish from what masking judges. Written names of null mean the text could not be lexed:
 * then every name may be there, and both checks answer as if each masked relation were named.
 */
final class TextNames {
    private TextNames() {}

    private static boolean names(Set<String> written, String name) {
        return written == null || written.contains(name);
    }

    /**
     * Whether the text names a relation with masked columns that the lineage does not hold as a
     * relation (nor as a name the statement defines itself).
     */
    static boolean unseenMaskedRelation(Set<String> written, Lineage l, CatalogSnapshot catalog) {
        if (written != null && written.isEmpty()) {
            return false;
        }
        Set<String> seen = new java.util.HashSet<>(l.localNames());
        l.relations().forEach(r -> seen.add(r.name()));
        for (String relation : catalog.tainted().keySet()) {
            String bare = relation.substring(relation.lastIndexOf('.') + 1);
            if (names(written, bare) && !seen.contains(bare)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The strict columns (denyPredicates) of the relations the text names, as a list for a message;
     * null when there are none. The column need not be named: a whole row compares it too
     * ({@code WHERE v = ROW(1, 'guess')::vault}).
     */
    static String strictColumnsNamed(Set<String> written, CatalogSnapshot catalog) {
        Set<String> named = new TreeSet<>();
        for (Map.Entry<String, Map<String, MaskedColumn>> e : catalog.tainted().entrySet()) {
            String bare = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
            for (Map.Entry<String, MaskedColumn> column : e.getValue().entrySet()) {
                if (column.getValue().denyPredicates() && names(written, bare)) {
                    named.add(column.getValue().qualifiedName());
                }
            }
        }
        return named.isEmpty() ? null : String.join(", ", named);
    }

    /**
     * A relation with masked columns that the text names (by its bare name), for a message; null
     * when it names none. A text that could not be lexed names them all.
     */
    static String maskedRelationNamed(Set<String> written, CatalogSnapshot catalog) {
        for (String relation : new TreeSet<>(catalog.tainted().keySet())) {
            if (names(written, relation.substring(relation.lastIndexOf('.') + 1))) {
                return relation;
            }
        }
        return null;
    }
}
