package dev.pgwarden.api.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A column as a masking rule names it, {@code schema.table.column} or {@code table.column} for
 * {@code public}, split into the names the catalog stores. The proxy's masking and the database's
 * masking views read the rules through this one parser, so both walls mask the same columns.
 */
public record ColumnName(String schema, String table, String column) {
    public ColumnName {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(column, "column");
    }

    /**
     * Splits {@code schema.table.column} or {@code table.column}; a part in double quotes may hold
     * dots. Parts are compared with the catalog as written: PostgreSQL stores unquoted names in
     * lower case, so {@code public.Customers.email} names nothing unless the table was created quoted.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static ColumnName parse(String spec) {
        List<String> parts = new ArrayList<>(3);
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < spec.length(); i++) {
            char ch = spec.charAt(i);
            if (ch == '"') {
                if (quoted && i + 1 < spec.length() && spec.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (ch == '.' && !quoted) {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        parts.add(cur.toString());
        if (quoted || parts.size() < 2 || parts.size() > 3 || parts.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException(
                    "masked column \"" + spec + "\" must be schema.table.column or table.column");
        }
        return parts.size() == 2
                ? new ColumnName("public", parts.get(0), parts.get(1))
                : new ColumnName(parts.get(0), parts.get(1), parts.get(2));
    }
}
