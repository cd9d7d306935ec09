package dev.pgwarden.sidecar.sql;

import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * PostgreSQL's functions that act beyond the rows a statement names, with what each does. One
 * table for the policy's built-in guards and for masking, so that the two cannot disagree: a
 * function that runs SQL given as text is a guard for the one and untraceable for the other.
 * Functions are named as {@link Classification#functions()} names them (folded, no schema).
 */
public final class PgFunctions {
    /** What a function does that the statement around it does not show. */
    public enum Trait {
        /** Reads, lists or writes files on the database server. */
        SERVER_FILES,
        /** Acts on other sessions, the server's configuration, its WAL, backups or replication. */
        SERVER_CONTROL,
        /** Changes a run-time setting, the role and read-only mode among them. */
        CHANGES_SETTINGS,
        /** Connects to another database, or reads what another database sent. */
        OTHER_DATABASES,
        /**
         * Runs SQL given as text, or reads a table, schema, database or cursor given by name: what it
         * reads is hidden from classification and from masking's tracing.
         */
        RUNS_SQL_TEXT,
        /** Creates, changes or removes large objects, which bypass table privileges. */
        WRITES_LARGE_OBJECTS,
        /**
         * Stores a value where the session can read it back another way: a sequence, an advisory lock,
         * a notification, a WAL message.
         */
        STORES_VALUES
    }

    private static final Map<String, Set<Trait>> TRAITS = table();

    private PgFunctions() {}

    /** What {@code function} does beyond its result; empty for a function pgwarden has nothing on. */
    public static Set<Trait> traits(String function) {
        return function == null ? Set.of() : TRAITS.getOrDefault(function, Set.of());
    }

    public static boolean has(String function, Trait trait) {
        return traits(function).contains(trait);
    }

    /** Every function in the table. */
    public static Set<String> names() {
        return TRAITS.keySet();
    }

    private static Map<String, Set<Trait>> table() {
        Map<String, Set<Trait>> t = new HashMap<>();
        put(
                t,
                Trait.SERVER_FILES,
                "pg_read_file",
                "pg_read_binary_file",
                "pg_ls_dir",
                "pg_stat_file",
                "pg_ls_logdir",
                "pg_ls_waldir",
                "pg_ls_tmpdir",
                "pg_ls_archive_statusdir",
                "pg_ls_logicalsnapdir",
                "pg_ls_logicalmapdir",
                "pg_ls_replslotdir",
                "pg_file_write",
                "pg_file_rename",
                "pg_file_unlink",
                "pg_file_sync",
                "pg_logdir_ls",
                "lo_import",
                "lo_export");
        put(
                t,
                Trait.SERVER_CONTROL,
                "pg_terminate_backend",
                "pg_cancel_backend",
                "pg_reload_conf",
                "pg_rotate_logfile",
                "pg_promote",
                "pg_switch_wal",
                "pg_create_restore_point",
                "pg_backup_start",
                "pg_backup_stop",
                "pg_create_logical_replication_slot",
                "pg_create_physical_replication_slot",
                "pg_drop_replication_slot",
                "pg_replication_origin_create");
        put(t, Trait.CHANGES_SETTINGS, "set_config");
        put(
                t,
                Trait.OTHER_DATABASES,
                "dblink",
                "dblink_exec",
                "dblink_connect",
                "dblink_connect_u",
                "dblink_send_query",
                "dblink_open",
                "dblink_fetch",
                "dblink_get_result");
        put(
                t,
                Trait.RUNS_SQL_TEXT,
                "query_to_xml",
                "query_to_xmlschema",
                "query_to_xml_and_xmlschema",
                "cursor_to_xml",
                "cursor_to_xmlschema",
                "table_to_xml",
                "table_to_xml_and_xmlschema",
                "schema_to_xml",
                "schema_to_xml_and_xmlschema",
                "database_to_xml",
                "database_to_xml_and_xmlschema",
                "ts_stat",
                "ts_rewrite",
                "dblink",
                "dblink_exec",
                "dblink_open",
                "dblink_fetch",
                "dblink_send_query",
                "dblink_get_result");
        put(
                t,
                Trait.WRITES_LARGE_OBJECTS,
                "lo_unlink",
                "lo_put",
                "lo_from_bytea",
                "lo_create",
                "lo_creat",
                "lowrite",
                "lo_truncate",
                "lo_truncate64");
        put(
                t,
                Trait.STORES_VALUES,
                "setval",
                "pg_notify",
                "pg_advisory_lock",
                "pg_advisory_lock_shared",
                "pg_advisory_xact_lock",
                "pg_advisory_xact_lock_shared",
                "pg_try_advisory_lock",
                "pg_try_advisory_lock_shared",
                "pg_try_advisory_xact_lock",
                "pg_try_advisory_xact_lock_shared",
                "pg_logical_emit_message");
        Map<String, Set<Trait>> frozen = new HashMap<>();
        t.forEach((name, traits) -> frozen.put(name, Collections.unmodifiableSet(traits)));
        return Map.copyOf(frozen);
    }

    private static void put(Map<String, Set<Trait>> table, Trait trait, String... functions) {
        for (String f : functions) {
            table.computeIfAbsent(f, k -> EnumSet.noneOf(Trait.class)).add(trait);
        }
    }
}
