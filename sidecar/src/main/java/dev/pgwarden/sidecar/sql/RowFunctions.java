package dev.pgwarden.sidecar.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Functions that PostgreSQL also runs without a call: a function whose argument may be a row runs
 * as {@code SELECT o.f FROM orders o} (attribute notation, {@code f(o)} for every row), which reads
 * like a column to anything that does not know the catalog. A statement that creates one is
 * therefore judged as the code it plants (every write), however harmless its body reads: its later
 * calls cannot be told from columns.
 */
final class RowFunctions {
    /**
     * The last word of the base types' names (and of their multi-word spellings: double precision,
     * character varying, time with time zone): an argument of one of these cannot be a row.
     */
    private static final Set<String> BASE_TYPES = Set.of(
            "smallint",
            "integer",
            "int",
            "int2",
            "int4",
            "int8",
            "bigint",
            "numeric",
            "decimal",
            "real",
            "float",
            "float4",
            "float8",
            "precision",
            "smallserial",
            "serial",
            "bigserial",
            "money",
            "text",
            "varchar",
            "char",
            "character",
            "varying",
            "bpchar",
            "name",
            "citext",
            "bool",
            "boolean",
            "date",
            "time",
            "timetz",
            "timestamp",
            "timestamptz",
            "zone",
            "interval",
            "uuid",
            "json",
            "jsonb",
            "jsonpath",
            "xml",
            "bytea",
            "bit",
            "varbit",
            "oid",
            "regclass",
            "regproc",
            "regprocedure",
            "regtype",
            "regnamespace",
            "regrole",
            "inet",
            "cidr",
            "macaddr",
            "macaddr8",
            "point",
            "line",
            "lseg",
            "box",
            "path",
            "polygon",
            "circle",
            "tsvector",
            "tsquery",
            "int4range",
            "int8range",
            "numrange",
            "tsrange",
            "tstzrange",
            "daterange",
            "pg_lsn",
            "txid_snapshot",
            "pg_snapshot",
            "xid",
            "xid8",
            "cid",
            "tid");

    private static final Set<String> MODES = Set.of("in", "out", "inout", "variadic");

    private RowFunctions() {}

    /**
     * Whether {@code tokens} (a CREATE [OR REPLACE] FUNCTION) declare an argument that may be a row:
     * a table's or composite type's name, a domain, a polymorphic or pseudo type, anything that is
     * not a base type. OUT arguments do not count. A signature that cannot be read counts.
     */
    static boolean takesARow(List<SqlToken> tokens) {
        int open = -1;
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i).isSymbol("(")) {
                open = i;
                break;
            }
        }
        if (open < 0) {
            return true;
        }
        int depth = tokens.get(open).depth();
        List<List<SqlToken>> arguments = new ArrayList<>();
        List<SqlToken> current = new ArrayList<>();
        int i = open + 1;
        for (; i < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (t.isSymbol(")") && t.depth() <= depth) {
                break;
            }
            if (t.isSymbol(",") && t.depth() == depth + 1) {
                arguments.add(current);
                current = new ArrayList<>();
            } else {
                current.add(t);
            }
        }
        if (i == tokens.size()) {
            return true;
        }
        if (!current.isEmpty()) {
            arguments.add(current);
        }
        for (List<SqlToken> argument : arguments) {
            if (mayBeARow(argument)) {
                return true;
            }
        }
        return false;
    }

    private static boolean mayBeARow(List<SqlToken> argument) {
        String last = null;
        boolean out = false;
        for (SqlToken t : argument) {
            if (t.isWord("default") || t.isSymbol("=")) {
                break;
            }
            if (t.depth() > argument.get(0).depth()) {
                continue; // a type modifier: numeric(10, 2), varchar(20)
            }
            if (t.type() == SqlToken.Type.WORD && MODES.contains(t.text()) && last == null) {
                out |= t.text().equals("out");
                continue;
            }
            if (t.isName()) {
                last = t.text();
            }
        }
        return !out && (last == null || !BASE_TYPES.contains(last));
    }
}
